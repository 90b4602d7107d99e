/**
 * Where received spans, logs and metrics live, and the queries over them: trace search, one
 * trace as a waterfall, RED per service and operation, the service map, the services seen, log
 * search and metric series minute by minute.
 *
 * The service has two sides, also provided alone: {@link SpanWriter} (what the receiver needs)
 * and {@link TelemetryQuery} (what every reader needs), so another trace backend can be a layer
 * of the read side.
 *
 * One implementation over `@effect/sql` serves SQLite (the embedded default, `.paved/paved.db`)
 * and PostgreSQL; the layer picks the engine. RED reads per-minute rollups with log-scale
 * duration histograms that are maintained in the same transaction as the span inserts, so RED
 * over millions of spans reads thousands of rows, not millions.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Database from "@paved/catalog/Database"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { createTables, makeSqlStore } from "./internal/spanStoreSql.js"
import { openSqliteWriter } from "./internal/sqliteWriter.js"
import type * as Metric from "./Metric.js"
import type { LogRecord, SpanRecord } from "./Span.js"

/**
 * A store operation failed (the database is unreachable, a file cannot be written, ...).
 *
 * @since 0.1.0
 */
export class SpanStoreError extends Data.TaggedError("SpanStoreError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message(): string {
    const cause = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `The span store could not ${this.operation}: ${cause}`
  }
}

/**
 * A time window: `[from, until)`. `until` defaults to now, `from` to `until - since`, and
 * `since` to one hour.
 *
 * @since 0.1.0
 */
export interface Window {
  readonly since?: Duration.DurationInput | undefined
  readonly from?: Date | undefined
  readonly until?: Date | undefined
}

/**
 * Trace search (what Jaeger's search form offers): traces with at least one span matching
 * every given criterion, newest first.
 *
 * @since 0.1.0
 */
export interface TraceQuery extends Window {
  readonly service?: string | undefined
  readonly operation?: string | undefined
  readonly status?: "error" | "ok" | "unset" | undefined
  readonly minDurationMs?: number | undefined
  readonly maxDurationMs?: number | undefined
  /** Span attributes that must equal the given text (numbers and booleans compare as text). */
  readonly attributes?: Readonly<Record<string, string>> | undefined
  /** Default 20. */
  readonly limit?: number | undefined
}

/**
 * One trace found by {@link TraceQuery}.
 *
 * @since 0.1.0
 */
export interface TraceSummary {
  readonly traceId: string
  readonly rootService: string
  readonly rootName: string
  readonly startUs: number
  readonly durationUs: number
  readonly spanCount: number
  readonly errorCount: number
  readonly services: ReadonlyArray<string>
}

/**
 * A span placed in its trace's waterfall: its depth in the tree and its start offset from
 * the start of the trace.
 *
 * @since 0.1.0
 */
export interface WaterfallSpan extends SpanRecord {
  readonly depth: number
  readonly offsetUs: number
}

/**
 * One trace as a tree in depth-first order (a parent before its children, siblings by start
 * time). Spans whose parent was never received are shown as roots.
 *
 * @since 0.1.0
 */
export interface TraceTree {
  readonly traceId: string
  readonly startUs: number
  readonly durationUs: number
  readonly services: ReadonlyArray<string>
  readonly spans: ReadonlyArray<WaterfallSpan>
}

/**
 * RED over a window, per operation (default) or per service.
 *
 * @since 0.1.0
 */
export interface RedQuery extends Window {
  readonly service?: string | undefined
  readonly operation?: string | undefined
  readonly groupBy?: "operation" | "service" | undefined
}

/**
 * Rate, errors and duration of one service (and operation, or `*` per service). Counted over
 * entry spans: server and consumer spans, and root spans. Percentiles come from log-scale
 * histograms (within ~5%), clamped to the exact shortest and longest duration (so one span's
 * p50 is its duration); the window is aligned to whole minutes. `ratePerSecond` is over the
 * active window: from the first minute with requests to the end of the window (at least one
 * minute), so a burst is not averaged over an hour of silence.
 *
 * @since 0.1.0
 */
export interface RedRow {
  readonly entityRef: string
  readonly service: string
  readonly operation: string
  readonly count: number
  readonly ratePerSecond: number
  readonly errors: number
  readonly errorRatio: number
  readonly meanMs: number
  readonly p50Ms: number
  readonly p95Ms: number
  readonly p99Ms: number
}

/**
 * A service-map edge: calls from `source` to `target`, seen either as a parent span in one
 * service with a child span in another (`via: "spans"`), or as a client/producer span naming
 * a peer that sent no spans itself (`via: "peer"`, `targetRef` empty).
 *
 * @since 0.1.0
 */
export interface ServiceEdge {
  readonly sourceRef: string
  readonly source: string
  readonly targetRef: string
  readonly target: string
  readonly via: "spans" | "peer"
  readonly calls: number
  readonly errors: number
}

/**
 * A service that sent spans in the window.
 *
 * @since 0.1.0
 */
export interface ObservedService {
  readonly entityRef: string
  readonly service: string
  readonly namespace: string
  readonly spans: number
  readonly firstSeenUs: number
  readonly lastSeenUs: number
}

/**
 * Log search.
 *
 * @since 0.1.0
 */
export interface LogQuery extends Window {
  readonly service?: string | undefined
  readonly traceId?: string | undefined
  /** Only records at or above this OTLP severity number (9 info, 13 warn, 17 error, 21 fatal). */
  readonly minSeverity?: number | undefined
  /** Only records whose body (as stored JSON text) contains this text, case-sensitive. */
  readonly contains?: string | undefined
  /** Oldest first instead of newest first (for following new records). */
  readonly oldestFirst?: boolean | undefined
  /** Default 100. */
  readonly limit?: number | undefined
}

/**
 * What to keep: spans, logs and rollups younger than `maxAge`, and at most `maxSpans` spans
 * (the oldest go first).
 *
 * @since 0.1.0
 */
export interface Retention {
  readonly maxAge?: Duration.DurationInput | undefined
  readonly maxSpans?: number | undefined
}

/**
 * How many rows a {@link Retention} pass removed.
 *
 * @since 0.1.0
 */
export interface Pruned {
  readonly spans: number
  readonly logs: number
}

/**
 * What a metrics write did besides storing: data points refused because they would open a
 * series above the store's series limit (`maxMetricSeries`).
 *
 * @since 0.2.0
 */
export interface MetricsWritten {
  readonly rejected: number
  readonly reason: string
}

/**
 * The write side of the store: what the receiver needs. Inserts are idempotent for spans (a
 * retried export changes nothing) and for cumulative metric points; each call is one
 * transaction.
 *
 * @since 0.2.0
 */
export interface Writer {
  readonly insertSpans: (spans: ReadonlyArray<SpanRecord>) => Effect.Effect<void, SpanStoreError>
  readonly insertLogs: (logs: ReadonlyArray<LogRecord>) => Effect.Effect<void, SpanStoreError>
  readonly insertMetrics: (points: ReadonlyArray<Metric.MetricPoint>) => Effect.Effect<MetricsWritten, SpanStoreError>
  readonly prune: (retention: Retention) => Effect.Effect<Pruned, SpanStoreError>
}

/**
 * The read side: what RED, the service map, drift, the team view, the CLI and the TUI read. A
 * layer giving only this service (for example over Tempo or Jaeger) is enough for all of them.
 *
 * @since 0.2.0
 */
export interface Query {
  readonly searchTraces: (query?: TraceQuery) => Effect.Effect<ReadonlyArray<TraceSummary>, SpanStoreError>
  readonly trace: (traceId: string) => Effect.Effect<Option.Option<TraceTree>, SpanStoreError>
  readonly red: (query?: RedQuery) => Effect.Effect<ReadonlyArray<RedRow>, SpanStoreError>
  readonly serviceMap: (window?: Window) => Effect.Effect<ReadonlyArray<ServiceEdge>, SpanStoreError>
  readonly services: (window?: Window) => Effect.Effect<ReadonlyArray<ObservedService>, SpanStoreError>
  readonly logs: (query?: LogQuery) => Effect.Effect<ReadonlyArray<LogRecord>, SpanStoreError>
  /** Metric series seen in the window (their last point in it), by service and name. */
  readonly metricSeries: (query?: Metric.SeriesQuery) => Effect.Effect<ReadonlyArray<Metric.MetricSeries>, SpanStoreError>
  /** One series minute by minute over the window; none when the series is unknown. */
  readonly metricWindow: (seriesId: string, window?: Window) => Effect.Effect<Option.Option<Metric.SeriesWindow>, SpanStoreError>
}

/**
 * The span store service: both sides, as the SQLite and PostgreSQL stores provide them.
 *
 * @since 0.1.0
 */
export interface Service extends Writer, Query {}

/**
 * @since 0.1.0
 */
export class SpanStore extends Context.Tag("@paved/observe/SpanStore")<SpanStore, Service>() {}

/**
 * The write side alone (see {@link Writer}); every layer of this module provides it.
 *
 * @since 0.2.0
 */
export class SpanWriter extends Context.Tag("@paved/observe/SpanWriter")<SpanWriter, Writer>() {}

/**
 * The read side alone (see {@link Query}); every layer of this module provides it. A trace
 * backend such as Tempo plugs in as a layer of this tag.
 *
 * @since 0.2.0
 */
export class TelemetryQuery extends Context.Tag("@paved/observe/TelemetryQuery")<TelemetryQuery, Query>() {}

/**
 * Options of the store layers.
 *
 * @since 0.2.0
 */
export interface StoreOptions {
  /** Series beyond this many are refused (their points counted as rejected); default 100 000. */
  readonly maxMetricSeries?: number | undefined
}

const provideAll = <E, R>(make: Effect.Effect<Service, E, R>): Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, E, Exclude<R, Scope.Scope>> =>
  Layer.scopedContext(
    Effect.map(make, (service) => Context.make(SpanStore, service).pipe(Context.add(SpanWriter, service), Context.add(TelemetryQuery, service)))
  )

/**
 * Builds the store over the `SqlClient` in context (SQLite or PostgreSQL), creating its tables
 * (spans, logs, RED rollups, metric series and minutes) when missing.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, SpanStoreError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => makeSqlStore(sql, (operation, cause) => new SpanStoreError({ operation, cause }))
)

/**
 * The store over an `SqlClient` the caller provides (for example `Database.layer` from
 * `@paved/catalog/Database`, which the CLI shares with the catalog store). Writes go through
 * the `SqlClient` too; {@link layerSqlite}'s dedicated write connection is faster for a receiver.
 *
 * @since 0.2.0
 */
export const layerSqlClient: Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, SpanStoreError, SqlClient.SqlClient> = provideAll(make)

/**
 * The store over an `SqlClient` the caller provides.
 *
 * @since 0.1.0
 * @deprecated Use {@link layerSqlClient}, the name every store uses.
 */
export const layerSql: Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, SpanStoreError, SqlClient.SqlClient> = layerSqlClient

/**
 * The store in a SQLite file, opened with `Database.layer` (created with its directory when
 * missing; the directory 0700 and the file 0600 when this layer creates them). Writes go through
 * a dedicated connection with prepared statements (see the architecture notes); reads through
 * `@effect/sql`. `":memory:"` (or an empty name) gives the throwaway store of
 * {@link layerMemory}: the writer and the readers use two connections, which must share one
 * file, so an in-memory database would leave each with its own.
 *
 * @since 0.1.0
 */
export const layerSqlite = (
  options: { readonly filename: string } & StoreOptions
): Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, SpanStoreError> =>
  options.filename === ":memory:" || options.filename === "" ? layerMemoryWith(options) : layerSqliteFile(options.filename, options)

const databaseError = (error: Database.DatabaseError) => new SpanStoreError({ operation: "open its database", cause: error })

const layerSqliteFile = (name: string, options: StoreOptions): Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, SpanStoreError> => {
  const filename = path.resolve(name)
  return provideAll(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* createTables(sql).pipe(Effect.mapError((cause) => new SpanStoreError({ operation: `create its tables in ${filename}`, cause })))
      const writer = yield* openSqliteWriter(filename, options.maxMetricSeries).pipe(
        Effect.mapError((cause) => new SpanStoreError({ operation: `open ${filename} for writing`, cause }))
      )
      return yield* makeSqlStore(sql, (operation, cause) => new SpanStoreError({ operation, cause }), writer, options)
    })
  ).pipe(Layer.provide(Layer.mapError(Database.layer(Database.sqlite(filename)), databaseError)))
}

const layerMemoryWith = (options: StoreOptions): Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, SpanStoreError> =>
  Layer.unwrapScoped(
    Effect.acquireRelease(
      Effect.try({
        try: () => fs.mkdtempSync(path.join(os.tmpdir(), "paved-spans-")),
        catch: (cause) => new SpanStoreError({ operation: "create a temporary directory", cause })
      }),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    ).pipe(Effect.map((dir) => layerSqliteFile(path.join(dir, "spans.db"), options)))
  )

/**
 * A throwaway store: a SQLite file in a fresh temporary directory, removed with the layer.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, SpanStoreError> = layerMemoryWith({})

/**
 * The store in PostgreSQL, opened with `Database.layer`.
 *
 * @since 0.1.0
 */
export const layerPg = (
  options: { readonly url: string | Redacted.Redacted<string> } & StoreOptions
): Layer.Layer<SpanStore | SpanWriter | TelemetryQuery, SpanStoreError> =>
  provideAll(
    Effect.flatMap(SqlClient.SqlClient, (sql) => makeSqlStore(sql, (operation, cause) => new SpanStoreError({ operation, cause }), undefined, options))
  ).pipe(Layer.provide(Layer.mapError(Database.layer(Database.pg(options.url)), databaseError)))
