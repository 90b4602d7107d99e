/**
 * The golden signals of each service and of each team that owns services: RED from the spans
 * (rate, errors, duration) next to the runtime metrics the OpenTelemetry Node runtime
 * instrumentation and `Observe.layer` export (memory in use, event-loop delay). Owners come from
 * the catalog at query time.
 *
 * The same numbers are a scorecard fact source ({@link factSource}) with two rules on top
 * ({@link errorRateUnder}, {@link emitsMetrics}), so scorecards can grade observability itself.
 *
 * @since 0.2.0
 */
import type { Entity } from "@paved/catalog"
import * as Facts from "@paved/catalog/Facts"
import * as Rule from "@paved/catalog/Rule"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Metric from "./Metric.js"
import type * as SpanStore from "./SpanStore.js"

/**
 * Metric names read as "memory in use" (bytes; series of one name are added up, e.g. the heap
 * spaces of `v8js.memory.heap.used`), first found wins.
 *
 * @since 0.2.0
 */
export const MEMORY_METRICS = ["process.memory.usage", "process.runtime.nodejs.memory.rss", "v8js.memory.heap.used", "process.runtime.nodejs.memory.heap.used"] as const

/**
 * Metric names read as event-loop delay (the highest series), first found wins.
 *
 * @since 0.2.0
 */
export const EVENT_LOOP_METRICS = ["nodejs.eventloop.delay.p99", "nodejs.eventloop.delay.p90", "nodejs.eventloop.delay.mean", "nodejs.eventloop.delay.max"] as const

/**
 * Runtime signals of one service (undefined when it does not export them).
 *
 * @since 0.2.0
 */
export interface Runtime {
  readonly memoryBytes: number | undefined
  readonly eventLoopDelayMs: number | undefined
  /** The metric series the service exported in the window. */
  readonly metricSeries: number
}

/**
 * The golden signals of one service.
 *
 * @since 0.2.0
 */
export interface ServiceSignals {
  readonly entityRef: string
  readonly service: string
  readonly owner: string | undefined
  readonly red: SpanStore.RedRow | undefined
  readonly runtime: Runtime
}

/**
 * The golden signals of one owner: RED over all its services' requests (the slowest service's
 * p95), and their memory added up.
 *
 * @since 0.2.0
 */
export interface TeamSignals {
  readonly owner: string
  readonly services: ReadonlyArray<string>
  readonly requests: number
  readonly errors: number
  readonly errorRatio: number
  readonly ratePerSecond: number
  readonly worstP95Ms: number
  readonly memoryBytes: number | undefined
  readonly maxEventLoopDelayMs: number | undefined
}

/**
 * @since 0.2.0
 */
export interface Signals {
  readonly services: ReadonlyArray<ServiceSignals>
  readonly teams: ReadonlyArray<TeamSignals>
}

const toMs = (value: number, unit: string): number => (unit === "s" ? value * 1000 : unit === "us" ? value / 1000 : unit === "ns" ? value / 1e6 : value)

/** The runtime signals in a list of one service's series. */
export const runtimeOf = (series: ReadonlyArray<Metric.MetricSeries>): Runtime => {
  const byName = (names: ReadonlyArray<string>) => {
    for (const name of names) {
      const found = series.filter((s) => s.name === name)
      if (found.length > 0) return found
    }
    return []
  }
  const memory = byName(MEMORY_METRICS)
  const loop = byName(EVENT_LOOP_METRICS)
  return {
    memoryBytes: memory.length === 0 ? undefined : memory.reduce((sum, s) => sum + s.lastValue, 0),
    eventLoopDelayMs: loop.length === 0 ? undefined : Math.max(...loop.map((s) => toMs(s.lastValue, s.unit))),
    metricSeries: series.length
  }
}

const ownerIndex = (entities: ReadonlyArray<Entity.Entity>): Map<string, string> => {
  const owners = new Map<string, string>()
  for (const e of entities) {
    const owner = (e.spec as { readonly owner?: unknown } | undefined)?.owner
    if (typeof owner !== "string" || owner.length === 0) continue
    const ownerRef = owner.includes(":") ? owner : `group:${owner.includes("/") ? owner : `default/${owner}`}`
    owners.set(`${e.kind}:${e.metadata.namespace ?? "default"}/${e.metadata.name}`.toLowerCase(), ownerRef.toLowerCase())
  }
  return owners
}

/**
 * The golden signals over a window, per service seen (in spans or metrics) and per owner.
 *
 * @since 0.2.0
 */
export const compute = (
  store: SpanStore.Query,
  entities: ReadonlyArray<Entity.Entity>,
  window: SpanStore.Window = {}
): Effect.Effect<Signals, SpanStore.SpanStoreError> =>
  Effect.gen(function*() {
    const owners = ownerIndex(entities)
    const red = yield* store.red({ ...window, groupBy: "service" })
    const series = yield* store.metricSeries({ ...window, limit: 100_000 })
    const refs = new Map<string, string>()
    for (const r of red) refs.set(r.entityRef, r.service)
    for (const s of series) if (!refs.has(s.entityRef)) refs.set(s.entityRef, s.service)
    const services = [...refs].sort(([a], [b]) => a.localeCompare(b)).map(([entityRef, service]): ServiceSignals => ({
      entityRef,
      service,
      owner: owners.get(entityRef),
      red: red.find((r) => r.entityRef === entityRef),
      runtime: runtimeOf(series.filter((s) => s.entityRef === entityRef))
    }))
    const byOwner = new Map<string, Array<ServiceSignals>>()
    for (const s of services) {
      if (s.owner === undefined) continue
      byOwner.set(s.owner, [...(byOwner.get(s.owner) ?? []), s])
    }
    const teams = [...byOwner].sort(([a], [b]) => a.localeCompare(b)).map(([owner, list]): TeamSignals => {
      const requests = list.reduce((n, s) => n + (s.red?.count ?? 0), 0)
      const errors = list.reduce((n, s) => n + (s.red?.errors ?? 0), 0)
      const memory = list.filter((s) => s.runtime.memoryBytes !== undefined)
      const loops = list.flatMap((s) => (s.runtime.eventLoopDelayMs === undefined ? [] : [s.runtime.eventLoopDelayMs]))
      return {
        owner,
        services: list.map((s) => s.entityRef),
        requests,
        errors,
        errorRatio: requests === 0 ? 0 : errors / requests,
        ratePerSecond: list.reduce((n, s) => n + (s.red?.ratePerSecond ?? 0), 0),
        worstP95Ms: Math.max(0, ...list.map((s) => s.red?.p95Ms ?? 0)),
        memoryBytes: memory.length === 0 ? undefined : memory.reduce((n, s) => n + s.runtime.memoryBytes!, 0),
        maxEventLoopDelayMs: loops.length === 0 ? undefined : Math.max(...loops)
      }
    })
    return { services, teams }
  })

/**
 * Options of {@link factSource}.
 *
 * @since 0.2.0
 */
export interface FactSourceOptions {
  /** The source id rules name (`facts.<id>.<key>`); default `observe`. */
  readonly id?: string | undefined
  /** The window the facts are measured over; default 7 days. */
  readonly window?: Duration.DurationInput | undefined
  /** How long a fact stays fresh; default 1 hour. */
  readonly ttl?: Duration.DurationInput | undefined
}

/**
 * A scorecard fact source over the telemetry store, measured over the window when read:
 *
 * - `requests`, `errorRatio` (0..1), `p95Ms`: RED of the entity's entry spans (missing when
 *   it served no requests);
 * - `emitsMetrics`, `emitsLogs`, `emitsTraces`: whether it sent any in the window;
 * - `memoryBytes`, `eventLoopDelayMs`: its runtime metrics (missing when not exported).
 *
 * @since 0.2.0
 */
export const factSource = (store: SpanStore.Query, options: FactSourceOptions = {}): Facts.FactSource => {
  const id = options.id ?? "observe"
  const since = options.window ?? "7 days"
  const fail = (error: SpanStore.SpanStoreError) => new Facts.FactSourceError({ source: id, reason: error.message })
  return {
    id,
    ttl: Duration.decode(options.ttl ?? "1 hour"),
    read: (ref, key) =>
      Effect.gen(function*() {
        const now = Date.now()
        const fact = (value: unknown) => Option.some<Facts.Fact>({ value, observedAt: now })
        switch (key) {
          case "requests":
          case "errorRatio":
          case "p95Ms": {
            const [row] = yield* store.red({ service: ref, groupBy: "service", since })
            if (row === undefined || row.count === 0) return Option.none()
            return fact(key === "requests" ? row.count : key === "errorRatio" ? row.errorRatio : row.p95Ms)
          }
          case "emitsMetrics":
            return fact((yield* store.metricSeries({ service: ref, since, limit: 1 })).length > 0)
          case "emitsLogs":
            return fact((yield* store.logs({ service: ref, since, limit: 1 })).length > 0)
          case "emitsTraces":
            return fact((yield* store.searchTraces({ service: ref, since, limit: 1 })).length > 0)
          case "memoryBytes":
          case "eventLoopDelayMs": {
            const runtime = runtimeOf(yield* store.metricSeries({ service: ref, since, limit: 10_000 }))
            const value = key === "memoryBytes" ? runtime.memoryBytes : runtime.eventLoopDelayMs
            return value === undefined ? Option.none() : fact(value)
          }
          default:
            return yield* new Facts.FactSourceError({
              source: id,
              reason: `no fact "${key}": use requests, errorRatio, p95Ms, emitsMetrics, emitsLogs, emitsTraces, memoryBytes or eventLoopDelayMs`
            })
        }
      }).pipe(Effect.mapError((e) => (e instanceof Facts.FactSourceError ? e : fail(e))))
  }
}

const services = Rule.kinds("component")

/**
 * A rule: the entity's error rate over the fact source's window is under `percent`% (unknown
 * when it served no requests or the store cannot be read).
 *
 * @since 0.2.0
 */
export const errorRateUnder = (percent: number, options: { readonly source?: string | undefined } = {}): Rule.Rule =>
  Rule.make({
    id: `error-rate-under-${percent}pct`,
    version: 1,
    title: `Has an error rate under ${percent}%`,
    appliesTo: services,
    evaluate: (context) =>
      Rule.withFact(context, options.source ?? "observe", "errorRatio", (value) => {
        const ratio = Number(value)
        return ratio < percent / 100
          ? Rule.pass()
          : Rule.fail(`${(ratio * 100).toFixed(2)}% of requests failed; find them with paved observe traces --service ${context.entity.metadata.name} --status error`)
      })
  })

/**
 * A rule: the entity exported metrics in the fact source's window.
 *
 * @since 0.2.0
 */
export const emitsMetrics = (options: { readonly source?: string | undefined } = {}): Rule.Rule =>
  Rule.make({
    id: "emits-metrics",
    version: 1,
    title: "Emits metrics",
    appliesTo: services,
    evaluate: (context) =>
      Rule.withFact(context, options.source ?? "observe", "emitsMetrics", (value) =>
        value === true
          ? Rule.pass()
          : Rule.fail("No metrics received: provide Observe.layer (Effect) or an OTLP metric exporter pointed at paved observe serve"))
  })
