import type { SpanStore } from "@paved/observe"
import { describe, expect, it } from "vitest"
import { telemetry, waterfall } from "../src/state/platformLines.js"

const span = (spanId: string, depth: number, offsetUs: number, durationUs: number, name: string): SpanStore.WaterfallSpan => ({
  traceId: "a".repeat(32), spanId, parentSpanId: "", service: "web", namespace: "default", entityRef: "component:default/web", name,
  kind: 2, startUs: 1_000_000 + offsetUs, durationUs, status: 0, statusMessage: "", peer: "", attributes: {}, resource: {}, events: [],
  depth, offsetUs
})

const declined = { timeUs: 1_000_500, traceId: "a".repeat(32), spanId: "3".repeat(16), service: "web", entityRef: "component:default/web", severityNumber: 17, severityText: "ERROR", body: "card declined", attributes: {} }
const done = { timeUs: 1_000_900, traceId: "a".repeat(32), spanId: "", service: "web", entityRef: "component:default/web", severityNumber: 9, severityText: "INFO", body: { done: true }, attributes: {} }

describe("the TUI waterfall", () => {
  const tree = {
    traceId: "a".repeat(32), startUs: 1_000_000, durationUs: 1000, services: ["web"],
    spans: [span("1".repeat(16), 0, 0, 1000, "GET /"), span("2".repeat(16), 1, 30, 970, "call"), span("3".repeat(16), 2, 60, 940, "handle")],
    logs: { logs: [declined, done], bySpan: new Map([["3".repeat(16), [declined]]]), outsideSpans: [done] }
  }

  it("draws bars to scale: nested spans ending with their parent end in the same cell (newcomer finding 23)", () => {
    const lines = waterfall(tree, 24)
    const bars = lines.slice(1).filter((l) => l.text.includes("█")).map((l) => l.text.slice(0, 24))
    expect(bars).toEqual(["█".repeat(24), "█".repeat(24), " " + "█".repeat(23)])
  })

  it("shows each span's logs under it and the trace's other logs after", () => {
    const text = waterfall(tree, 24).map((l) => l.text)
    const handle = text.findIndex((t) => t.includes("web: handle"))
    expect(text[handle + 1]).toContain("▸ ERROR card declined")
    expect(text).toContain("logs of the trace outside its spans (1)")
    expect(text.at(-1)).toContain('▸ INFO {"done":true}')
  })

  it("the traces view shows each service's memory and event-loop delay next to its RED", () => {
    const red = { entityRef: "component:default/web", service: "web", operation: "*", count: 10, ratePerSecond: 1, errors: 0, errorRatio: 0, meanMs: 5, p50Ms: 4, p95Ms: 9, p99Ms: 10 }
    const lines = telemetry({ red: [red], edges: [], traces: [], runtime: new Map([["component:default/web", { memoryBytes: 80 * 1048576, eventLoopDelayMs: 12.5, metricSeries: 3 }]]) })
    expect(lines[1]!.text).toMatch(/p99 10\.0ms {2}mem 80MiB {2}loop 12\.5ms$/)
  })
})
