/**
 * Where environments are recorded: one row per environment in `paved_envs_environments` (SQLite
 * `.paved/paved.db` by default, PostgreSQL when configured), holding the full record as JSON plus
 * the columns `list` and `reap` filter on.
 *
 * A row is written before anything is created (the name is claimed), so an `up` that was killed
 * half-way still leaves a record that `down` can clean up from.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Database from "@paved/catalog/Database"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import { EnvironmentConflict, EnvironmentError, EnvironmentRecord } from "./Environment.js"

/**
 * A recorded environment and the instance id that marks its processes.
 *
 * @since 0.1.0
 */
export interface Stored {
  readonly instance: string
  readonly record: EnvironmentRecord
}

/**
 * The environment state store.
 *
 * @since 0.1.0
 */
export class EnvStore extends Context.Tag("@paved/envs/EnvStore")<EnvStore, {
  /** Records a new environment; fails with `EnvironmentConflict` when the name is taken. */
  readonly claim: (stored: Stored) => Effect.Effect<void, EnvironmentConflict | EnvironmentError>
  /** Replaces the record of an environment. */
  readonly save: (stored: Stored) => Effect.Effect<void, EnvironmentError>
  readonly get: (name: string) => Effect.Effect<Stored | undefined, EnvironmentError>
  readonly list: Effect.Effect<ReadonlyArray<Stored>, EnvironmentError>
  readonly remove: (name: string) => Effect.Effect<void, EnvironmentError>
}>() {}

const decodeRecord = Schema.decodeUnknown(Schema.parseJson(EnvironmentRecord))
const encodeRecord = Schema.encode(Schema.parseJson(EnvironmentRecord))

interface Row {
  readonly name: string
  readonly instance: string
  readonly record: string
}

/**
 * Builds the store over the `SqlClient` in context, creating its table when missing.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<EnvStore["Type"], EnvironmentError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const fail = (name: string, operation: string) => (cause: unknown) =>
    new EnvironmentError({ environment: name, operation, reason: cause instanceof Error ? cause.message : String(cause) })
  yield* sql`CREATE TABLE IF NOT EXISTS paved_envs_environments (
    name TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    record TEXT NOT NULL
  )`.pipe(Effect.mapError(fail("*", "creating the state table")))
  const toStored = (row: Row) =>
    decodeRecord(row.record).pipe(
      Effect.map((record): Stored => ({ instance: row.instance, record })),
      Effect.mapError(fail(row.name, "reading its record"))
    )
  const columns = (stored: Stored) =>
    encodeRecord(stored.record).pipe(
      Effect.map((json) => ({
        name: stored.record.name,
        instance: stored.instance,
        type: stored.record.type,
        status: stored.record.status,
        created_at: stored.record.createdAt,
        expires_at: stored.record.expiresAt ?? null,
        record: json
      })),
      Effect.mapError(fail(stored.record.name, "encoding its record"))
    )
  return EnvStore.of({
    claim: (stored) =>
      Effect.gen(function*() {
        const row = yield* columns(stored)
        const existing = yield* sql<{ name: string }>`SELECT name FROM paved_envs_environments WHERE name = ${row.name}`
        if (existing.length > 0) return yield* new EnvironmentConflict({ name: row.name, reason: "exists" })
        yield* sql`INSERT INTO paved_envs_environments ${sql.insert(row)}`
      }).pipe(Effect.catchTag("SqlError", fail(stored.record.name, "recording it"))),
    save: (stored) =>
      Effect.gen(function*() {
        const row = yield* columns(stored)
        yield* sql`UPDATE paved_envs_environments SET status = ${row.status}, expires_at = ${row.expires_at}, record = ${row.record} WHERE name = ${row.name}`
      }).pipe(Effect.catchTag("SqlError", fail(stored.record.name, "saving its record"))),
    get: (name) =>
      sql<Row>`SELECT name, instance, record FROM paved_envs_environments WHERE name = ${name}`.pipe(
        Effect.mapError(fail(name, "reading its record")),
        Effect.flatMap((rows) => rows.length === 0 ? Effect.succeed(undefined) : toStored(rows[0]!))
      ),
    list: sql<Row>`SELECT name, instance, record FROM paved_envs_environments ORDER BY name`.pipe(
      Effect.mapError(fail("*", "listing environments")),
      Effect.flatMap((rows) => Effect.forEach(rows, toStored))
    ),
    remove: (name) =>
      sql`DELETE FROM paved_envs_environments WHERE name = ${name}`.pipe(Effect.asVoid, Effect.mapError(fail(name, "removing its record")))
  })
})

/**
 * The store over an `SqlClient` you provide (for example `Database.layer` from
 * `@paved/catalog/Database`, shared with the other stores of the same database).
 *
 * @since 0.2.0
 */
export const layerSqlClient: Layer.Layer<EnvStore, EnvironmentError, SqlClient.SqlClient> = Layer.effect(EnvStore, make)

/**
 * The store over an `SqlClient` you provide.
 *
 * @since 0.1.0
 * @deprecated Use {@link layerSqlClient}, the name every store uses.
 */
export const layer: Layer.Layer<EnvStore, EnvironmentError, SqlClient.SqlClient> = layerSqlClient

/**
 * The default: a SQLite file (default `.paved/paved.db` in the working directory), opened with
 * `Database.layer` and made private as the provision state store makes it (`.paved` 0700, the
 * file 0600, also when they exist). `":memory:"` is an in-memory database that lives as long as
 * the layer.
 *
 * @since 0.1.0
 */
export const layerSqlite = (options: { readonly filename?: string } = {}): Layer.Layer<EnvStore, EnvironmentError> => {
  const memory = options.filename === ":memory:"
  const filename = memory ? ":memory:" : path.resolve(options.filename ?? path.join(".paved", "paved.db"))
  return Layer.provide(
    layerSqlClient,
    Layer.mapError(
      Database.layer(Database.sqlite(filename), { tightenExisting: true }),
      (cause) => new EnvironmentError({ environment: "*", operation: `opening ${filename}`, reason: cause.message })
    )
  )
}

/**
 * PostgreSQL, for teams that share environment state between machines; opened with
 * `Database.layer`.
 *
 * @since 0.1.0
 */
export const layerPg = (options: { readonly url: Redacted.Redacted<string> }): Layer.Layer<EnvStore, EnvironmentError> =>
  Layer.provide(
    layerSqlClient,
    Layer.mapError(
      Database.layer(Database.pg(options.url)),
      (cause) => new EnvironmentError({ environment: "*", operation: "connecting to PostgreSQL", reason: cause.message })
    )
  )
