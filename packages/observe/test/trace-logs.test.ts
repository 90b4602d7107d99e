import { SpanStore, TraceLogs } from "@paved/observe"
import type { Span } from "@paved/observe"
import { Effect, Option } from "effect"
import { it } from "@effect/vitest"
import { describe, expect } from "vitest"
import { newTraceId, span } from "./spans.js"

const log = (traceId: string, spanId: string, timeUs: number, body: string): Span.LogRecord => ({
  timeUs, traceId, spanId, service: "shop", entityRef: "component:default/shop", severityNumber: 9, severityText: "INFO", body, attributes: {}
})

describe("TraceLogs.ofTrace", () => {
  it.effect("groups a trace's logs under its spans, oldest first, keeps the others apart, and reads only around the trace", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const traceId = newTraceId()
      const startUs = Date.now() * 1000 - 600_000_000
      const root = span({ traceId, service: "shop", name: "GET /cart", startUs, durationUs: 5000 })
      const child = span({ traceId, service: "shop", name: "load cart", parent: root, durationUs: 1000 })
      const idle = span({ traceId, service: "shop", name: "no logs", parent: root, durationUs: 100 })
      yield* store.insertSpans([root, child, idle])
      yield* store.insertLogs([
        log(traceId, child.spanId, startUs + 300, "second of the child"),
        log(traceId, root.spanId, startUs + 100, "root"),
        log(traceId, child.spanId, startUs + 200, "first of the child"),
        log(traceId, "", startUs + 400, "no span"),
        log(traceId, "ffffffffffffffff", startUs + 500, "span never received"),
        // Outside the window (more than an hour after the trace ended), and another trace.
        log(traceId, root.spanId, startUs + 3_700_000_000, "too late"),
        log(newTraceId(), root.spanId, startUs + 150, "other trace")
      ])
      const tree = Option.getOrThrow(yield* store.trace(traceId))
      const found = yield* TraceLogs.ofTrace(store, tree)
      const bodies = (logs: ReadonlyArray<Span.LogRecord> | undefined) => (logs ?? []).map((l) => l.body)
      expect(bodies(found.logs)).toEqual(["root", "first of the child", "second of the child", "no span", "span never received"])
      expect(bodies(found.bySpan.get(root.spanId))).toEqual(["root"])
      expect(bodies(found.bySpan.get(child.spanId))).toEqual(["first of the child", "second of the child"])
      expect(found.bySpan.has(idle.spanId)).toBe(false)
      expect(bodies(found.outsideSpans)).toEqual(["no span", "span never received"])
      const limited = yield* TraceLogs.ofTrace(store, tree, { limit: 2 })
      expect(bodies(limited.logs)).toEqual(["root", "first of the child"])
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})
