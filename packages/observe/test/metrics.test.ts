/**
 * Metrics and logs end to end: the OpenTelemetry Node SDK's OTLP/HTTP metric and log exporters
 * (JSON and protobuf) and an Effect program through `Observe.layer` send to the receiver; the
 * queries return exactly what was sent. Then hostile metric payloads.
 */
import { it } from "@effect/vitest"
import { context, trace } from "@opentelemetry/api"
import { OTLPLogExporter as LogJson } from "@opentelemetry/exporter-logs-otlp-http"
import { OTLPLogExporter as LogProto } from "@opentelemetry/exporter-logs-otlp-proto"
import { OTLPMetricExporter as MetricJson } from "@opentelemetry/exporter-metrics-otlp-http"
import { OTLPMetricExporter as MetricProto } from "@opentelemetry/exporter-metrics-otlp-proto"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs"
import { AggregationTemporality, AggregationType, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base"
import { Metric as PavedMetric, Observe, Receiver, SpanStore } from "@paved/observe"
import { EntityRef } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as zlib from "node:zlib"
import { describe, expect } from "vitest"

const series = (store: SpanStore.Service, service: string) =>
  Effect.map(store.metricSeries({ service, since: "10 minutes" }), (list) => list)

const windowOf = (store: SpanStore.Service, seriesId: string) =>
  Effect.map(store.metricWindow(seriesId, { since: "10 minutes" }), Option.getOrThrow)

describe("metrics from the OpenTelemetry SDK exporters", () => {
  for (const [protocol, temporality] of [["json", AggregationTemporality.CUMULATIVE], ["proto", AggregationTemporality.DELTA]] as const) {
    it.scoped(`${protocol} (${temporality === AggregationTemporality.DELTA ? "delta" : "cumulative"}): counters, histograms, exponential histograms, up-down counters and gauges come back as sent`, () =>
      Effect.gen(function*() {
        const store = yield* SpanStore.SpanStore
        const receiver = yield* Receiver.serve({ port: 0, store })
        const exporter = protocol === "json"
          ? new MetricJson({ url: `${receiver.url}/v1/metrics`, temporalityPreference: temporality })
          : new MetricProto({ url: `${receiver.url}/v1/metrics`, temporalityPreference: temporality })
        const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
        const provider = new MeterProvider({
          resource: resourceFromAttributes({ "service.name": "shop", "paved.entity_ref": "component:default/shop" }),
          readers: [reader],
          views: [{ instrumentName: "payload.size", aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }]
        })
        const meter = provider.getMeter("test")
        const orders = meter.createCounter("orders.created")
        const duration = meter.createHistogram("http.server.request.duration", { unit: "s", advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } })
        const size = meter.createHistogram("payload.size", { unit: "By" })
        const depth = meter.createUpDownCounter("queue.depth")
        const temperature = meter.createGauge("room.temperature")
        yield* Effect.promise(async () => {
          orders.add(5, { route: "/a" })
          orders.add(2, { route: "/b" })
          for (const v of [0.05, 0.3]) duration.record(v, { route: "/a" })
          for (const v of [1, 2]) size.record(v)
          depth.add(10)
          await reader.forceFlush()
          orders.add(3, { route: "/a" })
          for (const v of [0.3, 2]) duration.record(v, { route: "/a" })
          for (const v of [4, 1000]) size.record(v)
          depth.add(-3)
          temperature.record(21.5)
          await reader.forceFlush()
          await provider.shutdown()
        })
        const list = yield* series(store, "shop")
        const find = (name: string, attrs: Record<string, string> = {}) =>
          list.find((s) => s.name === name && JSON.stringify(s.attributes) === JSON.stringify(attrs))!
        expect(new Set(list.map((s) => s.name))).toEqual(new Set(["orders.created", "http.server.request.duration", "payload.size", "queue.depth", "room.temperature"]))
        expect(list.every((s) => s.entityRef === "component:default/shop")).toBe(true)

        const a = yield* windowOf(store, find("orders.created", { route: "/a" }).seriesId)
        expect(a.series).toMatchObject({ kind: "sum", monotonic: true })
        expect(a.total).toBe(8)
        expect(a.ratePerSecond).toBeGreaterThan(0)
        expect((yield* windowOf(store, find("orders.created", { route: "/b" }).seriesId)).total).toBe(2)

        const h = yield* windowOf(store, find("http.server.request.duration", { route: "/a" }).seriesId)
        const hm = h.minutes.reduce((acc, m) => ({ count: acc.count + m.count, sum: acc.sum + m.sum, buckets: m.buckets.map((b, i) => b + (acc.buckets[i] ?? 0)) }), { count: 0, sum: 0, buckets: [] as Array<number> })
        expect(hm.count).toBe(4)
        expect(hm.sum).toBeCloseTo(2.65, 10)
        expect(hm.buckets).toEqual([1, 2, 0, 1])
        expect(h.minutes.at(-1)!.bounds).toEqual([0.1, 0.5, 1])
        expect(h.series.unit).toBe("s")

        const e = yield* windowOf(store, find("payload.size").seriesId)
        expect(e.series.kind).toBe("exponentialHistogram")
        expect(e.total).toBe(4)
        expect(e.minutes.reduce((s, m) => s + m.sum, 0)).toBe(1007)
        // Whatever the scale the SDK chose, the buckets of the window hold the four values.
        const inBuckets = e.minutes.reduce((n, m) => n + m.exponential!.zeroCount + m.exponential!.positive.reduce((s, c) => s + c, 0), 0)
        expect(inBuckets).toBe(4)
        expect(e.minutes.every((m) => m.exponential!.negative.length === 0)).toBe(true)

        expect((yield* windowOf(store, find("queue.depth").seriesId)).total).toBe(7)
        expect((yield* windowOf(store, find("room.temperature").seriesId)).total).toBe(21.5)
      }).pipe(Effect.provide(SpanStore.layerMemory)))
  }
})

const now = () => BigInt(Date.now()) * 1_000_000n
const sumRequest = (points: ReadonlyArray<{ start: bigint; time: bigint; value: number }>, name = "requests") =>
  JSON.stringify({
    resourceMetrics: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "reset-svc" } }] },
      scopeMetrics: [{
        metrics: [{
          name,
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: points.map((p) => ({ startTimeUnixNano: String(p.start), timeUnixNano: String(p.time), asInt: String(p.value) }))
          }
        }]
      }]
    }]
  })

const postMetrics = (url: string, body: string | Buffer, contentType = "application/json", headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const res = await fetch(`${url}/v1/metrics`, { method: "POST", headers: { "content-type": contentType, ...headers }, body })
    return { status: res.status, body: await res.text() }
  })

describe("cumulative counters across restarts", () => {
  it.scoped("a reset counts from zero again: never a negative increase, retries change nothing", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      const t = now() - 120_000_000_000n
      const s1 = t - 1_000_000_000n
      expect((yield* postMetrics(receiver.url, sumRequest([{ start: s1, time: t, value: 10 }]))).status).toBe(200)
      yield* postMetrics(receiver.url, sumRequest([{ start: s1, time: t + 10_000_000_000n, value: 15 }]))
      // The exporter retries the same point: nothing changes.
      yield* postMetrics(receiver.url, sumRequest([{ start: s1, time: t + 10_000_000_000n, value: 15 }]))
      // The service restarts: a new start time and a smaller value.
      const s2 = t + 70_000_000_000n
      yield* postMetrics(receiver.url, sumRequest([{ start: s2, time: t + 75_000_000_000n, value: 4 }]))
      // A counter that goes down without a new start time is a reset too.
      yield* postMetrics(receiver.url, sumRequest([{ start: s2, time: t + 80_000_000_000n, value: 1 }]))
      const [one] = yield* series(store, "reset-svc")
      const w = yield* windowOf(store, one!.seriesId)
      expect(w.total).toBe(10 + 5 + 4 + 1)
      expect(w.minutes.every((m) => m.value >= 0 && (m.ratePerSecond ?? 0) >= 0)).toBe(true)
      expect(w.ratePerSecond).toBeGreaterThan(0)
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})

const gaugeRequest = (points: ReadonlyArray<Record<string, unknown>>, kind: "gauge" | "histogram" | "exponentialHistogram" = "gauge") =>
  JSON.stringify({
    resourceMetrics: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "hostile" } }] },
      scopeMetrics: [{ metrics: [{ name: `m.${kind}`, [kind]: { aggregationTemporality: 1, dataPoints: points } }] }]
    }]
  })

describe("hostile metric payloads", () => {
  it.scoped("NaN, infinities, negative counts and mismatched bounds are rejected point by point", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      const time = String(now())
      const cases: Array<[string, number]> = [
        [gaugeRequest([{ timeUnixNano: time, asDouble: "NaN" }, { timeUnixNano: time, asDouble: "Infinity" }, { timeUnixNano: time, asDouble: 3 }]), 2],
        [gaugeRequest([{ timeUnixNano: time, count: "2", sum: 1, bucketCounts: ["-1", "3"], explicitBounds: [1] }], "histogram"), 1],
        [gaugeRequest([{ timeUnixNano: time, count: "2", sum: 1, bucketCounts: ["1", "1"], explicitBounds: [1, 2] }], "histogram"), 1],
        [gaugeRequest([{ timeUnixNano: time, count: "2", sum: 1, bucketCounts: ["1", "1", "0"], explicitBounds: [2, 1] }], "histogram"), 1],
        [gaugeRequest([{ timeUnixNano: time, count: "5", sum: 1, bucketCounts: ["1", "1"], explicitBounds: [1] }], "histogram"), 1],
        [gaugeRequest([{ timeUnixNano: time, count: "1", sum: 1, scale: 99, positive: { offset: 0, bucketCounts: ["1"] } }], "exponentialHistogram"), 1],
        [gaugeRequest([{ timeUnixNano: "99999999999999999999", asDouble: 1 }]), 1]
      ]
      for (const [body, rejected] of cases) {
        const reply = yield* postMetrics(receiver.url, body)
        expect(reply.status).toBe(200)
        expect(JSON.parse(reply.body)).toMatchObject({ partialSuccess: { rejectedDataPoints: String(rejected) } })
      }
      const stored = yield* series(store, "hostile")
      expect(stored.map((s) => [s.name, s.lastValue])).toEqual([["m.gauge", 3]])
    }).pipe(Effect.provide(SpanStore.layerMemory)))

  it.scoped("huge cardinality stops at the store's series limit; the points of new series are reported rejected", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      const time = String(now())
      const body = gaugeRequest(Array.from({ length: 2000 }, (_, i) => ({ timeUnixNano: time, asDouble: i, attributes: [{ key: "user.id", value: { stringValue: `u${i}` } }] })))
      const reply = yield* postMetrics(receiver.url, body)
      expect(reply.status).toBe(200)
      expect(JSON.parse(reply.body).partialSuccess.rejectedDataPoints).toBe("1500")
      expect(yield* store.metricSeries({ service: "hostile", limit: 10_000 })).toHaveLength(500)
    }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: ":memory:", maxMetricSeries: 500 }))))

  it.scoped("400k points in one request, and a million gzipped, get 413 with bounded memory, and the receiver keeps serving", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      // ExportMetricsServiceRequest{resource_metrics{scope_metrics{metrics{name, gauge{data_points × N}}}}}
      const ld = (tag: number, payload: Buffer) => {
        const len: Array<number> = []
        let v = payload.length
        while (v >= 0x80) {
          len.push((v & 0x7f) | 0x80)
          v >>>= 7
        }
        len.push(v)
        return Buffer.concat([Buffer.from([tag, ...len]), payload])
      }
      const point = Buffer.concat([Buffer.from([0x19]), Buffer.alloc(8, 1), Buffer.from([0x21]), Buffer.alloc(8, 0)])
      const onePoint = ld(0x0a, point)
      const points = Buffer.concat(Array(400_000).fill(onePoint))
      const metric = ld(0x12, Buffer.concat([ld(0x0a, Buffer.from("flood")), ld(0x2a, points)]))
      const body = ld(0x0a, ld(0x12, metric))
      expect(body.length).toBeLessThan(8 * 1024 * 1024)
      const before = process.memoryUsage().rss
      const reply = yield* postMetrics(receiver.url, body, "application/x-protobuf")
      expect(reply.status).toBe(413)
      expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024)
      // Millions of points compressed: stopped by the decompressed body limit.
      const many = ld(0x0a, ld(0x12, ld(0x12, Buffer.concat([ld(0x0a, Buffer.from("flood")), ld(0x2a, Buffer.concat(Array(1_000_000).fill(onePoint)))]))))
      const gz = yield* postMetrics(receiver.url, zlib.gzipSync(many), "application/x-protobuf", { "content-encoding": "gzip" })
      expect(gz.status).toBe(413)
      expect((yield* postMetrics(receiver.url, gaugeRequest([{ timeUnixNano: String(now()), asDouble: 1 }]))).status).toBe(200)
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})

describe("logs next to traces", () => {
  for (const protocol of ["json", "proto"] as const) {
    it.scoped(`the SDK's OTLP ${protocol} log exporter: records stored with their trace and span ids`, () =>
      Effect.gen(function*() {
        const store = yield* SpanStore.SpanStore
        const receiver = yield* Receiver.serve({ port: 0, store })
        const exporter = protocol === "json" ? new LogJson({ url: `${receiver.url}/v1/logs` }) : new LogProto({ url: `${receiver.url}/v1/logs` })
        const provider = new LoggerProvider({ resource: resourceFromAttributes({ "service.name": "logger-svc" }), processors: [new SimpleLogRecordProcessor({ exporter })] })
        const tracer = new BasicTracerProvider().getTracer("t")
        const span = tracer.startSpan("work")
        const ids = span.spanContext()
        yield* Effect.promise(async () => {
          provider.getLogger("l").emit({ body: "charging card", severityNumber: 9, severityText: "INFO", attributes: { order: "o-1" }, context: trace.setSpan(context.active(), span) })
          provider.getLogger("l").emit({ body: { msg: "no span" }, severityNumber: 17, severityText: "ERROR" })
          await provider.forceFlush()
          await provider.shutdown()
        })
        span.end()
        const logs = yield* store.logs({ traceId: ids.traceId })
        expect(logs).toMatchObject([{ body: "charging card", spanId: ids.spanId, severityText: "INFO", service: "logger-svc", attributes: { order: "o-1" } }])
        expect(yield* store.logs({ service: "logger-svc" })).toHaveLength(2)
      }).pipe(Effect.provide(SpanStore.layerMemory)))
  }
})

describe("Observe.layer sends an Effect program's metrics and logs", () => {
  for (const protocol of ["http/json", "http/protobuf"] as const) {
    it.scopedLive(`${protocol}: Metric.counter and Effect.log reach the receiver with the catalog identity and span ids`, () =>
      Effect.gen(function*() {
        const store = yield* SpanStore.SpanStore
        const receiver = yield* Receiver.serve({ port: 0, store })
        const ref = EntityRef.make({ kind: "Component", namespace: "default", name: `team-script-${protocol.slice(5)}` })
        // Effect's metric registry is global to the process: one counter name per case.
        const jobs = Metric.counter(`jobs.done.${protocol.slice(5)}`, { incremental: true })
        const program = Effect.gen(function*() {
          yield* Metric.increment(jobs)
          yield* Metric.incrementBy(jobs, 4)
          yield* Effect.logInfo("job finished")
          return yield* Effect.currentSpan
        }).pipe(Effect.withSpan("job"))
        const span = yield* program.pipe(Effect.provide(Observe.layer(ref, { endpoint: receiver.url, protocol })), Effect.orDie)
        const list = yield* store.metricSeries({ service: ref })
        const counter = list.find((s) => s.name === `jobs.done.${protocol.slice(5)}`)
        expect(counter).toMatchObject({ entityRef: ref, kind: "sum", monotonic: true })
        expect((yield* windowOf(store, counter!.seriesId)).total).toBe(5)
        const logs = yield* store.logs({ traceId: span.traceId })
        expect(logs.map((l) => [l.body, l.spanId, l.entityRef])).toEqual([["job finished", span.spanId, ref]])
      }).pipe(Effect.provide(SpanStore.layerMemory)))
  }
})

describe("Metric.sparkline", () => {
  it("draws values from low to high", () => {
    expect(PavedMetric.sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█")
    expect(PavedMetric.sparkline([2, 2])).toBe("▁▁")
    expect(PavedMetric.sparkline([])).toBe("")
  })
})
