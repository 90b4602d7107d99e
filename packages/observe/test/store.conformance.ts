/**
 * The span store conformance suite, run against every backend.
 */
import { it } from "@effect/vitest"
import type { Metric, SpanStore as SpanStoreModule } from "@paved/observe"
import { SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { expect } from "vitest"
import { call, newTraceId, span } from "./spans.js"

export const conformance = (name: string, layer: () => Layer.Layer<SpanStoreModule.SpanStore, SpanStoreModule.SpanStoreError>) => {
  const run = <A, E>(effect: Effect.Effect<A, E, SpanStoreModule.SpanStore>) => Effect.provide(effect, layer())

  it.effect(`${name}: stores spans and finds traces by every criterion`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const a = call("web", "orders")
      const b = call("web", "payments", { error: true })
      const slowTrace = newTraceId()
      const slow = span({ traceId: slowTrace, service: "batch", name: "nightly", durationUs: 5_000_000, attributes: { "job.kind": "report", retries: 3 } })
      yield* store.insertSpans([...a, ...b, slow])
      // Inserting the same spans again (an exporter retry) changes nothing.
      yield* store.insertSpans(a)
      const all = yield* store.searchTraces({ since: "1 hour" })
      expect(all).toHaveLength(3)
      expect((yield* store.searchTraces({ service: "orders" })).map((t) => t.traceId)).toEqual([a[0]!.traceId])
      expect((yield* store.searchTraces({ service: "component:default/payments" })).map((t) => t.traceId)).toEqual([b[0]!.traceId])
      expect((yield* store.searchTraces({ status: "error" })).map((t) => t.traceId)).toEqual([b[0]!.traceId])
      expect((yield* store.searchTraces({ operation: "nightly" })).map((t) => t.traceId)).toEqual([slowTrace])
      expect((yield* store.searchTraces({ minDurationMs: 1000 })).map((t) => t.traceId)).toEqual([slowTrace])
      expect((yield* store.searchTraces({ maxDurationMs: 0.5 }))).toEqual([])
      expect((yield* store.searchTraces({ attributes: { "job.kind": "report", retries: "3" } })).map((t) => t.traceId)).toEqual([slowTrace])
      expect((yield* store.searchTraces({ since: "1 second" }))).toEqual([])
      expect(yield* store.searchTraces({ limit: 1 })).toHaveLength(1)
      const summary = all.find((t) => t.traceId === a[0]!.traceId)!
      expect(summary).toMatchObject({ rootService: "web", rootName: "GET /web", spanCount: 3, errorCount: 0, services: ["orders", "web"] })

      const tree = Option.getOrThrow(yield* store.trace(a[0]!.traceId))
      expect(tree.spans.map((s) => [s.depth, s.name, s.offsetUs])).toEqual([[0, "GET /web", 0], [1, "call orders", 10], [2, "handle web", 20]])
      expect(Option.isNone(yield* store.trace("ffffffffffffffffffffffffffffffff"))).toBe(true)
    })))

  it.effect(`${name}: ids of any shape round-trip, and a replay of them changes nothing`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      // Hex ids of the OTLP sizes, short or odd hex, upper case and plain text, as callers other
      // than the receiver may write them; none may be confused with another.
      const traces = ["0af7651916cd43dd8448eb211c80319c", "beef0001", "abc", "ABCD", "trace-1"]
      const spans = traces.flatMap((traceId) => {
        const root = { ...span({ traceId, service: "shapes", name: `root ${traceId}` }), spanId: "s1" }
        const child = { ...span({ traceId, service: "shapes", name: `child ${traceId}`, parent: root }), spanId: "00f067aa0ba902b7" }
        return [root, child]
      })
      yield* store.insertSpans(spans)
      yield* store.insertSpans(spans)
      const found = yield* store.searchTraces({ service: "shapes", limit: 100 })
      expect(found.map((t) => t.traceId).sort()).toEqual([...traces].sort())
      expect(found.every((t) => t.spanCount === 2 && t.rootName === `root ${t.traceId}`)).toBe(true)
      for (const traceId of traces.filter((t) => t === t.toLowerCase())) {
        const tree = Option.getOrThrow(yield* store.trace(traceId))
        expect(tree.spans.map((s) => [s.depth, s.spanId, s.parentSpanId, s.traceId])).toEqual([
          [0, "s1", "", traceId],
          [1, "00f067aa0ba902b7", "s1", traceId]
        ])
      }
      expect(Option.isNone(yield* store.trace("beef"))).toBe(true)
    })))

  it.effect(`${name}: RED per operation and per service from rollups`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const base = Date.now() * 1000 - 120_000_000
      const spans = Array.from({ length: 100 }, (_, i) =>
        span({ traceId: newTraceId(), service: "api", name: i % 2 === 0 ? "GET /a" : "GET /b", startUs: base + i * 1000, durationUs: (i + 1) * 1000, error: i % 10 === 0 }))
      // Internal child spans are not entry spans and do not count.
      const child = span({ traceId: spans[0]!.traceId, service: "api", name: "internal", kind: 1, parent: spans[0] })
      yield* store.insertSpans([...spans.slice(0, 50), child])
      yield* store.insertSpans(spans.slice(50))
      // Retried exports (whole, in part, or twice in one batch) count once.
      yield* store.insertSpans(spans.slice(50))
      yield* store.insertSpans([spans[0]!, spans[0]!, ...spans.slice(90)])
      const perOp = yield* store.red({ since: "10 minutes" })
      expect(perOp.map((r) => [r.operation, r.count, r.errors])).toEqual([["GET /a", 50, 10], ["GET /b", 50, 0]])
      const [service] = yield* store.red({ since: "10 minutes", groupBy: "service", service: "api" })
      expect(service).toMatchObject({ service: "api", operation: "*", count: 100, errors: 10, errorRatio: 0.1 })
      // Durations are 1..100 ms: the histogram percentiles are within 5% of the exact ones.
      expect(Math.abs(service!.p50Ms - 50) / 50).toBeLessThan(0.06)
      expect(Math.abs(service!.p95Ms - 95) / 95).toBeLessThan(0.06)
      expect(Math.abs(service!.p99Ms - 99) / 99).toBeLessThan(0.06)
      expect(service!.meanMs).toBeCloseTo(50.5, 5)
      // Over the active window (the spans started two minutes ago), not the ten-minute window.
      expect(service!.ratePerSecond).toBeGreaterThan(100 / 181)
      expect(service!.ratePerSecond).toBeLessThan(100 / 119)
      // Percentiles are clamped to what was observed: one span's p50 is its exact duration.
      const one = span({ traceId: newTraceId(), service: "single", name: "GET /one", durationUs: 25_000 })
      yield* store.insertSpans([one, one])
      expect(yield* store.red({ service: "single" })).toMatchObject([{ count: 1, p50Ms: 25, p95Ms: 25, p99Ms: 25, meanMs: 25 }])
      expect(yield* store.red({ since: "10 minutes", service: "nope" })).toEqual([])
    })))

  it.effect(`${name}: service map from parent/child spans and from peers`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const traceId = newTraceId()
      const root = span({ traceId, service: "shop", name: "GET /" })
      const cache = span({ traceId, service: "shop", name: "GET key", kind: 3, parent: root, peer: "redis" })
      const publish = span({ traceId, service: "shop", name: "publish", kind: 4, parent: root, peer: "events" })
      const consume = span({ traceId, service: "mailer", name: "consume", kind: 5, parent: publish })
      yield* store.insertSpans([root, cache, publish, consume, ...call("shop", "catalog", { error: true })])
      const edges = yield* store.serviceMap({ since: "1 hour" })
      expect(edges.map((e) => [e.source, e.target, e.via, e.calls, e.errors])).toEqual([
        ["shop", "catalog", "spans", 1, 1],
        ["shop", "mailer", "spans", 1, 0],
        ["shop", "redis", "peer", 1, 0]
      ])
    })))

  it.effect(`${name}: logs and retention by age and size`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const now = Date.now() * 1000
      const old = call("old", "older", { startUs: now - 3 * 3600_000_000 })
      const recent = Array.from({ length: 5 }, (_, i) => call("new", "newer", { startUs: now - (i + 1) * 1_000_000 })).flat()
      yield* store.insertSpans([...old, ...recent])
      yield* store.insertLogs([
        { timeUs: now - 3 * 3600_000_000, traceId: old[0]!.traceId, spanId: old[0]!.spanId, service: "old", entityRef: "component:default/old", severityNumber: 9, severityText: "INFO", body: "ancient", attributes: {} },
        { timeUs: now - 1000, traceId: recent[0]!.traceId, spanId: "", service: "new", entityRef: "component:default/new", severityNumber: 17, severityText: "ERROR", body: { msg: "fresh" }, attributes: { a: 1 } }
      ])
      const logs = yield* store.logs({ since: "1 hour" })
      expect(logs.map((l) => l.body)).toEqual([{ msg: "fresh" }])
      expect((yield* store.logs({ since: "1 day", traceId: old[0]!.traceId })).map((l) => l.body)).toEqual(["ancient"])
      expect(yield* store.prune({ maxAge: "2 hours" })).toEqual({ spans: 3, logs: 1 })
      expect(yield* store.searchTraces({ since: "1 day" })).toHaveLength(5)
      const pruned = yield* store.prune({ maxSpans: 6 })
      expect(pruned.spans).toBe(9)
      expect(yield* store.searchTraces({ since: "1 day" })).toHaveLength(2)
      expect(yield* store.prune({})).toEqual({ spans: 0, logs: 0 })
    })))

  const point = (over: Partial<Metric.MetricPoint>): Metric.MetricPoint => ({
    service: "meter",
    namespace: "default",
    entityRef: "component:default/meter",
    name: "requests",
    description: "",
    unit: "1",
    kind: "sum",
    monotonic: true,
    temporality: "cumulative",
    attributes: {},
    resource: { "service.name": "meter" },
    startUs: 0,
    timeUs: 0,
    value: 0,
    count: 0,
    min: undefined,
    max: undefined,
    bounds: [],
    buckets: [],
    exponential: undefined,
    ...over
  })

  it.effect(`${name}: metrics by series and minute: counters across a reset, histograms, gauges, retention`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const minute = 60_000_000
      const t0 = (Math.floor(Date.now() * 1000 / minute) - 5) * minute
      const start = t0 - 1_000_000
      const counter = (timeUs: number, value: number, startUs = start, route = "/a") =>
        point({ timeUs, value, startUs, attributes: { route, "odd\u0000key": "x" } })
      // Two batches; the second holds a retry of a point already stored and a restart.
      yield* store.insertMetrics([counter(t0, 10), counter(t0 + 10_000_000, 15), counter(t0, 7, start, "/b")])
      const written = yield* store.insertMetrics([
        counter(t0 + 10_000_000, 15),
        counter(t0 + minute, 3, t0 + minute - 1),
        counter(t0 + 2 * minute, 9, t0 + minute - 1)
      ])
      expect(written).toEqual({ rejected: 0, reason: "" })
      yield* store.insertMetrics([
        point({ name: "latency", kind: "histogram", temporality: "delta", timeUs: t0, value: 2.5, count: 3, bounds: [1, 2], buckets: [1, 1, 1], min: 0.5, max: 3 }),
        point({ name: "latency", kind: "histogram", temporality: "delta", timeUs: t0 + 1000, value: 1, count: 1, bounds: [1, 2], buckets: [0, 1, 0], min: 1, max: 1 }),
        point({ name: "heap", kind: "gauge", monotonic: false, temporality: "unspecified", timeUs: t0, value: 100 }),
        point({ name: "heap", kind: "gauge", monotonic: false, temporality: "unspecified", timeUs: t0 + 1000, value: 300 }),
        point({ name: "sizes", kind: "exponentialHistogram", temporality: "delta", timeUs: t0, value: 10, count: 3, exponential: { scale: 1, zeroCount: 1, positiveOffset: 2, positive: [1, 1], negativeOffset: 0, negative: [] } }),
        point({ name: "sizes", kind: "exponentialHistogram", temporality: "delta", timeUs: t0 + 1000, value: 4, count: 1, exponential: { scale: 0, zeroCount: 0, positiveOffset: 1, positive: [1], negativeOffset: 0, negative: [] } })
      ])
      const list = yield* store.metricSeries({ service: "meter", since: "1 hour" })
      expect(list.map((s) => [s.name, s.attributes["route"] ?? null])).toEqual([
        ["heap", null], ["latency", null], ["requests", "/a"], ["requests", "/b"], ["sizes", null]
      ])
      expect(list.find((s) => s.attributes["route"] === "/a")!.attributes).toEqual({ route: "/a", "odd\u0000key": "x" })
      const byName = (n: string, route?: string) => list.find((s) => s.name === n && (route === undefined || s.attributes["route"] === route))!.seriesId
      const a = Option.getOrThrow(yield* store.metricWindow(byName("requests", "/a"), { since: "1 hour" }))
      expect(a.minutes.map((m) => m.value)).toEqual([15, 3, 6])
      expect(a.total).toBe(24)
      expect(a.minutes.every((m) => m.ratePerSecond! >= 0)).toBe(true)
      expect(a.ratePerSecond).toBeCloseTo(24 / 180, 6)
      const h = Option.getOrThrow(yield* store.metricWindow(byName("latency"), { since: "1 hour" }))
      expect(h.minutes).toMatchObject([{ count: 4, sum: 3.5, bounds: [1, 2], buckets: [1, 2, 1], min: 0.5, max: 3 }])
      const g = Option.getOrThrow(yield* store.metricWindow(byName("heap"), { since: "1 hour" }))
      expect(g.minutes).toMatchObject([{ value: 300, min: 100, max: 300, mean: 200, points: 2 }])
      const e = Option.getOrThrow(yield* store.metricWindow(byName("sizes"), { since: "1 hour" }))
      // Scale 1 buckets 2 and 3 are scale 0 bucket 1; the merged point is at scale 0.
      expect(e.minutes[0]!.exponential).toEqual({ scale: 0, zeroCount: 1, positiveOffset: 1, positive: [3], negativeOffset: 0, negative: [] })
      expect(e.total).toBe(4)
      expect(Option.isNone(yield* store.metricWindow("no-such-series"))).toBe(true)
      yield* store.prune({ maxAge: "3 minutes" })
      const after = Option.getOrThrow(yield* store.metricWindow(byName("requests", "/a"), { since: "1 hour" }))
      expect(after.minutes.map((m) => m.value)).toEqual([6])
      expect((yield* store.metricSeries({ service: "meter", since: "1 hour" })).map((s) => s.name)).toEqual(["requests"])
    })))

  it.effect(`${name}: series of one metric are kept apart by their attribute values`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const t = Date.now() * 1000 - 1_000_000
      const many = Array.from({ length: 30 }, (_, i) => point({ name: "card", kind: "gauge", monotonic: false, temporality: "unspecified", timeUs: t, value: i, attributes: { i } }))
      const written = yield* store.insertMetrics(many)
      expect(written.rejected).toBe(0)
      expect(yield* store.metricSeries({ name: "card" })).toHaveLength(30)
    })))

  it.effect(`${name}: log search by service and trace, newest first`, () =>
    run(Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const now = Date.now() * 1000
      const traceId = newTraceId()
      yield* store.insertLogs(Array.from({ length: 5 }, (_, i) => ({
        timeUs: now - (5 - i) * 1000, traceId: i < 3 ? traceId : "", spanId: "", service: "logsvc", entityRef: "component:default/logsvc",
        severityNumber: i === 4 ? 17 : 9, severityText: i === 4 ? "ERROR" : "INFO", body: `line ${i} \u0000`, attributes: { i }
      })))
      const forTrace = yield* store.logs({ traceId })
      expect(forTrace.map((l) => l.body)).toEqual(["line 2 \u0000", "line 1 \u0000", "line 0 \u0000"])
      expect(yield* store.logs({ service: "logsvc", limit: 2 })).toHaveLength(2)
      expect((yield* store.logs({ service: "logsvc", minSeverity: 17 })).map((l) => l.severityText)).toEqual(["ERROR"])
      expect((yield* store.logs({ service: "logsvc", contains: "line 3" })).map((l) => l.body)).toEqual(["line 3 \u0000"])
      expect((yield* store.logs({ service: "logsvc", contains: "%" }))).toEqual([])
      expect((yield* store.logs({ service: "logsvc", oldestFirst: true, limit: 1 })).map((l) => l.body)).toEqual(["line 0 \u0000"])
      // Records of one millisecond (an SDK stamps logs with Date.now()) keep their arrival order,
      // in separate batches as in one.
      const tie = newTraceId()
      const at = (body: string) => ({
        timeUs: now, traceId: tie, spanId: "", service: "tiesvc", entityRef: "component:default/tiesvc",
        severityNumber: 9, severityText: "INFO", body, attributes: {}
      })
      yield* store.insertLogs(["first", "second", "third"].map(at))
      yield* store.insertLogs([at("fourth")])
      expect((yield* store.logs({ traceId: tie, oldestFirst: true })).map((l) => l.body)).toEqual(["first", "second", "third", "fourth"])
      expect((yield* store.logs({ traceId: tie })).map((l) => l.body)).toEqual(["fourth", "third", "second", "first"])
    })))
}
