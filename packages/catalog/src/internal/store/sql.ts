/**
 * The SQL backend, shared by SQLite and PostgreSQL: the same tables and statements, `?`
 * placeholders rewritten to `$n` for PostgreSQL. Writers take a lock as the first statement of
 * their transaction (SQLite: a write, which waits on `busy_timeout`; PostgreSQL: an advisory
 * transaction lock), so concurrent ingests — in one process or many — run one after another.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import { StoreError, type RelationEdge, type StoredEntity } from "./model.js"
import type { Entity } from "../../Entity.js"
import type { EntityRef } from "../../EntityRef.js"
import type { Change, HistoryEntry } from "../../History.js"
import type { Backend, LocationRecord, Plan, SortedRow, Tx } from "./backend.js"
import { chunksOf } from "./backend.js"
import { type Dialect, lockStatement, migrate } from "./migrations.js"
import { canonicalJson, type RecordHead, searchOf } from "./records.js"
import { countQuery, entityColumns as ENTITY_COLUMNS, facetQuery, type Fragment, pageQuery, placeholders } from "./sqlQuery.js"

type Row = Record<string, unknown>

const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v))
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

const toPg = (text: string): string => {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}

const toStored = (r: Row): StoredEntity => ({
  ref: str(r.ref) as EntityRef,
  entity: JSON.parse(str(r.entity_json)) as Entity,
  location: str(r.location),
  file: str(r.file),
  line: numOrNull(r.line),
  column: numOrNull(r.col),
  hash: str(r.hash),
  problems: JSON.parse(str(r.problems_json)) as StoredEntity["problems"],
  firstSeen: str(r.first_seen),
  lastChanged: str(r.last_changed),
  orphan: Number(r.orphan) === 1,
  owner: strOrNull(r.owner)
})

/** Builds the SQL backend over the `SqlClient` in the context, migrating the schema first. */
export const makeSqlBackend: Effect.Effect<Backend, StoreError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect: Dialect = sql.onDialectOrElse({ orElse: () => "sqlite" as Dialect, pg: () => "pg" as Dialect })
  const fail = (operation: string) => (error: SqlError) =>
    new StoreError({ operation, detail: `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}`, cause: error })

  const run = (text: string, params: ReadonlyArray<unknown> = []): Effect.Effect<ReadonlyArray<Row>, SqlError> =>
    sql.unsafe<Row>(dialect === "pg" ? toPg(text) : text, params)
  const runFragment = (f: Fragment) => run(f.text, f.params)

  if (dialect === "sqlite") {
    // Waits for another process's ingest instead of failing with SQLITE_BUSY.
    yield* run("PRAGMA busy_timeout = 120000").pipe(Effect.mapError(fail("open")))
    // WAL makes NORMAL crash-safe: a killed process leaves the previous or the new state, never a
    // mix, and never loses a committed ingest; a power loss or OS crash may lose the last committed
    // ingest (no fsync per commit), never corrupt the file. A bigger page cache keeps index
    // inserts of a large ingest in memory.
    yield* run("PRAGMA synchronous = NORMAL").pipe(Effect.mapError(fail("open")))
    yield* run("PRAGMA cache_size = -65536").pipe(Effect.mapError(fail("open")))
    // Every multi-row INSERT inside the ingest transaction keeps a statement journal (the pages it
    // touches, to undo just that statement on a constraint error). In a temp file that was ~40
    // small pwrite calls per entity (875k for 20k entities, a third of the ingest's CPU time as
    // system time); in memory it is a few hundred KB per statement, freed when the statement ends.
    // Crash safety does not depend on it: the WAL alone decides what a killed process left behind.
    yield* run("PRAGMA temp_store = MEMORY").pipe(Effect.mapError(fail("open")))
  }
  yield* migrate(sql, dialect).pipe(Effect.mapError(fail("migrate")))

  // Multi-row INSERTs of at most ~900 parameters (SQLite's and PostgreSQL's limits are higher);
  // the statement text per (table, row count) is built once, so SQLite's prepare cache hits.
  const insertText = new Map<string, string>()
  const insertRows = (table: string, columns: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<unknown>>) =>
    Effect.forEach(chunksOf(rows, Math.max(1, Math.floor(900 / columns.length))), (chunk) => {
      const id = `${table}:${chunk.length}`
      let text = insertText.get(id)
      if (text === undefined) {
        const row = `(${placeholders(columns.length)})`
        text = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${Array.from({ length: chunk.length }, () => row).join(", ")}`
        insertText.set(id, text)
      }
      const params: Array<unknown> = []
      for (const r of chunk) for (const v of r) params.push(v)
      return run(text, params)
    }, { discard: true })

  const deleteRefs = (table: string, column: string, refs: ReadonlyArray<string>) =>
    Effect.forEach(chunksOf(refs, 500), (chunk) =>
      run(`DELETE FROM ${table} WHERE ${column} IN (${placeholders(chunk.length)})`, chunk), { discard: true })

  const apply = (plan: Plan) =>
    Effect.gen(function*() {
      const touched = [...plan.deletes, ...plan.replaced]
      yield* deleteRefs("catalog_search", "ref", touched)
      yield* deleteRefs("catalog_relations", "source_ref", touched)
      yield* deleteRefs("catalog_entities", "ref", touched)
      // Rows are derived chunk by chunk, so memory stays flat however large the ingest.
      for (const batch of chunksOf(plan.upserts, 500)) {
        yield* insertRows(
          "catalog_entities",
          ["ref", "kind", "namespace", "name", "entity_json", "hash", "location", "file", "line", "col", "problems_json",
            "first_seen", "last_changed", "orphan", "owner", "search_text"],
          batch.map((u) => [
            u.ref, u.kind, u.namespace, u.name, u.entityJson, u.hash, u.location, u.file, u.line, u.column,
            canonicalJson(u.problems), u.firstSeen, u.lastChanged, u.orphan ? 1 : 0, u.owner, u.text
          ])
        )
        yield* insertRows(
          "catalog_search",
          ["ref", "key", "value", "raw"],
          batch.flatMap((u) => searchOf(u).map((p) => [u.ref, p.key, p.value ?? "", p.raw ?? ""]))
        )
        yield* insertRows(
          "catalog_relations",
          ["source_ref", "type", "target_ref"],
          batch.flatMap((u) => u.edges.map((e) => [e.source, e.type, e.target]))
        )
      }
      yield* insertRows(
        "catalog_history",
        ["ref", "at", "location", "change", "detail", "paths_json", "owner_before", "owner_after"],
        plan.history.map((h) => [h.ref, h.at, h.location, h.change, h.detail, JSON.stringify(h.paths), h.ownerBefore, h.ownerAfter])
      )
      yield* deleteRefs("catalog_locations", "location", [...plan.removedLocations, ...plan.locations.map((l) => l.location)])
      yield* insertRows(
        "catalog_locations",
        ["location", "file", "ok", "problems_json", "last_ingested", "entity_count"],
        plan.locations.map((l) => [l.location, l.file, l.ok ? 1 : 0, JSON.stringify(l.problems), l.lastIngested, l.entityCount])
      )
    })

  const tx: Tx = {
    heads: run(`SELECT ref, location, file, hash, problems_json, line, col, orphan, first_seen, last_changed FROM catalog_entities`).pipe(
      Effect.map((rows) =>
        rows.map((r): RecordHead => ({
          ref: str(r.ref) as EntityRef,
          location: str(r.location),
          file: str(r.file),
          hash: str(r.hash),
          problemsJson: str(r.problems_json),
          line: numOrNull(r.line),
          column: numOrNull(r.col),
          orphan: Number(r.orphan) === 1,
          firstSeen: str(r.first_seen),
          lastChanged: str(r.last_changed)
        }))
      ),
      Effect.mapError(fail("read entity heads"))
    ),
    locations: run(`SELECT * FROM catalog_locations ORDER BY location`).pipe(
      Effect.map((rows) => rows.map(toLocation)),
      Effect.mapError(fail("read locations"))
    ),
    entities: (refs) =>
      Effect.forEach(chunksOf(refs, 500), (chunk) =>
        run(`SELECT ref, entity_json FROM catalog_entities WHERE ref IN (${placeholders(chunk.length)})`, chunk)).pipe(
          Effect.map((chunks) => new Map(chunks.flat().map((r) => [str(r.ref), JSON.parse(str(r.entity_json)) as Entity]))),
          Effect.mapError(fail("read previous entities"))
        ),
    apply: (plan) =>
      apply(plan).pipe(
        Effect.tap(() => {
          if (plan.upserts.length + plan.deletes.length >= MAINTENANCE_THRESHOLD) needsMaintenance = true
        }),
        Effect.mapError(fail("write the ingest"))
      )
  }

  // After a large ingest PostgreSQL has neither statistics nor visibility bits for the new rows,
  // so it plans heap scans where index-only scans would do (10x slower filters and facets until
  // autovacuum comes by). VACUUM cannot run in a transaction; it runs after the commit, and a
  // failure there never fails the ingest that already committed.
  let needsMaintenance = false
  const maintenance = Effect.suspend(() => {
    if (dialect !== "pg" || !needsMaintenance) return Effect.void
    needsMaintenance = false
    return run("VACUUM (ANALYZE) catalog_search, catalog_entities, catalog_relations").pipe(
      Effect.catchAll((error) => Effect.logWarning(`catalog store: VACUUM ANALYZE after a large ingest failed: ${error.message}`))
    )
  })

  const backend: Backend = {
    kind: dialect,
    transaction: (f) =>
      Effect.zipRight(
        run(lockStatement(dialect, "catalog_lock")).pipe(Effect.mapError(fail("take the ingest lock"))),
        f(tx)
      ).pipe(
        sql.withTransaction,
        Effect.catchIf((e): e is SqlError => e instanceof SqlError, (e) => Effect.fail(fail("commit the ingest")(e))),
        Effect.tap(() => maintenance)
      ),
    getMany: (refs) =>
      Effect.forEach(chunksOf(refs, 500), (chunk) =>
        run(`SELECT ${ENTITY_COLUMNS} FROM catalog_entities e WHERE e.ref IN (${placeholders(chunk.length)}) ORDER BY e.ref`, chunk)).pipe(
          Effect.map((chunks) => chunks.flat().map(toStored)),
          Effect.mapError(fail("read entities"))
        ),
    query: (q) =>
      Effect.all({ rows: runFragment(pageQuery(q)), count: runFragment(countQuery(q)) }).pipe(
        Effect.map(({ rows, count }) => ({
          rows: rows.map((r): SortedRow => ({ item: toStored(r), sortValue: str(r.sort_value) })),
          total: Number(count[0]?.n ?? 0)
        })),
        Effect.mapError(fail("query"))
      ),
    facets: (field, filter, terms) =>
      runFragment(facetQuery(field, filter, terms)).pipe(
        Effect.map((rows) => rows.map((r) => ({ value: str(r.value), count: Number(r.n) }))),
        Effect.mapError(fail("facets"))
      ),
    edges: (refs, direction, types) => {
      const column = direction === "out" ? "source_ref" : "target_ref"
      const typeClause = types === undefined ? "" : ` AND type IN (${placeholders(types.length)})`
      if (types !== undefined && types.length === 0) return Effect.succeed([])
      return Effect.forEach(chunksOf(refs, 500), (chunk) =>
        run(
          `SELECT source_ref, type, target_ref FROM catalog_relations WHERE ${column} IN (${placeholders(chunk.length)})${typeClause}`,
          [...chunk, ...(types ?? [])]
        )).pipe(
          Effect.map((chunks) =>
            chunks.flat()
              .map(toEdge)
              .sort((a, b) => cmp(a.source, b.source) || cmp(a.type, b.type) || cmp(a.target, b.target))
          ),
          Effect.mapError(fail("read relations"))
        )
    },
    allEdges: (types) => {
      if (types !== undefined && types.length === 0) return Effect.succeed([])
      return run(
        `SELECT source_ref, type, target_ref FROM catalog_relations${types === undefined ? "" : ` WHERE type IN (${placeholders(types.length)})`}
          ORDER BY source_ref, type, target_ref`,
        types ?? []
      ).pipe(
        Effect.map((rows) => rows.map(toEdge)),
        Effect.mapError(fail("read relations"))
      )
    },
    history: (q) => {
      const where: Array<string> = []
      const params: Array<unknown> = []
      if (q.ref !== undefined) {
        where.push("ref = ?")
        params.push(q.ref)
      }
      if (q.since !== undefined) {
        where.push("at >= ?")
        params.push(q.since)
      }
      return run(
        `SELECT * FROM catalog_history ${where.length === 0 ? "" : "WHERE " + where.join(" AND ")} ORDER BY id DESC LIMIT ?`,
        [...params, q.limit]
      ).pipe(
        Effect.map((rows) =>
          rows.map((r): HistoryEntry => ({
            id: Number(r.id),
            ref: str(r.ref) as EntityRef,
            at: str(r.at),
            location: strOrNull(r.location),
            change: str(r.change) as Change,
            detail: str(r.detail),
            paths: JSON.parse(str(r.paths_json)) as Array<string>,
            ownerBefore: strOrNull(r.owner_before),
            ownerAfter: strOrNull(r.owner_after)
          }))
        ),
        Effect.mapError(fail("read history"))
      )
    },
    locations: tx.locations,
    count: run(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM catalog_entities`).pipe(
      Effect.map((rows) => Number(rows[0]?.n ?? 0)),
      Effect.mapError(fail("count"))
    )
  }
  return backend
})

const toEdge = (r: Row): RelationEdge => ({
  source: str(r.source_ref) as EntityRef,
  type: str(r.type),
  target: str(r.target_ref) as EntityRef
})

/** Ingests writing at least this many entities are followed by VACUUM ANALYZE on PostgreSQL. */
const MAINTENANCE_THRESHOLD = 1000

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const toLocation = (r: Row): LocationRecord => ({
  location: str(r.location),
  file: str(r.file),
  ok: Number(r.ok) === 1,
  problems: JSON.parse(str(r.problems_json)) as LocationRecord["problems"],
  lastIngested: str(r.last_ingested),
  entityCount: Number(r.entity_count)
})
