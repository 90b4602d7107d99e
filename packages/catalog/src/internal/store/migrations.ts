/**
 * Versioned schema migrations, one list for SQLite and PostgreSQL. Applied versions are kept in
 * `paved_catalog_migrations`; a migration runs once, inside the same lock as ingestion, so two
 * processes opening a new store do not race.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import type { SqlError } from "@effect/sql/SqlError"

/** The SQL dialects the store speaks. */
export type Dialect = "sqlite" | "pg"

interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: (d: Dialect) => ReadonlyArray<string>
}

// Text columns compare byte-wise in both dialects (PostgreSQL's "C" collation), so ordering and
// cursors agree across backends.
const text = (d: Dialect) => (d === "pg" ? `TEXT COLLATE "C"` : "TEXT")

/** Every migration, in order. Never edit one that has shipped; append a new version. */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "entities, relations, search, history, locations",
    statements: (d) => [
      `CREATE TABLE catalog_entities (
        ref ${text(d)} PRIMARY KEY,
        kind ${text(d)} NOT NULL,
        namespace ${text(d)} NOT NULL,
        name ${text(d)} NOT NULL,
        entity_json TEXT NOT NULL,
        hash TEXT NOT NULL,
        location ${text(d)} NOT NULL,
        file TEXT NOT NULL,
        line INTEGER,
        col INTEGER,
        problems_json TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_changed TEXT NOT NULL,
        orphan INTEGER NOT NULL,
        owner ${text(d)},
        search_text TEXT NOT NULL
      )`,
      `CREATE INDEX catalog_entities_location ON catalog_entities (location)`,
      `CREATE TABLE catalog_relations (
        source_ref ${text(d)} NOT NULL,
        type ${text(d)} NOT NULL,
        target_ref ${text(d)} NOT NULL,
        PRIMARY KEY (source_ref, type, target_ref)
      )`,
      `CREATE INDEX catalog_relations_target ON catalog_relations (target_ref, type)`,
      // The table is its own (ref, key, value) index (SQLite: WITHOUT ROWID), and the second index
      // covers (key, value, raw, ref): filters start from one and probe the other, facets read
      // the second without touching the table. '' stands for "the key exists, no usable value".
      `CREATE TABLE catalog_search (
        ref ${text(d)} NOT NULL,
        key ${text(d)} NOT NULL,
        value ${text(d)} NOT NULL,
        raw ${text(d)} NOT NULL,
        PRIMARY KEY (ref, key, value)
      )${d === "sqlite" ? " WITHOUT ROWID" : ""}`,
      `CREATE INDEX catalog_search_key_value ON catalog_search (key, value, raw${d === "pg" ? ", ref" : ""})`,
      d === "pg"
        ? `CREATE TABLE catalog_history (id SERIAL PRIMARY KEY, ref ${text(d)} NOT NULL, at TEXT NOT NULL, location TEXT,
            change TEXT NOT NULL, detail TEXT NOT NULL, paths_json TEXT NOT NULL, owner_before TEXT, owner_after TEXT)`
        : `CREATE TABLE catalog_history (id INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, at TEXT NOT NULL, location TEXT,
            change TEXT NOT NULL, detail TEXT NOT NULL, paths_json TEXT NOT NULL, owner_before TEXT, owner_after TEXT)`,
      `CREATE INDEX catalog_history_ref ON catalog_history (ref, id)`,
      `CREATE INDEX catalog_history_at ON catalog_history (at)`,
      `CREATE TABLE catalog_locations (
        location ${text(d)} PRIMARY KEY,
        file TEXT NOT NULL,
        ok INTEGER NOT NULL,
        problems_json TEXT NOT NULL,
        last_ingested TEXT NOT NULL,
        entity_count INTEGER NOT NULL
      )`,
      `CREATE TABLE catalog_lock (id INTEGER PRIMARY KEY, ingests INTEGER NOT NULL)`,
      `INSERT INTO catalog_lock (id, ingests) VALUES (1, 0)`
    ]
  }
]

/**
 * A statement that takes the writer lock as the first thing a transaction does: an advisory
 * lock on PostgreSQL; on SQLite a write, which waits on `busy_timeout` like `BEGIN IMMEDIATE`.
 */
export const lockStatement = (d: Dialect, table: string): string =>
  d === "pg" ? `SELECT pg_advisory_xact_lock(727274001)` : `UPDATE ${table} SET ingests = ingests + 1 WHERE id = 1`

/**
 * Applies the migrations not yet applied, in one transaction that holds the writer lock from its
 * first statement: PostgreSQL takes an advisory lock; SQLite uses `BEGIN IMMEDIATE` (a deferred
 * transaction that reads the schema first could not wait for another process opening the same
 * new file, and would fail with "database is locked").
 */
export const migrate = (
  sql: SqlClient.SqlClient,
  d: Dialect
): Effect.Effect<ReadonlyArray<number>, SqlError> => {
  const body = Effect.gen(function*() {
    if (d === "pg") yield* sql.unsafe(lockStatement(d, "paved_catalog_migrations"))
    yield* sql.unsafe(
      `CREATE TABLE IF NOT EXISTS paved_catalog_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`
    )
    const rows = yield* sql.unsafe<{ readonly version: number }>(`SELECT version FROM paved_catalog_migrations`)
    const applied = new Set(rows.map((r) => Number(r.version)))
    const ran: Array<number> = []
    for (const m of migrations) {
      if (applied.has(m.version)) continue
      for (const statement of m.statements(d)) yield* sql.unsafe(statement)
      yield* sql.unsafe(
        d === "pg"
          ? `INSERT INTO paved_catalog_migrations (version, name, applied_at) VALUES ($1, $2, $3)`
          : `INSERT INTO paved_catalog_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
        [m.version, m.name, new Date().toISOString()]
      )
      ran.push(m.version)
    }
    return ran
  })
  if (d === "pg") return sql.withTransaction(body)
  // Runs while the layer is being built, before anyone else can use this connection.
  const rollback = Effect.ignore(sql.unsafe("ROLLBACK"))
  return Effect.uninterruptibleMask((restore) =>
    Effect.zipRight(sql.unsafe("BEGIN IMMEDIATE"), restore(body).pipe(Effect.onError(() => rollback))).pipe(
      Effect.tap(() => sql.unsafe("COMMIT"))
    )
  )
}
