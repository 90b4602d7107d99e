/**
 * The span store over `@effect/sql`, one implementation for SQLite and PostgreSQL. Only the
 * JSON attribute lookup differs between the two dialects.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { Fragment } from "@effect/sql/Statement"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Metric from "../Metric.js"
import type { MetricPoint } from "../Metric.js"
import type { LogRecord, SpanRecord } from "../Span.js"
import { SpanKind, StatusCode } from "../Span.js"
import type * as SpanStore from "../SpanStore.js"
import { addEncodedHistogram, clampedQuantile, emptyRange, type Range } from "./histogram.js"
import { applyPoints, MINUTE_COLUMNS, minuteKey, type MinuteRow, SERIES_COLUMNS, seriesIdOf, type SeriesRow } from "./metricRollups.js"
import { DEFAULT_MAX_SERIES, seriesFromRow, seriesLimitReason, seriesWindow } from "./metricRows.js"
import { MINUTE_US, mergeRollups, rollupKey, type RollupRow, rollupsOf } from "./rollups.js"
import {
  blobIds,
  type Bounds,
  idFromStored,
  insertChunks,
  logFromRow,
  spanFromRow,
  spanRow,
  type SpanRow,
  type StoredId,
  textIds,
  windowBounds
} from "./spanRows.js"
import type { Writer } from "./sqliteWriter.js"
import { buildTree } from "./traceTree.js"

const SPAN_COLUMNS = `service TEXT NOT NULL, namespace TEXT NOT NULL, entity_ref TEXT NOT NULL, name TEXT NOT NULL,
  kind INTEGER NOT NULL, start_us BIGINT NOT NULL, duration_us BIGINT NOT NULL, status INTEGER NOT NULL,
  status_message TEXT NOT NULL, peer TEXT NOT NULL, attributes TEXT NOT NULL, resource TEXT NOT NULL, events TEXT NOT NULL`

const SPAN_NAMES = "service, namespace, entity_ref, name, kind, start_us, duration_us, status, status_message, peer, attributes, resource, events"

/**
 * The spans table. Its ids are declared `BLOB` on SQLite, where hex ids are stored as bytes
 * (see `blobIds`); a table declaring them `TEXT` predates that and is converted once.
 */
const spansTable = (idType: "TEXT" | "BLOB") =>
  `CREATE TABLE IF NOT EXISTS observe_spans (trace_id ${idType} NOT NULL, span_id ${idType} NOT NULL,
    parent_span_id ${idType} NOT NULL, ${SPAN_COLUMNS})`

const SPAN_INDEXES = [
  `CREATE UNIQUE INDEX IF NOT EXISTS observe_spans_id ON observe_spans (trace_id, span_id)`,
  `CREATE INDEX IF NOT EXISTS observe_spans_start ON observe_spans (start_us)`
]

const DDL = [
  `CREATE TABLE IF NOT EXISTS observe_logs (time_us BIGINT NOT NULL, trace_id TEXT NOT NULL, span_id TEXT NOT NULL,
    service TEXT NOT NULL, entity_ref TEXT NOT NULL, severity_number INTEGER NOT NULL, severity_text TEXT NOT NULL,
    body TEXT NOT NULL, attributes TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS observe_logs_time ON observe_logs (time_us)`,
  `CREATE INDEX IF NOT EXISTS observe_logs_trace ON observe_logs (trace_id)`,
  `CREATE TABLE IF NOT EXISTS observe_red_minute (minute INTEGER NOT NULL, entity_ref TEXT NOT NULL, service TEXT NOT NULL,
    name TEXT NOT NULL, count BIGINT NOT NULL, errors BIGINT NOT NULL, sum_us BIGINT NOT NULL, hist TEXT NOT NULL,
    PRIMARY KEY (minute, entity_ref, name))`,
  `CREATE TABLE IF NOT EXISTS observe_metric_series (series_id TEXT PRIMARY KEY, entity_ref TEXT NOT NULL, service TEXT NOT NULL,
    name TEXT NOT NULL, description TEXT NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL, monotonic INTEGER NOT NULL,
    temporality TEXT NOT NULL, attributes TEXT NOT NULL, resource TEXT NOT NULL, start_us BIGINT NOT NULL, last_us BIGINT NOT NULL,
    last_value DOUBLE PRECISION NOT NULL, last_count DOUBLE PRECISION NOT NULL, last_buckets TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS observe_metric_series_entity ON observe_metric_series (entity_ref, name)`,
  `CREATE INDEX IF NOT EXISTS observe_metric_series_last ON observe_metric_series (last_us)`,
  `CREATE TABLE IF NOT EXISTS observe_metric_minute (series_id TEXT NOT NULL, minute BIGINT NOT NULL, points BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL, min DOUBLE PRECISION, max DOUBLE PRECISION, total DOUBLE PRECISION NOT NULL,
    count DOUBLE PRECISION NOT NULL, buckets TEXT NOT NULL, PRIMARY KEY (series_id, minute))`,
  `CREATE INDEX IF NOT EXISTS observe_metric_minute_minute ON observe_metric_minute (minute)`
]

/** The spans table's columns with their PostgreSQL types, for {@link PG_INSERT_SPANS}. */
const PG_SPAN_COLUMNS: ReadonlyArray<readonly [keyof SpanRow, string]> = [
  ["trace_id", "text"], ["span_id", "text"], ["parent_span_id", "text"], ["service", "text"], ["namespace", "text"],
  ["entity_ref", "text"], ["name", "text"], ["kind", "int"], ["start_us", "bigint"], ["duration_us", "bigint"],
  ["status", "int"], ["status_message", "text"], ["peer", "text"], ["attributes", "text"], ["resource", "text"], ["events", "text"]
]

/**
 * Spans into PostgreSQL: one array per column, one short statement per batch. Against a
 * multi-row `VALUES` list (16 parameters per span, a new statement text to parse and plan per
 * chunk) this halved the server's CPU per span and let the receiver reach the floor.
 */
const PG_INSERT_SPANS = `INSERT INTO observe_spans (${PG_SPAN_COLUMNS.map(([c]) => c).join(", ")})
  SELECT * FROM unnest(${PG_SPAN_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ")})
  ON CONFLICT (trace_id, span_id) DO NOTHING`

/** The key of a span as an insert returned it. */
type StoredKey = { readonly trace_id: StoredId; readonly span_id: StoredId }

/** 16 columns per span, under SQLite's and PostgreSQL's limits on bound parameters. */
const SPANS_PER_STATEMENT = 500

/**
 * The spans of a batch that an insert stored (it returned their keys), each (trace, span) once:
 * a span already stored, or a second copy in the same batch, is left out.
 */
const newlyStored = (spans: ReadonlyArray<SpanRecord>, stored: ReadonlyArray<StoredKey>): Array<SpanRecord> => {
  if (stored.length === spans.length) return [...spans]
  const byTrace = new Map<string, Set<string>>()
  for (const key of stored) {
    const traceId = idFromStored(key.trace_id)
    let spanIds = byTrace.get(traceId)
    if (spanIds === undefined) byTrace.set(traceId, spanIds = new Set())
    spanIds.add(idFromStored(key.span_id))
  }
  return spans.filter((span) => byTrace.get(span.traceId)?.delete(span.spanId) === true)
}

const statusCodes = { error: StatusCode.error, ok: StatusCode.ok, unset: StatusCode.unset } as const

/** A stored hex id as its bytes, any other text as it is (what `blobIds` does on insert). */
const hexToBytes = (column: string) =>
  `CASE WHEN length(${column}) > 0 AND length(${column}) % 2 = 0 AND ${column} NOT GLOB '*[^0-9a-f]*' THEN unhex(${column}) ELSE ${column} END`

/**
 * Converts a SQLite spans table from before ids were stored as bytes (its ids declared `TEXT`):
 * once, in one transaction, by copying it into a table declaring them `BLOB`.
 */
const sqliteIdsAsBytes = (sql: SqlClient.SqlClient) =>
  sql.withTransaction(Effect.gen(function*() {
    const [column] = yield* sql<{ type: string }>`SELECT type FROM pragma_table_info('observe_spans') WHERE name = 'trace_id'`
    if (column === undefined || column.type.toUpperCase() !== "TEXT") return
    yield* sql.unsafe("ALTER TABLE observe_spans RENAME TO observe_spans_text_ids")
    yield* sql.unsafe(spansTable("BLOB"))
    yield* sql.unsafe(`INSERT INTO observe_spans (trace_id, span_id, parent_span_id, ${SPAN_NAMES})
      SELECT ${hexToBytes("trace_id")}, ${hexToBytes("span_id")}, ${hexToBytes("parent_span_id")}, ${SPAN_NAMES}
      FROM observe_spans_text_ids ORDER BY rowid`)
    // Its indexes go with it; the caller creates them again on the new table.
    yield* sql.unsafe("DROP TABLE observe_spans_text_ids")
  }))

/** Creates the tables and indexes when missing. */
export const createTables = (sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    // SQLite: WAL is already on; NORMAL sync is durable across process crashes in WAL mode
    // and several times faster for the receiver's many small transactions.
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    if (!isPg) yield* sql.unsafe("PRAGMA synchronous = NORMAL")
    yield* sql.unsafe(spansTable(isPg ? "TEXT" : "BLOB"))
    if (!isPg) yield* sqliteIdsAsBytes(sql)
    for (const statement of [...SPAN_INDEXES, ...DDL]) yield* sql.unsafe(statement)
    // Log records of one millisecond keep the order they arrived in: SQLite orders ties by rowid;
    // PostgreSQL has no rowid, so its table gets a sequence column (added once to older tables).
    if (isPg) {
      const seq = yield* sql<{ n: number }>`SELECT COUNT(*)::int AS n FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'observe_logs' AND column_name = 'seq'`
      if (seq[0]?.n === 0) yield* sql.unsafe("ALTER TABLE observe_logs ADD COLUMN IF NOT EXISTS seq BIGSERIAL")
    }
  })

export const makeSqlStore = (
  sql: SqlClient.SqlClient,
  fail: (operation: string, cause: unknown) => SpanStore.SpanStoreError,
  writer?: Writer,
  options: SpanStore.StoreOptions = {}
): Effect.Effect<SpanStore.Service, SpanStore.SpanStoreError> =>
  Effect.gen(function*() {
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    const ids = isPg ? textIds : blobIds
    const attempt = <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>) =>
      Effect.mapError(effect, (cause) => fail(operation, cause))

    yield* attempt("create its tables", createTables(sql))

    const attributeEquals = (key: string, value: string): Fragment =>
      isPg
        ? sql`(attributes::jsonb ->> ${key}) = ${value}`
        : sql`CAST(json_extract(attributes, ${`$."${key.replace(/"/g, "")}"`}) AS TEXT) = ${value}`

    const serviceIs = (service: string): Fragment => sql`(service = ${service} OR entity_ref = ${service.toLowerCase()})`

    const insertSpans = (spans: ReadonlyArray<SpanRecord>) => {
      if (spans.length === 0) return Effect.void
      const resources = new Map<object, string>()
      const rows = spans.map((span) => spanRow(span, resources, ids))
      return attempt(
        `store ${spans.length} spans`,
        sql.withTransaction(Effect.gen(function*() {
          const stored: Array<StoredKey> = []
          if (isPg) {
            stored.push(...yield* sql.unsafe<StoredKey>(
              `${PG_INSERT_SPANS} RETURNING trace_id, span_id`,
              PG_SPAN_COLUMNS.map(([column]) => rows.map((row) => row[column]))
            ))
          } else {
            for (let i = 0; i < rows.length; i += SPANS_PER_STATEMENT) {
              stored.push(...yield* sql<StoredKey>`INSERT INTO observe_spans ${sql.insert(rows.slice(i, i + SPANS_PER_STATEMENT))}
                ON CONFLICT (trace_id, span_id) DO NOTHING RETURNING trace_id, span_id`)
            }
          }
          // Only spans stored now count in RED: a retried export must not count twice.
          const rollups = rollupsOf(newlyStored(spans, stored))
          if (rollups.length === 0) return
          // Rollups are read, merged and written back; the advisory lock serializes this between
          // PostgreSQL writers (SQLite serializes writers by itself).
          if (isPg) yield* sql`SELECT pg_advisory_xact_lock(7305020110)`
          const previous = yield* sql<RollupRow>`
            SELECT minute, entity_ref, name, count, errors, sum_us, hist FROM observe_red_minute
            WHERE ${sql.in("minute", [...new Set(rollups.map((r) => r.minute))])}
              AND ${sql.in("entity_ref", [...new Set(rollups.map((r) => r.entity_ref))])}`
          const byKey = new Map(previous.map((row) => [rollupKey(Number(row.minute), row.entity_ref, row.name), row]))
          const merged = mergeRollups(rollups, (r) => byKey.get(rollupKey(r.minute, r.entity_ref, r.name)))
          yield* insertChunks(merged, 8, (chunk) =>
            sql`INSERT INTO observe_red_minute ${sql.insert(chunk)} ON CONFLICT (minute, entity_ref, name) DO UPDATE SET
              count = excluded.count, errors = excluded.errors, sum_us = excluded.sum_us, hist = excluded.hist`)
        }))
      )
    }

    const insertLogs = (logs: ReadonlyArray<LogRecord>) => {
      if (logs.length === 0) return Effect.void
      const rows = logs.map((log) => ({
        time_us: log.timeUs,
        trace_id: log.traceId,
        span_id: log.spanId,
        service: log.service,
        entity_ref: log.entityRef,
        severity_number: log.severityNumber,
        severity_text: log.severityText,
        body: JSON.stringify(log.body),
        attributes: JSON.stringify(log.attributes)
      }))
      return attempt(
        `store ${logs.length} log records`,
        sql.withTransaction(insertChunks(rows, 9, (chunk) => sql`INSERT INTO observe_logs ${sql.insert(chunk)}`))
      )
    }

    const maxSeries = options.maxMetricSeries ?? DEFAULT_MAX_SERIES
    let seriesCount: number | undefined
    const insertMetrics = (points: ReadonlyArray<MetricPoint>) => {
      if (points.length === 0) return Effect.succeed({ rejected: 0, reason: "" })
      return attempt(
        `store ${points.length} metric data points`,
        sql.withTransaction(Effect.gen(function*() {
          // Series and minutes are read, merged and written back: serialized between writers.
          if (isPg) yield* sql`SELECT pg_advisory_xact_lock(7305020111)`
          if (seriesCount === undefined) {
            const [row] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM observe_metric_series`
            seriesCount = Number(row?.n ?? 0)
          }
          const ids = [...new Set(points.map(seriesIdOf))]
          const minutes = [...new Set(points.map((p) => Math.floor(p.timeUs / MINUTE_US)))]
          const seriesRows: Array<SeriesRow> = []
          const minuteRows: Array<MinuteRow> = []
          for (let i = 0; i < ids.length; i += 5000) {
            const chunk = ids.slice(i, i + 5000)
            seriesRows.push(...(yield* sql<SeriesRow>`SELECT * FROM observe_metric_series WHERE ${sql.in("series_id", chunk)}`))
            minuteRows.push(...(yield* sql<MinuteRow>`SELECT * FROM observe_metric_minute WHERE ${sql.in("series_id", chunk)} AND ${sql.in("minute", minutes)}`))
          }
          const bySeries = new Map(seriesRows.map((r) => [r.series_id, r]))
          const byMinute = new Map(minuteRows.map((r) => [minuteKey(r.series_id, Number(r.minute)), r]))
          let admitted = seriesCount
          const result = applyPoints(points, (id) => bySeries.get(id), (id, minute) => byMinute.get(minuteKey(id, minute)), () => admitted++ < maxSeries)
          yield* insertChunks(result.series, SERIES_COLUMNS.length, (chunk) =>
            sql`INSERT INTO observe_metric_series ${sql.insert(chunk)} ON CONFLICT (series_id) DO UPDATE SET
              start_us = excluded.start_us, last_us = excluded.last_us, last_value = excluded.last_value,
              last_count = excluded.last_count, last_buckets = excluded.last_buckets, resource = excluded.resource`)
          yield* insertChunks(result.minutes, MINUTE_COLUMNS.length, (chunk) =>
            sql`INSERT INTO observe_metric_minute ${sql.insert(chunk)} ON CONFLICT (series_id, minute) DO UPDATE SET
              points = excluded.points, value = excluded.value, min = excluded.min, max = excluded.max,
              total = excluded.total, count = excluded.count, buckets = excluded.buckets`)
          seriesCount = Math.min(admitted, maxSeries)
          return { rejected: result.rejected, reason: result.rejected > 0 ? seriesLimitReason(maxSeries) : "" }
        }))
      ).pipe(Effect.tapError(() => Effect.sync(() => (seriesCount = undefined))))
    }

    const metricSeries = (query: Metric.SeriesQuery = {}) => {
      const { fromUs, untilUs } = windowBounds(query)
      const clauses: Array<Fragment> = [sql`last_us >= ${fromUs}`, sql`last_us < ${untilUs}`]
      if (query.service !== undefined) clauses.push(serviceIs(query.service))
      if (query.name !== undefined) clauses.push(sql`name = ${query.name}`)
      const limit = Math.max(1, Math.min(query.limit ?? 1000, 100_000))
      return attempt(
        "list metric series",
        sql<SeriesRow>`SELECT * FROM observe_metric_series WHERE ${sql.and(clauses)} ORDER BY entity_ref, name, attributes LIMIT ${limit}`.pipe(
          Effect.map((rows) => rows.map(seriesFromRow))
        )
      )
    }

    const metricWindow = (seriesId: string, window: SpanStore.Window = {}) => {
      const bounds = windowBounds(window)
      const fromMinute = Math.floor(bounds.fromUs / MINUTE_US)
      const untilMinute = Math.floor((bounds.untilUs - 1) / MINUTE_US)
      return attempt(
        `read metric series ${seriesId}`,
        Effect.gen(function*() {
          const [row] = yield* sql<SeriesRow>`SELECT * FROM observe_metric_series WHERE series_id = ${seriesId}`
          if (row === undefined) return Option.none()
          const minutes = yield* sql<MinuteRow>`SELECT * FROM observe_metric_minute WHERE series_id = ${seriesId}
            AND minute >= ${fromMinute} AND minute <= ${untilMinute} ORDER BY minute`
          return Option.some(seriesWindow(seriesFromRow(row), minutes, bounds))
        })
      )
    }

    const searchTraces = (query: SpanStore.TraceQuery = {}) => {
      const { fromUs, untilUs } = windowBounds(query)
      const clauses: Array<Fragment> = [sql`start_us >= ${fromUs}`, sql`start_us < ${untilUs}`]
      if (query.service !== undefined) clauses.push(serviceIs(query.service))
      if (query.operation !== undefined) clauses.push(sql`name = ${query.operation}`)
      if (query.status !== undefined) clauses.push(sql`status = ${statusCodes[query.status]}`)
      if (query.minDurationMs !== undefined) clauses.push(sql`duration_us >= ${Math.round(query.minDurationMs * 1000)}`)
      if (query.maxDurationMs !== undefined) clauses.push(sql`duration_us <= ${Math.round(query.maxDurationMs * 1000)}`)
      for (const [key, value] of Object.entries(query.attributes ?? {})) clauses.push(attributeEquals(key, value))
      const limit = Math.max(1, Math.min(query.limit ?? 20, 1000))
      return attempt(
        "search traces",
        Effect.gen(function*() {
          const found = yield* sql<{ trace_id: StoredId; latest: number }>`
            SELECT trace_id, MAX(start_us) AS latest FROM observe_spans WHERE ${sql.and(clauses)}
            GROUP BY trace_id ORDER BY latest DESC LIMIT ${limit}`
          if (found.length === 0) return []
          const rows = yield* sql<Pick<SpanRow, "trace_id" | "parent_span_id" | "service" | "name" | "start_us" | "duration_us" | "status">>`
            SELECT trace_id, parent_span_id, service, name, start_us, duration_us, status
            FROM observe_spans WHERE ${sql.in("trace_id", found.map((row) => row.trace_id))}`
          const byTrace = new Map<string, Array<(typeof rows)[number]>>()
          for (const row of rows) {
            const traceId = idFromStored(row.trace_id)
            const list = byTrace.get(traceId) ?? []
            list.push(row)
            byTrace.set(traceId, list)
          }
          return found.map((row) => idFromStored(row.trace_id)).map((traceId): SpanStore.TraceSummary => {
            const spans = byTrace.get(traceId) ?? []
            const startUs = spans.reduce((min, s) => Math.min(min, Number(s.start_us)), Number.POSITIVE_INFINITY)
            const endUs = spans.reduce((max, s) => Math.max(max, Number(s.start_us) + Number(s.duration_us)), Number.NEGATIVE_INFINITY)
            const root = spans.find((s) => idFromStored(s.parent_span_id) === "") ??
              spans.reduce((a, b) => (Number(a.start_us) <= Number(b.start_us) ? a : b))
            return {
              traceId,
              rootService: root.service,
              rootName: root.name,
              startUs,
              durationUs: endUs - startUs,
              spanCount: spans.length,
              errorCount: spans.filter((s) => Number(s.status) === StatusCode.error).length,
              services: [...new Set(spans.map((s) => s.service))].sort()
            }
          })
        })
      )
    }

    const trace = (traceId: string) =>
      attempt(
        `read trace ${traceId}`,
        sql<SpanRow>`SELECT * FROM observe_spans WHERE trace_id = ${ids(traceId.toLowerCase())} ORDER BY start_us`.pipe(
          Effect.map((rows) => (rows.length === 0 ? Option.none() : Option.some(buildTree(traceId.toLowerCase(), rows.map(spanFromRow)))))
        )
      )

    const red = (query: SpanStore.RedQuery = {}) => {
      const bounds = windowBounds(query)
      const fromMinute = Math.floor(bounds.fromUs / MINUTE_US)
      const untilMinute = Math.floor((bounds.untilUs - 1) / MINUTE_US)
      const clauses: Array<Fragment> = [sql`minute >= ${fromMinute}`, sql`minute <= ${untilMinute}`]
      if (query.operation !== undefined) clauses.push(sql`name = ${query.operation}`)
      const totalClauses = query.service === undefined ? clauses : [...clauses, serviceIs(query.service)]
      return attempt(
        "compute RED",
        Effect.gen(function*() {
          const rows = yield* sql<RollupRow>`
            SELECT minute, entity_ref, service, name, count, errors, sum_us, hist FROM observe_red_minute WHERE ${sql.and(totalClauses)}`
          return redRows(rows, query.groupBy ?? "operation", bounds)
        })
      )
    }

    const serviceMap = (window: SpanStore.Window = {}) => {
      const { fromUs, untilUs } = windowBounds(window)
      return attempt(
        "compute the service map",
        Effect.gen(function*() {
          const viaSpans = yield* sql<{ source_ref: string; source: string; target_ref: string; target: string; calls: number; errors: number }>`
            SELECT p.entity_ref AS source_ref, MAX(p.service) AS source, c.entity_ref AS target_ref, MAX(c.service) AS target,
              COUNT(*) AS calls, SUM(CASE WHEN c.status = 2 THEN 1 ELSE 0 END) AS errors
            FROM observe_spans c JOIN observe_spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
            WHERE c.start_us >= ${fromUs} AND c.start_us < ${untilUs} AND c.parent_span_id <> '' AND p.entity_ref <> c.entity_ref
            GROUP BY p.entity_ref, c.entity_ref`
          const viaPeer = yield* sql<{ source_ref: string; source: string; target: string; calls: number; errors: number }>`
            SELECT s.entity_ref AS source_ref, MAX(s.service) AS source, s.peer AS target, COUNT(*) AS calls,
              SUM(CASE WHEN s.status = 2 THEN 1 ELSE 0 END) AS errors
            FROM observe_spans s
            WHERE s.start_us >= ${fromUs} AND s.start_us < ${untilUs} AND s.kind IN (${SpanKind.client}, ${SpanKind.producer}) AND s.peer <> ''
              AND NOT EXISTS (SELECT 1 FROM observe_spans c WHERE c.trace_id = s.trace_id AND c.parent_span_id = s.span_id)
            GROUP BY s.entity_ref, s.peer`
          const edges: Array<SpanStore.ServiceEdge> = [
            ...viaSpans.map((e) => ({ sourceRef: e.source_ref, source: e.source, targetRef: e.target_ref, target: e.target, via: "spans" as const, calls: Number(e.calls), errors: Number(e.errors) })),
            ...viaPeer.map((e) => ({ sourceRef: e.source_ref, source: e.source, targetRef: "", target: e.target, via: "peer" as const, calls: Number(e.calls), errors: Number(e.errors) }))
          ]
          return edges.sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target))
        })
      )
    }

    const services = (window: SpanStore.Window = {}) => {
      const { fromUs, untilUs } = windowBounds(window)
      return attempt(
        "list the services seen",
        sql<{ entity_ref: string; service: string; namespace: string; spans: number; first_us: number; last_us: number }>`
          SELECT entity_ref, MAX(service) AS service, MAX(namespace) AS namespace, COUNT(*) AS spans,
            MIN(start_us) AS first_us, MAX(start_us) AS last_us
          FROM observe_spans WHERE start_us >= ${fromUs} AND start_us < ${untilUs} GROUP BY entity_ref ORDER BY entity_ref`.pipe(
          Effect.map((rows) => rows.map((r): SpanStore.ObservedService => ({
            entityRef: r.entity_ref,
            service: r.service,
            namespace: r.namespace,
            spans: Number(r.spans),
            firstSeenUs: Number(r.first_us),
            lastSeenUs: Number(r.last_us)
          })))
        )
      )
    }

    const logs = (query: SpanStore.LogQuery = {}) => {
      const { fromUs, untilUs } = windowBounds(query)
      const clauses: Array<Fragment> = [sql`time_us >= ${fromUs}`, sql`time_us < ${untilUs}`]
      if (query.service !== undefined) clauses.push(serviceIs(query.service))
      if (query.traceId !== undefined) clauses.push(sql`trace_id = ${query.traceId.toLowerCase()}`)
      if (query.minSeverity !== undefined) clauses.push(sql`severity_number >= ${query.minSeverity}`)
      if (query.contains !== undefined && query.contains !== "") {
        // The body is stored as JSON text: search for the text as JSON writes it.
        const needle = JSON.stringify(query.contains).slice(1, -1)
        clauses.push(isPg ? sql`strpos(body, ${needle}) > 0` : sql`instr(body, ${needle}) > 0`)
      }
      const limit = Math.max(1, Math.min(query.limit ?? 100, 10_000))
      const order = query.oldestFirst === true
        ? (isPg ? sql`ORDER BY time_us ASC, seq ASC` : sql`ORDER BY time_us ASC, rowid ASC`)
        : (isPg ? sql`ORDER BY time_us DESC, seq DESC` : sql`ORDER BY time_us DESC, rowid DESC`)
      return attempt(
        "search logs",
        sql`SELECT * FROM observe_logs WHERE ${sql.and(clauses)} ${order} LIMIT ${limit}`.pipe(
          Effect.map((rows) => rows.map(logFromRow))
        )
      )
    }

    const prune = (retention: SpanStore.Retention) =>
      attempt(
        "apply retention",
        sql.withTransaction(Effect.gen(function*() {
          let cutoffUs = Number.NEGATIVE_INFINITY
          if (retention.maxAge !== undefined) cutoffUs = windowBounds({ since: retention.maxAge }).fromUs
          if (retention.maxSpans !== undefined) {
            const nth = yield* sql<{ start_us: number }>`
              SELECT start_us FROM observe_spans ORDER BY start_us DESC LIMIT 1 OFFSET ${Math.max(0, Math.floor(retention.maxSpans))}`
            if (nth.length > 0) cutoffUs = Math.max(cutoffUs, Number(nth[0]!.start_us) + 1)
          }
          if (cutoffUs === Number.NEGATIVE_INFINITY) return { spans: 0, logs: 0 }
          const [spanCount] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM observe_spans WHERE start_us < ${cutoffUs}`
          const [logCount] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM observe_logs WHERE time_us < ${cutoffUs}`
          yield* sql`DELETE FROM observe_spans WHERE start_us < ${cutoffUs}`
          yield* sql`DELETE FROM observe_logs WHERE time_us < ${cutoffUs}`
          // Rollups go only by age: they are small, and RED over a window should not change
          // because the raw spans behind it were trimmed for size.
          if (retention.maxAge !== undefined) {
            const minute = Math.floor(windowBounds({ since: retention.maxAge }).fromUs / MINUTE_US)
            yield* sql`DELETE FROM observe_red_minute WHERE minute < ${minute}`
            yield* sql`DELETE FROM observe_metric_minute WHERE minute < ${minute}`
            yield* sql`DELETE FROM observe_metric_series WHERE last_us < ${minute * MINUTE_US}`
            seriesCount = undefined
          }
          return { spans: Number(spanCount?.n ?? 0), logs: Number(logCount?.n ?? 0) }
        }))
      )

    if (writer !== undefined) {
      return {
        insertSpans: (spans: ReadonlyArray<SpanRecord>) => attempt(`store ${spans.length} spans`, writer.insertSpans(spans)),
        insertLogs: (records: ReadonlyArray<LogRecord>) => attempt(`store ${records.length} log records`, writer.insertLogs(records)),
        insertMetrics: (points: ReadonlyArray<MetricPoint>) => attempt(`store ${points.length} metric data points`, writer.insertMetrics(points)),
        metricSeries,
        metricWindow,
        searchTraces,
        trace,
        red,
        serviceMap,
        services,
        logs,
        prune: (retention: SpanStore.Retention) =>
          attempt(
            "apply retention",
            writer.prune(
              retention.maxAge === undefined ? undefined : windowBounds({ since: retention.maxAge }).fromUs,
              retention.maxSpans
            )
          )
      }
    }
    return { insertSpans, insertLogs, insertMetrics, metricSeries, metricWindow, searchTraces, trace, red, serviceMap, services, logs, prune }
  })

const redRows = (
  rows: ReadonlyArray<RollupRow>,
  groupBy: "operation" | "service",
  bounds: Bounds
): Array<SpanStore.RedRow> => {
  const groups = new Map<string, { entityRef: string; service: string; operation: string; count: number; errors: number; sumUs: number; hist: Map<number, number>; range: Range; firstMinute: number }>()
  for (const row of rows) {
    const key = groupBy === "service" ? row.entity_ref : JSON.stringify([row.entity_ref, row.name])
    let group = groups.get(key)
    if (group === undefined) {
      group = { entityRef: row.entity_ref, service: row.service, operation: groupBy === "service" ? "*" : row.name, count: 0, errors: 0, sumUs: 0, hist: new Map<number, number>(), range: emptyRange(), firstMinute: Number.POSITIVE_INFINITY }
      groups.set(key, group)
    }
    group.count += Number(row.count)
    group.errors += Number(row.errors)
    group.sumUs += Number(row.sum_us)
    group.firstMinute = Math.min(group.firstMinute, Number(row.minute))
    addEncodedHistogram(group.hist, row.hist, group.range)
  }
  const ms = (us: number) => Math.round(us) / 1000
  return [...groups.values()]
    .map((g): SpanStore.RedRow => {
      // The rate is over the active window: from the first minute with requests to the end of
      // the window (at least a minute), so a burst is not averaged over a mostly empty hour.
      const activeFromUs = Math.max(bounds.fromUs, g.firstMinute * MINUTE_US)
      const seconds = Math.max(60, (bounds.untilUs - activeFromUs) / 1e6)
      return {
        entityRef: g.entityRef,
        service: g.service,
        operation: g.operation,
        count: g.count,
        ratePerSecond: g.count / seconds,
        errors: g.errors,
        errorRatio: g.count === 0 ? 0 : g.errors / g.count,
        meanMs: g.count === 0 ? 0 : ms(g.sumUs / g.count),
        p50Ms: ms(clampedQuantile(g.hist, 0.5, g.range)),
        p95Ms: ms(clampedQuantile(g.hist, 0.95, g.range)),
        p99Ms: ms(clampedQuantile(g.hist, 0.99, g.range))
      }
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation))
}
