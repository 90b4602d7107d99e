/**
 * Live data from the other packages, when the runtime has their services: telemetry from the
 * read side of `@paved/observe` (`TelemetryQuery`: the span store, or another trace backend)
 * and environments from the `EnvStore` of `@paved/envs`. Each is a `Stream` that polls its
 * store, so the views follow changes (a service turning ready, new traces) while they are open.
 * Without the service the stream emits `None` once.
 */
import type { EnvironmentError, EnvironmentRecord } from "@paved/envs/Environment"
import { EnvStore } from "@paved/envs/EnvStore"
import * as GoldenSignals from "@paved/observe/GoldenSignals"
import { type SpanStoreError, TelemetryQuery } from "@paved/observe/SpanStore"
import * as TraceLogs from "@paved/observe/TraceLogs"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import type { TelemetryOverview, TraceView } from "../state/platformLines.js"

const poll = <A, E>(effect: Effect.Effect<A, E>, every: Duration.DurationInput): Stream.Stream<A, E> =>
  Stream.repeatEffectWithSchedule(effect, Schedule.spaced(every))

const withService = <S, I, A, E>(
  tag: Context.Tag<I, S>,
  every: Duration.DurationInput,
  use: (service: S) => Effect.Effect<A, E>
): Stream.Stream<Option.Option<A>, E> =>
  Stream.unwrap(Effect.map(Effect.serviceOption(tag), Option.match({
    onNone: () => Stream.make(Option.none<A>()),
    onSome: (service) => poll(Effect.map(use(service), Option.some), every)
  })))

/**
 * RED per service, the service map and recent traces, every 5 seconds; with a `service`, only
 * its RED, its edges and the traces it took part in.
 */
export const telemetry = (service?: string): Stream.Stream<Option.Option<TelemetryOverview>, SpanStoreError> =>
  withService(TelemetryQuery, "5 seconds", (store) =>
    Effect.all({
      red: store.red({ groupBy: "service", service }),
      edges: Effect.map(store.serviceMap(), (edges) =>
        service === undefined ? edges : edges.filter((e) => e.source === service || e.target === service)),
      traces: store.searchTraces({ limit: 200, service }),
      // The runtime half of the golden signals: memory and event-loop delay per service.
      runtime: Effect.map(store.metricSeries({ service, limit: 10_000 }), (series) => {
        const byRef = new Map<string, Array<(typeof series)[number]>>()
        for (const s of series) byRef.set(s.entityRef, [...(byRef.get(s.entityRef) ?? []), s])
        return new Map([...byRef].map(([ref, list]) => [ref, GoldenSignals.runtimeOf(list)]))
      })
    }))

/** One trace's spans as a waterfall with the logs of each span (traces do not change once stored). */
export const trace = (traceId: string): Effect.Effect<Option.Option<Option.Option<TraceView>>, SpanStoreError> =>
  Effect.flatMap(Effect.serviceOption(TelemetryQuery), Option.match({
    onNone: () => Effect.succeed(Option.none()),
    onSome: (store) =>
      Effect.flatMap(store.trace(traceId), Option.match({
        onNone: () => Effect.succeed(Option.some(Option.none<TraceView>())),
        onSome: (tree) =>
          Effect.map(
            TraceLogs.ofTrace(store, tree, { limit: 1000 }),
            (logs) => Option.some(Option.some<TraceView>({ ...tree, logs }))
          )
      }))
  }))

/** Every environment, every 2 seconds. */
export const environments = (): Stream.Stream<Option.Option<ReadonlyArray<EnvironmentRecord>>, EnvironmentError> =>
  withService(EnvStore, "2 seconds", (store) => Effect.map(store.list, (all) => all.map((s) => s.record)))

/** The last `lines` lines of a log file (none when it cannot be read). */
export const logTail = (file: string, lines = 10): ReadonlyArray<string> => {
  try {
    const size = fs.statSync(file).size
    const fd = fs.openSync(file, "r")
    try {
      const length = Math.min(size, 16 * 1024)
      const buffer = Buffer.alloc(length)
      fs.readSync(fd, buffer, 0, length, size - length)
      return buffer.toString("utf8").split("\n").filter((l) => l.length > 0).slice(-lines)
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return []
  }
}
