/**
 * Span-creation cost with `Observe.layer` (Effect's tracer over the OTel SDK, resource from the
 * catalog) against the bare OpenTelemetry SDK, with the same batch processor and an exporter
 * that drops everything, so only creating, ending and queueing spans is measured.
 *
 * Three ratios: `ratio` compares a loop that creates N spans in each world; `netRatio` first
 * subtracts the cost of the same loop without spans (Effect's own loop is slower than a `for`
 * loop, which is not span overhead); `ratioVsSdkInEffect` compares with an Effect program that
 * calls the SDK tracer itself instead of using `Effect.withSpan`. Spans capture their call site as
 * `Effect.withSpan` does by default (`BENCH_STACK=0` turns that off).
 *
 * `floorRatio` is the lower bound for any Effect `Tracer`: the same `Effect.withSpan` loop under a
 * tracer whose spans do nothing at all (no ids, no clock reads, no export), against the bare SDK.
 * Whatever `Observe.layer` did per span, it could not go below that ratio.
 */
import { context, trace } from "@opentelemetry/api"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import { Observe } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"
import { EntityRef } from "@paved/catalog"

const N = Number(process.env.BENCH_SPANS ?? 200_000)
const ROUNDS = 5

const dropping: SpanExporter = {
  export: (_spans: Array<ReadableSpan>, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve()
}
const processor = () => new BatchSpanProcessor(dropping, { maxQueueSize: 1_000_000, maxExportBatchSize: 512 })
const ref = EntityRef.make({ kind: "Component", namespace: "default", name: "bench" })

const best = async (f: () => Promise<void> | void) => {
  let min = Number.POSITIVE_INFINITY
  for (let r = 0; r < ROUNDS; r++) {
    const started = performance.now()
    await f()
    min = Math.min(min, performance.now() - started)
  }
  return min
}

// Bare SDK: `startActiveSpan` makes the span current while its callback runs, as `Effect.withSpan`
// does. Neither side registers a context manager (`NodeSdk.layer` does not either).
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes(Observe.resourceAttributes(ref)),
  spanProcessors: [processor()]
})
const tracer = provider.getTracer("bench")
const bare = await best(() => {
  for (let i = 0; i < N; i++) tracer.startActiveSpan("op", (span) => span.end())
})
// The SDK called from inside an Effect loop: what an Effect program pays without Observe.layer.
const sdkInEffect = await best(() =>
  Effect.runPromise(Effect.forEach(Array.from({ length: N }, (_, i) => i), () => Effect.sync(() => tracer.startActiveSpan("op", (span) => span.end())), { discard: true }))
)
const bareLoop = await best(() => {
  let x = 0
  for (let i = 0; i < N; i++) context.with(context.active(), () => (x += i))
  void trace
})
await provider.shutdown()

const loop = (withSpan: boolean) =>
  Effect.forEach(Array.from({ length: N }, (_, i) => i), () => (withSpan ? Effect.withSpan(Effect.void, "op", { captureStackTrace: process.env.BENCH_STACK !== "0" }) : Effect.void), { discard: true })

// A tracer that does nothing: what `Effect.withSpan` costs before any tracer does any work.
const inertTracer = Tracer.make({
  span: (name, parent, context, links, startTime, kind) => ({
    _tag: "Span", name, spanId: "0", traceId: "0", parent, context, links, sampled: true, kind,
    status: { _tag: "Started", startTime }, attributes: new Map(),
    end: () => undefined, attribute: () => undefined, event: () => undefined, addLinks: () => undefined
  }),
  context: (execution) => execution()
})
const floor = await Effect.runPromise(
  Effect.gen(function*() {
    let min = Number.POSITIVE_INFINITY
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now()
      yield* loop(true)
      min = Math.min(min, performance.now() - started)
    }
    return min
  }).pipe(Effect.withTracer(inertTracer))
)

const effectTimes = await Effect.runPromise(
  Effect.gen(function*() {
    const times = { spans: Number.POSITIVE_INFINITY, loop: Number.POSITIVE_INFINITY }
    for (let r = 0; r < ROUNDS; r++) {
      let started = performance.now()
      yield* loop(true)
      times.spans = Math.min(times.spans, performance.now() - started)
      started = performance.now()
      yield* loop(false)
      times.loop = Math.min(times.loop, performance.now() - started)
    }
    return times
  }).pipe(Effect.provide(Observe.layer(ref, { spanProcessor: processor() })))
)

const round = (x: number) => Math.round(x * 100) / 100
console.log(JSON.stringify({
  case: "create and end a span: Observe.layer (Effect.withSpan) vs bare OTel SDK (startActiveSpan)",
  n: N,
  ms: round(effectTimes.spans),
  peer: "@opentelemetry/sdk-trace-base BasicTracerProvider, same BatchSpanProcessor",
  peerMs: round(bare),
  ratio: round(effectTimes.spans / bare),
  netMs: round(effectTimes.spans - effectTimes.loop),
  peerNetMs: round(bare - bareLoop),
  netRatio: round((effectTimes.spans - effectTimes.loop) / (bare - bareLoop)),
  sdkInEffectMs: round(sdkInEffect),
  ratioVsSdkInEffect: round(effectTimes.spans / sdkInEffect),
  floorMs: round(floor),
  floorRatio: round(floor / bare),
  target: "ratio ≤ 1.5"
}))
