/**
 * The state store: what exists in each environment, its outputs (encrypted), and a journal of
 * every step. It lives in the same database as the catalog — SQLite (`.paved/paved.db`) by
 * default, PostgreSQL for teams — in tables prefixed `paved_provision_`.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Database from "@paved/catalog/Database"
import type { ConfigError } from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as path from "node:path"
import type { Recorded } from "./Plan.js"

/**
 * A recorded resource with its sealed password and sealed outputs (`undefined` until ready).
 *
 * @since 0.1.0
 */
export interface Row extends Recorded {
  readonly sealedPassword: string
  readonly sealedOutputs: string | undefined
  readonly updatedAt: string
}

/**
 * A journal entry: one phase of one step of an apply or destroy.
 *
 * @since 0.1.0
 */
export interface JournalEntry {
  readonly id: number
  readonly env: string
  readonly resource: string
  readonly action: string
  readonly phase: "started" | "completed" | "failed"
  readonly detail: string
  readonly at: string
}

/**
 * The state store service.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly list: (env: string) => Effect.Effect<ReadonlyArray<Row>, SqlError>
  readonly environments: () => Effect.Effect<ReadonlyArray<string>, SqlError>
  /** Every recorded resource with this physical name, in any environment. */
  readonly named: (name: string) => Effect.Effect<ReadonlyArray<Row>, SqlError>
  /** Records intent before a backend is called: status `creating` (or `deleting`). */
  readonly begin: (row: Omit<Row, "sealedOutputs" | "updatedAt">) => Effect.Effect<void, SqlError>
  readonly ready: (env: string, key: string, sealedOutputs: string) => Effect.Effect<void, SqlError>
  readonly markDeleting: (env: string, key: string) => Effect.Effect<void, SqlError>
  readonly forget: (env: string, key: string) => Effect.Effect<void, SqlError>
  readonly journal: (entry: Omit<JournalEntry, "id" | "at">) => Effect.Effect<void, SqlError>
  readonly history: (env: string) => Effect.Effect<ReadonlyArray<JournalEntry>, SqlError>
}

/**
 * @since 0.1.0
 */
export class StateStore extends Context.Tag("@paved/provision/StateStore")<StateStore, Service>() {}

interface DbRow {
  readonly env: string
  readonly key: string
  readonly type: string
  readonly class: string
  readonly name: string
  readonly settings: string
  readonly tags: string
  readonly params: string
  readonly status: string
  readonly sealed_password: string
  readonly sealed_outputs: string | null
  readonly updated_at: string
}

const toRow = (r: DbRow): Row => ({
  env: r.env,
  key: r.key,
  type: r.type,
  class: r.class,
  name: r.name,
  settings: JSON.parse(r.settings),
  tags: JSON.parse(r.tags),
  params: JSON.parse(r.params),
  status: r.status === "ready" ? "ready" : r.status === "deleting" ? "deleting" : "creating",
  sealedPassword: r.sealed_password,
  sealedOutputs: r.sealed_outputs ?? undefined,
  updatedAt: r.updated_at
})

/**
 * Builds the store over whatever `SqlClient` is provided, creating its tables when missing.
 *
 * @since 0.1.0
 */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const pg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
  // Checked first rather than CREATE ... IF NOT EXISTS, which makes PostgreSQL print notices.
  const exists = (table: string) =>
    (pg
      ? sql`SELECT 1 AS one FROM information_schema.tables WHERE table_name = ${table}`
      : sql`SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = ${table}`).pipe(Effect.map((rows) => rows.length > 0))
  if (!(yield* exists("paved_provision_resources"))) {
    yield* sql`CREATE TABLE IF NOT EXISTS paved_provision_resources (
      env TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, class TEXT NOT NULL, name TEXT NOT NULL,
      settings TEXT NOT NULL, tags TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
      sealed_password TEXT NOT NULL, sealed_outputs TEXT, updated_at TEXT NOT NULL,
      PRIMARY KEY (env, key))`
  }
  if (!(yield* exists("paved_provision_journal"))) {
    yield* (pg
      ? sql`CREATE TABLE IF NOT EXISTS paved_provision_journal (id BIGSERIAL PRIMARY KEY, env TEXT NOT NULL,
          resource TEXT NOT NULL, action TEXT NOT NULL, phase TEXT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL)`
      : sql`CREATE TABLE IF NOT EXISTS paved_provision_journal (id INTEGER PRIMARY KEY AUTOINCREMENT, env TEXT NOT NULL,
          resource TEXT NOT NULL, action TEXT NOT NULL, phase TEXT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL)`)
    yield* sql`CREATE INDEX IF NOT EXISTS paved_provision_journal_env ON paved_provision_journal (env, id)`
  }
  const indexed = pg
    ? sql`SELECT 1 AS one FROM pg_indexes WHERE indexname = 'paved_provision_resources_name'`
    : sql`SELECT 1 AS one FROM sqlite_master WHERE type = 'index' AND name = 'paved_provision_resources_name'`
  if ((yield* indexed).length === 0) yield* sql`CREATE INDEX IF NOT EXISTS paved_provision_resources_name ON paved_provision_resources (name)`
  const now = () => new Date().toISOString()
  const store: Service = {
    list: (env) =>
      sql<DbRow>`SELECT * FROM paved_provision_resources WHERE env = ${env} ORDER BY key`.pipe(Effect.map((rows) => rows.map(toRow))),
    named: (name) =>
      sql<DbRow>`SELECT * FROM paved_provision_resources WHERE name = ${name} ORDER BY env, key`.pipe(Effect.map((rows) => rows.map(toRow))),
    environments: () =>
      sql<{ env: string }>`SELECT DISTINCT env FROM paved_provision_resources ORDER BY env`.pipe(Effect.map((rows) => rows.map((r) => r.env))),
    begin: (row) =>
      sql`INSERT INTO paved_provision_resources
          (env, key, type, class, name, settings, tags, params, status, sealed_password, sealed_outputs, updated_at)
        VALUES (${row.env}, ${row.key}, ${row.type}, ${row.class}, ${row.name}, ${JSON.stringify(row.settings)},
          ${JSON.stringify(row.tags)}, ${JSON.stringify(row.params)}, ${row.status}, ${row.sealedPassword}, NULL, ${now()})
        ON CONFLICT (env, key) DO UPDATE SET type = excluded.type, class = excluded.class, name = excluded.name,
          settings = excluded.settings, tags = excluded.tags, params = excluded.params, status = excluded.status,
          sealed_password = excluded.sealed_password, updated_at = excluded.updated_at`.pipe(Effect.asVoid),
    ready: (env, key, sealedOutputs) =>
      sql`UPDATE paved_provision_resources SET status = 'ready', sealed_outputs = ${sealedOutputs}, updated_at = ${now()}
        WHERE env = ${env} AND key = ${key}`.pipe(Effect.asVoid),
    markDeleting: (env, key) =>
      sql`UPDATE paved_provision_resources SET status = 'deleting', updated_at = ${now()} WHERE env = ${env} AND key = ${key}`
        .pipe(Effect.asVoid),
    forget: (env, key) => sql`DELETE FROM paved_provision_resources WHERE env = ${env} AND key = ${key}`.pipe(Effect.asVoid),
    journal: (e) =>
      sql`INSERT INTO paved_provision_journal (env, resource, action, phase, detail, at)
        VALUES (${e.env}, ${e.resource}, ${e.action}, ${e.phase}, ${e.detail}, ${now()})`.pipe(Effect.asVoid),
    history: (env) =>
      sql<JournalEntry>`SELECT id, env, resource, action, phase, detail, at FROM paved_provision_journal
        WHERE env = ${env} ORDER BY id`.pipe(Effect.map((rows) => rows.map((r) => ({ ...r, id: Number(r.id) }))))
  }
  return store
})

/**
 * The store over an `SqlClient` you provide (for example `Database.layer` from
 * `@paved/catalog/Database`, shared with the other stores of the same database).
 *
 * @since 0.2.0
 */
export const layerSqlClient: Layer.Layer<StateStore, SqlError, SqlClient.SqlClient> = Layer.effect(StateStore, make)

/**
 * Makes a SQLite database file private before it is opened: its directory is created 0700 (a
 * `.paved` directory that exists is tightened to 0700), and the file and its `-wal`/`-shm`
 * companions are 0600 (SQLite creates the companions with the file's mode). The file holds sealed
 * secrets and what every environment is called; other local users have no business reading it.
 * Does nothing for `:memory:`.
 *
 * @since 0.1.0
 * @deprecated Open the database with `Database.layer(target, { tightenExisting: true })` from
 * `@paved/catalog/Database`, which does the same before SQLite opens the file.
 */
export const prepareSqliteFile = (filename: string): void => {
  if (filename === ":memory:" || filename === "") return
  const file = path.resolve(filename)
  const dir = path.dirname(file)
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  else if (path.basename(dir) === ".paved") fs.chmodSync(dir, 0o700)
  fs.closeSync(fs.openSync(file, "a", 0o600))
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (fs.existsSync(f)) fs.chmodSync(f, 0o600)
  }
}

// The failures of opening the database keep the type this module has always had.
const sqlErrorOf = (error: Database.DatabaseError): SqlError => new SqlError({ message: error.message, cause: error })

/**
 * The store in a SQLite file (default `.paved/paved.db`, the catalog's file), opened with
 * `Database.layer` and made private first: `.paved` 0700, the database and its `-wal`/`-shm`
 * files 0600, also when an earlier version left them readable.
 *
 * @since 0.1.0
 */
export const layerSqlite = (options: { readonly filename?: string } = {}): Layer.Layer<StateStore, SqlError | ConfigError> =>
  Layer.provide(
    layerSqlClient,
    Layer.mapError(
      Database.layer(Database.sqlite(options.filename ?? path.join(".paved", "paved.db")), { tightenExisting: true }),
      sqlErrorOf
    )
  )

/**
 * The store in PostgreSQL, opened with `Database.layer`; the URL is kept `Redacted`.
 *
 * @since 0.1.0
 */
export const layerPg = (options: { readonly url: Redacted.Redacted<string> | string }): Layer.Layer<StateStore, SqlError> =>
  Layer.provide(layerSqlClient, Layer.mapError(Database.layer(Database.pg(options.url)), sqlErrorOf))
