/**
 * One way to open the Paved database: a {@link Target} (a SQLite file, a PostgreSQL URL, or
 * memory), read from text with {@link parse}, and {@link layer}, the one `SqlClient` every store
 * runs over. Each store's `layerSqlClient` takes that client, so the catalog, scores,
 * provisioning state, environments and telemetry of one command share one connection (SQLite)
 * or one pool (PostgreSQL).
 *
 * ```ts
 * const database = Database.layer(Database.parse(process.env.PAVED_DB_URL ?? ".paved/paved.db"))
 * const stores = Layer.mergeAll(CatalogStore.layerSqlClient, ScoreStore.layerSqlClient).pipe(
 *   Layer.provide(database)
 * )
 * ```
 *
 * @since 0.2.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"

/**
 * Where the database is: a SQLite file, a PostgreSQL server (the URL, with its password, kept
 * `Redacted`), or an in-memory SQLite database that lives as long as its layer.
 *
 * @since 0.2.0
 */
export type Target =
  | { readonly _tag: "sqlite"; readonly filename: string }
  | { readonly _tag: "pg"; readonly url: Redacted.Redacted<string> }
  | { readonly _tag: "memory" }

/**
 * A SQLite file target.
 *
 * @since 0.2.0
 */
export const sqlite = (filename: string): Target => ({ _tag: "sqlite", filename })

/**
 * A PostgreSQL target (`postgres://user:pass@host:port/db`); a plain string is wrapped in
 * `Redacted` at once.
 *
 * @since 0.2.0
 */
export const pg = (url: string | Redacted.Redacted<string>): Target => ({
  _tag: "pg",
  url: Redacted.isRedacted(url) ? url : Redacted.make(url)
})

/**
 * The in-memory target.
 *
 * @since 0.2.0
 */
export const memory: Target = { _tag: "memory" }

/**
 * Reads a database URL: `postgres://...` or `postgresql://...` is PostgreSQL, `memory:` is
 * memory, `sqlite:PATH` (also `sqlite:///abs/path`) or any other text is a SQLite file path.
 * Nothing is checked or opened.
 *
 * @since 0.2.0
 */
export const parse = (text: string): Target => {
  if (/^postgres(ql)?:\/\//i.test(text)) return pg(text)
  if (text === "memory:") return memory
  if (text.startsWith("sqlite:")) return sqlite(text.slice("sqlite:".length).replace(/^\/\/(?=\/)/, ""))
  return sqlite(text)
}

/**
 * The target for messages: `SQLite FILE`, `PostgreSQL HOST/DB` (never the user or password) or
 * `memory`.
 *
 * @since 0.2.0
 */
export const describe = (target: Target): string => {
  switch (target._tag) {
    case "sqlite":
      return `SQLite ${target.filename}`
    case "memory":
      return "memory"
    case "pg": {
      try {
        const url = new URL(Redacted.value(target.url))
        return `PostgreSQL ${url.host}${url.pathname}`
      } catch {
        return "PostgreSQL"
      }
    }
  }
}

/**
 * The database could not be opened: its file or directory could not be created (`create`),
 * SQLite could not open the file (`open`), or PostgreSQL could not be reached (`connect`).
 * `database` is {@link describe}'s text, so neither it nor the message holds a password.
 *
 * @since 0.2.0
 */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  operation: Schema.Literal("create", "open", "connect"),
  database: Schema.String,
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return `cannot ${this.operation} the database (${this.database}): ${this.detail}`
  }
}

/**
 * Options of {@link layer}.
 *
 * @since 0.2.0
 */
export interface LayerOptions {
  /** PostgreSQL pool size (default: `@effect/sql-pg`'s, 10). */
  readonly maxConnections?: number | undefined
  /**
   * SQLite: also make an existing database private: its file and `-wal`, `-shm`, `-journal`
   * companions 0600, and its directory 0700 when it is named `.paved` (Paved's own state
   * directory, which holds the secret key). Default `false`: the modes of existing files and
   * directories are left as they are.
   */
  readonly tightenExisting?: boolean | undefined
}

/**
 * The `SqlClient` for a target.
 *
 * - SQLite: a missing directory is created 0700 (every level it creates) and a missing database
 *   file 0600 before SQLite opens it, so it never exists with the umask's mode; SQLite gives its
 *   `-wal` and `-shm` files the mode of the database file.
 * - PostgreSQL through `@effect/sql-pg`, the URL `Redacted` throughout, with a 10-second connect
 *   timeout.
 * - memory: an in-memory SQLite database (`:memory:`), one connection, gone with the layer.
 *
 * @since 0.2.0
 */
export const layer = (target: Target, options: LayerOptions = {}): Layer.Layer<SqlClient.SqlClient, DatabaseError> => {
  const database = describe(target)
  switch (target._tag) {
    case "memory":
      return Layer.mapError(
        Layer.unwrapEffect(Effect.map(loadSqlite, (SqliteClient) => SqliteClient.layer({ filename: ":memory:" }))),
        (cause) => new DatabaseError({ operation: "open", database, detail: cause.message, cause })
      )
    case "sqlite": {
      const filename = target.filename
      const prepare = Effect.try({
        try: () => preparePrivateFile(filename, options.tightenExisting === true),
        catch: (cause) => new DatabaseError({ operation: "create", database, detail: String(cause), cause })
      })
      return Layer.unwrapEffect(Effect.zipRight(prepare, Effect.map(loadSqlite, (SqliteClient) => SqliteClient.layer({ filename })))).pipe(
        Layer.mapError((error) =>
          error instanceof DatabaseError
            ? error
            : new DatabaseError({ operation: "open", database, detail: error.message, cause: error })
        )
      )
    }
    case "pg":
      return Layer.unwrapEffect(Effect.map(loadPg, (PgClient) =>
        PgClient.layer({
          url: target.url,
          connectTimeout: "10 seconds",
          ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections })
        }))).pipe(
        Layer.mapError((error) =>
          new DatabaseError({
            operation: "connect",
            database,
            detail: `is PostgreSQL running, and does the database exist? (${withoutSecrets(error.message, target.url)})`,
            cause: error
          })
        )
      )
  }
}

// Each driver is loaded when a database of its kind is opened, so a SQLite user never loads pg
// and importing a store module stays cheap.
const loadSqlite = Effect.promise(() => import("@effect/sql-sqlite-node/SqliteClient"))
const loadPg = Effect.promise(() => import("@effect/sql-pg/PgClient"))

// Modes are set at creation (mkdir, open with O_CREAT) rather than by chmod afterwards, so there
// is no moment when another local user could open the file.
const preparePrivateFile = (filename: string, tighten: boolean): void => {
  if (filename === ":memory:" || filename === "" || filename.startsWith("file:")) return
  const file = path.resolve(filename)
  const dir = path.dirname(file)
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (tighten && path.basename(dir) === ".paved") fs.chmodSync(dir, 0o700)
  fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600))
  if (!tighten) return
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (fs.existsSync(f)) fs.chmodSync(f, 0o600)
  }
}

// A driver may quote the URL it was given; the message keeps neither the URL nor its password.
const withoutSecrets = (text: string, url: Redacted.Redacted<string>): string => {
  const clear = Redacted.value(url)
  const passwords: Array<string> = []
  try {
    const encoded = new URL(clear).password
    passwords.push(encoded, decodeURIComponent(encoded))
  } catch {
    // Not a URL the WHATWG parser reads; the whole text is still removed below.
  }
  return passwords.filter((p) => p.length > 0).reduce(
    (out, password) => out.split(password).join("<redacted>"),
    text.split(clear).join("<database url>")
  )
}
