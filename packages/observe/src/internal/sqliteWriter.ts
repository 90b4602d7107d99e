/**
 * The SQLite write path: its own better-sqlite3 connection with prepared single-row statements
 * run inside one synchronous transaction per batch. Going through `@effect/sql` would compile
 * and prepare a multi-row statement per chunk, several times slower; ingest throughput is the
 * receiver's main job. Reads stay on the `SqlClient` (WAL lets them run beside the writer).
 */
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import type { MetricPoint } from "../Metric.js"
import type { LogRecord, SpanRecord } from "../Span.js"
import { applyPoints, MINUTE_COLUMNS, type MinuteRow, SERIES_COLUMNS, type SeriesRow } from "./metricRollups.js"
import { DEFAULT_MAX_SERIES, seriesLimitReason } from "./metricRows.js"
import { MINUTE_US, mergeRollups, type RollupRow, rollupsOf } from "./rollups.js"
import { blobIds, spanRow } from "./spanRows.js"
import { walCheckpointer } from "./walCheckpointer.js"

interface Statement {
  run(...params: ReadonlyArray<unknown>): { readonly changes: number }
  get(...params: ReadonlyArray<unknown>): unknown
}
interface Database {
  prepare(sql: string): Statement
  pragma(sql: string): unknown
  transaction<A extends ReadonlyArray<unknown>, B>(fn: (...args: A) => B): Transaction<A, B>
  close(): void
}
interface Transaction<A extends ReadonlyArray<unknown>, B> {
  (...args: A): B
  immediate(...args: A): B
}
type DatabaseConstructor = new (filename: string, options?: { readonly timeout?: number }) => Database

// better-sqlite3 is CommonJS without bundled types; only the members above are used.
const Sqlite = createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor

/** The write operations, synchronous inside; errors surface as the `cause` of the failure. */
export interface Writer {
  readonly insertSpans: (spans: ReadonlyArray<SpanRecord>) => Effect.Effect<void, unknown>
  readonly insertLogs: (logs: ReadonlyArray<LogRecord>) => Effect.Effect<void, unknown>
  readonly insertMetrics: (points: ReadonlyArray<MetricPoint>) => Effect.Effect<{ readonly rejected: number; readonly reason: string }, unknown>
  readonly prune: (cutoffUs: number | undefined, maxSpans: number | undefined) => Effect.Effect<{ spans: number; logs: number }, unknown>
}

const SPAN_COLUMNS = [
  "trace_id", "span_id", "parent_span_id", "service", "namespace", "entity_ref", "name", "kind", "start_us",
  "duration_us", "status", "status_message", "peer", "attributes", "resource", "events"
] as const

/** Opens the writer on a file whose tables already exist; closed with the scope. */
export const openSqliteWriter = (filename: string, maxSeries = DEFAULT_MAX_SERIES) =>
  Effect.acquireRelease(
    Effect.try(() => {
      const db = new Sqlite(filename, { timeout: 10_000 })
      db.pragma("journal_mode = WAL")
      db.pragma("synchronous = NORMAL")
      // Span ids are random, so every span dirties its own page of the (trace_id, span_id)
      // index: a page cache that holds the index (64 MiB) cut the CPU per span by about a fifth
      // (bench/ingest.bench.ts). Checkpoints are the worker's (walCheckpointer); this connection
      // checkpoints only past ~160 MiB of WAL, if the worker falls behind or is gone.
      db.pragma("cache_size = -65536")
      db.pragma("wal_autocheckpoint = 40000")
      return db
    }),
    (db) => Effect.sync(() => db.close())
  ).pipe(Effect.zip(walCheckpointer(filename)), Effect.map(([db, checkpointer]): Writer => {
    const insertSpan = db.prepare(
      `INSERT INTO observe_spans (${SPAN_COLUMNS.join(", ")}) VALUES (${SPAN_COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT (trace_id, span_id) DO NOTHING`
    )
    const readRed = db.prepare("SELECT count, errors, sum_us, hist FROM observe_red_minute WHERE minute = ? AND entity_ref = ? AND name = ?")
    const upsertRed = db.prepare(
      `INSERT INTO observe_red_minute (minute, entity_ref, service, name, count, errors, sum_us, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (minute, entity_ref, name) DO UPDATE SET count = excluded.count, errors = excluded.errors,
       sum_us = excluded.sum_us, hist = excluded.hist`
    )
    const insertLog = db.prepare(
      `INSERT INTO observe_logs (time_us, trace_id, span_id, service, entity_ref, severity_number, severity_text, body, attributes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    const writeSpans = db.transaction((spans: ReadonlyArray<SpanRecord>) => {
      const resources = new Map<object, string>()
      // Only spans stored now count in RED: a retried export (or a second copy in the batch)
      // must not count twice.
      const stored: Array<SpanRecord> = []
      for (const span of spans) {
        const row = spanRow(span, resources, blobIds)
        const { changes } = insertSpan.run(row.trace_id, row.span_id, row.parent_span_id, row.service, row.namespace, row.entity_ref,
          row.name, row.kind, row.start_us, row.duration_us, row.status, row.status_message, row.peer, row.attributes, row.resource,
          row.events)
        if (changes > 0) stored.push(span)
      }
      // The lookup gets the rollup itself, never a joined key split again (names may hold any byte).
      const merged = mergeRollups(rollupsOf(stored), (r) => readRed.get(r.minute, r.entity_ref, r.name) as RollupRow | undefined)
      for (const r of merged) upsertRed.run(r.minute, r.entity_ref, r.service, r.name, r.count, r.errors, r.sum_us, r.hist)
    })
    const writeLogs = db.transaction((logs: ReadonlyArray<LogRecord>) => {
      for (const log of logs) {
        insertLog.run(log.timeUs, log.traceId, log.spanId, log.service, log.entityRef, log.severityNumber, log.severityText,
          JSON.stringify(log.body), JSON.stringify(log.attributes))
      }
    })
    const readSeries = db.prepare("SELECT * FROM observe_metric_series WHERE series_id = ?")
    const readMinute = db.prepare("SELECT * FROM observe_metric_minute WHERE series_id = ? AND minute = ?")
    const upsertSeries = db.prepare(
      `INSERT INTO observe_metric_series (${SERIES_COLUMNS.join(", ")}) VALUES (${SERIES_COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT (series_id) DO UPDATE SET start_us = excluded.start_us, last_us = excluded.last_us, last_value = excluded.last_value,
       last_count = excluded.last_count, last_buckets = excluded.last_buckets, resource = excluded.resource`
    )
    const upsertMinute = db.prepare(
      `INSERT INTO observe_metric_minute (${MINUTE_COLUMNS.join(", ")}) VALUES (${MINUTE_COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT (series_id, minute) DO UPDATE SET points = excluded.points, value = excluded.value, min = excluded.min,
       max = excluded.max, total = excluded.total, count = excluded.count, buckets = excluded.buckets`
    )
    const countSeries = db.prepare("SELECT COUNT(*) AS n FROM observe_metric_series")
    let seriesCount: number | undefined
    const writeMetrics = db.transaction((points: ReadonlyArray<MetricPoint>) => {
      let admitted = seriesCount ?? Number((countSeries.get() as { n: number }).n)
      const result = applyPoints(
        points,
        (id) => readSeries.get(id) as SeriesRow | undefined,
        (id, minute) => readMinute.get(id, minute) as MinuteRow | undefined,
        () => admitted++ < maxSeries
      )
      for (const r of result.series) upsertSeries.run(...SERIES_COLUMNS.map((c) => r[c]))
      for (const r of result.minutes) upsertMinute.run(...MINUTE_COLUMNS.map((c) => r[c]))
      seriesCount = Math.min(admitted, maxSeries)
      return { rejected: result.rejected, reason: result.rejected > 0 ? seriesLimitReason(maxSeries) : "" }
    })
    const deleteMetricMinutes = db.prepare("DELETE FROM observe_metric_minute WHERE minute < ?")
    const deleteMetricSeries = db.prepare("DELETE FROM observe_metric_series WHERE last_us < ?")
    const rowidBounds = db.prepare("SELECT MIN(rowid) AS lo, MAX(rowid) AS hi FROM observe_spans")
    const nthNewest = db.prepare("SELECT start_us FROM observe_spans ORDER BY start_us DESC LIMIT 1 OFFSET ?")
    const deleteSpans = db.prepare("DELETE FROM observe_spans WHERE start_us < ?")
    const deleteLogs = db.prepare("DELETE FROM observe_logs WHERE time_us < ?")
    const deleteRed = db.prepare("DELETE FROM observe_red_minute WHERE minute < ?")
    const prune = db.transaction((cutoffUs: number | undefined, maxSpans: number | undefined) => {
      let cutoff = cutoffUs ?? Number.NEGATIVE_INFINITY
      // MAX - MIN of the rowid bounds the row count from above in O(1); the OFFSET scan below
      // (which blocks the receiver while it runs) is only needed when that bound is over the limit.
      const rowids = rowidBounds.get() as { lo: number | null; hi: number | null }
      const overLimit = maxSpans !== undefined && rowids.hi !== null && rowids.lo !== null && rowids.hi - rowids.lo + 1 > maxSpans
      if (maxSpans !== undefined && overLimit) {
        const nth = nthNewest.get(Math.max(0, Math.floor(maxSpans))) as { start_us: number } | undefined
        if (nth !== undefined) cutoff = Math.max(cutoff, Number(nth.start_us) + 1)
      }
      if (cutoff === Number.NEGATIVE_INFINITY) return { spans: 0, logs: 0 }
      const spans = deleteSpans.run(cutoff).changes
      const logs = deleteLogs.run(cutoff).changes
      if (cutoffUs !== undefined) {
        const minute = Math.floor(cutoffUs / MINUTE_US)
        deleteRed.run(minute)
        deleteMetricMinutes.run(minute)
        deleteMetricSeries.run(minute * MINUTE_US)
        seriesCount = undefined
      }
      return { spans, logs }
    })
    return {
      insertSpans: (spans) => (spans.length === 0 ? Effect.void : Effect.try(() => {
        checkpointer.start()
        writeSpans.immediate(spans)
      })),
      insertLogs: (logs) => (logs.length === 0 ? Effect.void : Effect.try(() => {
        checkpointer.start()
        writeLogs(logs)
      })),
      insertMetrics: (points) =>
        points.length === 0 ? Effect.succeed({ rejected: 0, reason: "" }) : Effect.try({
          try: () => {
            checkpointer.start()
            return writeMetrics.immediate(points)
          },
          catch: (cause) => {
            seriesCount = undefined
            return cause
          }
        }),
      prune: (cutoffUs, maxSpans) => Effect.try(() => prune.immediate(cutoffUs, maxSpans))
    }
  }))
