/**
 * The SQLite write path: its own better-sqlite3 connection with prepared single-row statements
 * run inside one synchronous transaction per batch. Going through `@effect/sql` would compile
 * and prepare a multi-row statement per chunk, several times slower; ingest throughput is the
 * receiver's main job. Reads stay on the `SqlClient` (WAL lets them run beside the writer).
 */
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import type { LogRecord, SpanRecord } from "../Span.js"
import { MINUTE_US, mergeRollups, type RollupRow, rollupsOf } from "./rollups.js"
import { spanRow } from "./spanRows.js"

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
  readonly prune: (cutoffUs: number | undefined, maxSpans: number | undefined) => Effect.Effect<{ spans: number; logs: number }, unknown>
}

const SPAN_COLUMNS = [
  "trace_id", "span_id", "parent_span_id", "service", "namespace", "entity_ref", "name", "kind", "start_us",
  "duration_us", "status", "status_message", "peer", "attributes", "resource", "events"
] as const

/** Opens the writer on a file whose tables already exist; closed with the scope. */
export const openSqliteWriter = (filename: string) =>
  Effect.acquireRelease(
    Effect.try(() => {
      const db = new Sqlite(filename, { timeout: 10_000 })
      db.pragma("journal_mode = WAL")
      db.pragma("synchronous = NORMAL")
      // Span ids are random, so every span dirties its own page of the (trace_id, span_id)
      // index: a page cache that holds the index (64 MiB) and checkpoints every ~40 MiB of WAL
      // instead of ~4 MiB cut the CPU per span by about a fifth (bench/ingest.bench.ts).
      db.pragma("cache_size = -65536")
      db.pragma("wal_autocheckpoint = 10000")
      return db
    }),
    (db) => Effect.sync(() => db.close())
  ).pipe(Effect.map((db): Writer => {
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
      for (const span of spans) {
        const row = spanRow(span, resources)
        insertSpan.run(row.trace_id, row.span_id, row.parent_span_id, row.service, row.namespace, row.entity_ref, row.name,
          row.kind, row.start_us, row.duration_us, row.status, row.status_message, row.peer, row.attributes, row.resource, row.events)
      }
      const merged = mergeRollups(rollupsOf(spans), (key) => {
        const [minute, entityRef, name] = key.split("\u0000")
        return readRed.get(Number(minute), entityRef, name) as RollupRow | undefined
      })
      for (const r of merged) upsertRed.run(r.minute, r.entity_ref, r.service, r.name, r.count, r.errors, r.sum_us, r.hist)
    })
    const writeLogs = db.transaction((logs: ReadonlyArray<LogRecord>) => {
      for (const log of logs) {
        insertLog.run(log.timeUs, log.traceId, log.spanId, log.service, log.entityRef, log.severityNumber, log.severityText,
          JSON.stringify(log.body), JSON.stringify(log.attributes))
      }
    })
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
      }
      return { spans, logs }
    })
    return {
      insertSpans: (spans) => (spans.length === 0 ? Effect.void : Effect.try(() => writeSpans.immediate(spans))),
      insertLogs: (logs) => (logs.length === 0 ? Effect.void : Effect.try(() => writeLogs(logs))),
      prune: (cutoffUs, maxSpans) => Effect.try(() => prune.immediate(cutoffUs, maxSpans))
    }
  }))
