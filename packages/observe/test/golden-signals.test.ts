import { it } from "@effect/vitest"
import { CatalogView, type Entity, type EntityRef, Facts, Scorecard } from "@paved/catalog"
import { GoldenSignals, type Metric, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import { describe, expect } from "vitest"
import { newTraceId, span } from "./spans.js"

const component = (name: string, owner: string): Entity.Entity => ({
  apiVersion: "backstage.io/v1alpha1",
  kind: "Component",
  metadata: { name, namespace: "default" },
  spec: { type: "service", lifecycle: "production", owner }
})
const group = (name: string): Entity.Entity => ({ apiVersion: "backstage.io/v1alpha1", kind: "Group", metadata: { name, namespace: "default" }, spec: { type: "team", children: [] } })
const catalog = [component("checkout", "payments"), component("ledger", "payments"), component("search", "discovery"), component("quiet", "discovery"), group("payments"), group("discovery")]

const gauge = (service: string, name: string, value: number, unit: string, attributes: Record<string, string> = {}): Metric.MetricPoint => ({
  service, namespace: "default", entityRef: `component:default/${service}`, name, description: "", unit, kind: "gauge", monotonic: false,
  temporality: "unspecified", attributes, resource: {}, startUs: 0, timeUs: Date.now() * 1000 - 1_000_000, value, count: 0,
  min: undefined, max: undefined, bounds: [], buckets: [], exponential: undefined
})

const seed = Effect.gen(function*() {
  const store = yield* SpanStore.SpanStore
  const now = Date.now() * 1000 - 5_000_000
  const requests = (service: string, n: number, failing: number) =>
    Array.from({ length: n }, (_, i) => span({ traceId: newTraceId(), service, name: "GET /", startUs: now, durationUs: 10_000 * (i + 1), error: i < failing }))
  yield* store.insertSpans([...requests("checkout", 100, 3), ...requests("ledger", 50, 0), ...requests("search", 10, 5)])
  yield* store.insertMetrics([
    gauge("checkout", "v8js.memory.heap.used", 40e6, "By", { "v8js.heap.space.name": "new_space" }),
    gauge("checkout", "v8js.memory.heap.used", 60e6, "By", { "v8js.heap.space.name": "old_space" }),
    gauge("checkout", "nodejs.eventloop.delay.p99", 0.012, "s"),
    gauge("ledger", "process.memory.usage", 80e6, "By")
  ])
  return store
})

describe("GoldenSignals", () => {
  it.effect("RED and runtime metrics per service and per owning team", () =>
    Effect.gen(function*() {
      const store = yield* seed
      const signals = yield* GoldenSignals.compute(store, catalog, { since: "10 minutes" })
      const checkout = signals.services.find((s) => s.service === "checkout")!
      expect(checkout).toMatchObject({ owner: "group:default/payments", red: { count: 100, errors: 3 }, runtime: { memoryBytes: 100e6, eventLoopDelayMs: 12, metricSeries: 3 } })
      expect(signals.services.find((s) => s.service === "search")!.runtime).toEqual({ memoryBytes: undefined, eventLoopDelayMs: undefined, metricSeries: 0 })
      expect(signals.teams.map((t) => [t.owner, t.requests, t.errors, t.memoryBytes, t.maxEventLoopDelayMs])).toEqual([
        ["group:default/discovery", 10, 5, undefined, undefined],
        ["group:default/payments", 150, 3, 180e6, 12]
      ])
    }).pipe(Effect.provide(SpanStore.layerMemory)))

  it.effect("a scorecard grades observability: error rate under 5% over 7 days, emits metrics", () =>
    Effect.gen(function*() {
      const store = yield* seed
      const card = Scorecard.make({
        name: "observability",
        levels: ["bronze", "silver"],
        rules: [
          { rule: GoldenSignals.emitsMetrics(), level: "bronze" },
          { rule: GoldenSignals.errorRateUnder(5), level: "silver" }
        ]
      })
      const report = yield* Scorecard.evaluate(card, CatalogView.fromEntities(catalog)).pipe(
        Effect.provide(Facts.layer([GoldenSignals.factSource(store)]))
      )
      const results = (name: string) =>
        Object.fromEntries(report.entities.find((e) => e.ref === `component:default/${name}`)!.results.map((r) => [r.rule, r.status]))
      expect(results("checkout")).toEqual({ "emits-metrics": "pass", "error-rate-under-5pct": "pass" })
      expect(results("ledger")).toEqual({ "emits-metrics": "pass", "error-rate-under-5pct": "pass" })
      expect(results("search")).toEqual({ "emits-metrics": "fail", "error-rate-under-5pct": "fail" })
      // No requests at all: the error rate is unknown, never a pass.
      expect(results("quiet")).toEqual({ "emits-metrics": "fail", "error-rate-under-5pct": "unknown" })
      const source = GoldenSignals.factSource(store)
      const ratio = yield* source.read("component:default/search" as EntityRef.EntityRef, "errorRatio")
      expect(ratio._tag === "Some" && ratio.value.value).toBe(0.5)
      expect(yield* Effect.flip(source.read("component:default/search" as EntityRef.EntityRef, "nonsense"))).toMatchObject({ _tag: "FactSourceError" })
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})
