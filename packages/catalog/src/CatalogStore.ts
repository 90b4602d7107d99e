/**
 * The durable catalog store: one service interface, three backends chosen by a layer —
 * `layerSqlite` (the embedded default, a WAL-mode file under `.paved/`), `layerPg` (PostgreSQL
 * for teams that outgrow one machine) and `layerMemory` (tests, short-lived scripts).
 *
 * Per entity the store keeps the entity with its computed relations, its provenance (location,
 * file, line, column), a content hash, the problems attached to it, when it was first seen and
 * last changed, and whether it is an orphan. Every change is recorded in the history. Schemas
 * are versioned (`paved_catalog_migrations`) and migrated when a layer is built.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const store = yield* CatalogStore.CatalogStore
 *   const page = yield* store.query({ filter: [[{ key: "kind", values: ["component"] }]], limit: 20 })
 * })
 * Effect.runPromise(program.pipe(Effect.provide(CatalogStore.layerSqlite({ filename: ".paved/paved.db" }))))
 * ```
 *
 * @since 0.1.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Database from "./Database.js"
import type { Entity } from "./Entity.js"
import type { EntityRef } from "./EntityRef.js"
import type { HistoryEntry, HistoryQuery } from "./History.js"
import type { IngestInput, IngestOptions, IngestReport, RefusalOf } from "./Ingest.js"
import type { FacetCount, InvalidQuery, Page, Query } from "./Query.js"
import { makeMemoryBackend } from "./internal/store/memory.js"
import { makeService } from "./internal/store/service.js"
import { makeSqlBackend } from "./internal/store/sql.js"

/**
 * A problem attached to a stored entity (validation warnings, or the error of an invalid file
 * whose last known good content is kept).
 *
 * @since 0.1.0
 */
export interface EntityProblem {
  readonly severity: "error" | "warning"
  readonly rule: string
  readonly message: string
  readonly file?: string | undefined
  readonly line?: number | undefined
  readonly column?: number | undefined
  readonly path?: string | undefined
}

/**
 * An entity as stored: the entity (relations filled), its ref, provenance and status.
 * Times are ISO-8601 strings.
 *
 * @since 0.1.0
 */
export interface StoredEntity {
  readonly ref: EntityRef
  readonly entity: Entity
  readonly location: string
  readonly file: string
  readonly line: number | null
  readonly column: number | null
  readonly hash: string
  readonly problems: ReadonlyArray<EntityProblem>
  readonly firstSeen: string
  readonly lastChanged: string
  readonly orphan: boolean
  readonly owner: string | null
}

/**
 * A relation edge: `source` has relation `type` to `target`.
 *
 * @since 0.1.0
 */
export interface RelationEdge {
  readonly source: EntityRef
  readonly type: string
  readonly target: EntityRef
}

/**
 * Which way to follow relations from a set of refs: `out` (the refs are sources) or `in`
 * (the refs are targets).
 *
 * @since 0.1.0
 */
export type Direction = "out" | "in"

/**
 * The state of a location after the last ingest that saw it.
 *
 * @since 0.1.0
 */
export interface LocationStatus {
  readonly location: string
  readonly file: string
  readonly ok: boolean
  readonly problems: ReadonlyArray<EntityProblem>
  readonly lastIngested: string
  readonly entityCount: number
}

/**
 * The store could not be opened, migrated, read or written. `operation` says what was being
 * done; the message says what to check.
 *
 * @since 0.1.0
 */
export class StoreError extends Data.TaggedError("StoreError")<{
  readonly operation: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `catalog store: ${this.operation} failed: ${this.detail}`
  }
}

/**
 * The catalog store service.
 *
 * - `ingest` reconciles a load result (see the `Ingest` module) in one transaction; it can fail
 *   with `IngestRefused` only when `maxOrphans` is given, and its type says so.
 * - `get` / `getMany` read entities by ref (refs are compared in canonical lowercase form).
 * - `query` filters, searches, orders and pages (see the `Query` module); `facets` counts values.
 * - `edges` follows relations one step from a set of refs, `allEdges` lists every edge of some
 *   relation types (the `Graph` module builds on both).
 * - `history` lists recorded changes (see the `History` module); `locations` the ingested sources.
 *
 * @since 0.1.0
 */
export class CatalogStore extends Context.Tag("@paved/catalog/CatalogStore")<CatalogStore, {
  readonly backend: "sqlite" | "pg" | "memory"
  readonly ingest: <O extends IngestOptions = {}>(
    input: IngestInput,
    options?: O
  ) => Effect.Effect<IngestReport, StoreError | RefusalOf<O>>
  readonly get: (ref: string) => Effect.Effect<Option.Option<StoredEntity>, StoreError>
  readonly getMany: (refs: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<StoredEntity>, StoreError>
  readonly query: (query: Query) => Effect.Effect<Page, StoreError | InvalidQuery>
  readonly facets: (
    field: string,
    query?: Pick<Query, "filter" | "text">
  ) => Effect.Effect<ReadonlyArray<FacetCount>, StoreError>
  readonly edges: (
    refs: ReadonlyArray<string>,
    options: { readonly direction: Direction; readonly types?: ReadonlyArray<string> | undefined }
  ) => Effect.Effect<ReadonlyArray<RelationEdge>, StoreError>
  readonly allEdges: (types?: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<RelationEdge>, StoreError>
  readonly history: (query?: HistoryQuery) => Effect.Effect<ReadonlyArray<HistoryEntry>, StoreError>
  readonly locations: Effect.Effect<ReadonlyArray<LocationStatus>, StoreError>
  readonly count: Effect.Effect<number, StoreError>
}>() {}

/**
 * Builds the store over the `SqlClient` in the context (SQLite or PostgreSQL), running the
 * migrations first.
 *
 * @since 0.1.0
 */
export const makeSql: Effect.Effect<CatalogStore["Type"], StoreError, SqlClient.SqlClient> = Effect.map(
  makeSqlBackend,
  makeService
)

/**
 * Builds an in-memory store (nothing survives the scope).
 *
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<CatalogStore["Type"]> = Effect.map(makeMemoryBackend, makeService)

/**
 * The store over an existing `SqlClient` layer (yours, configured as you like).
 *
 * @since 0.1.0
 */
export const layerSqlClient: Layer.Layer<CatalogStore, StoreError, SqlClient.SqlClient> = Layer.effect(
  CatalogStore,
  makeSql
)

/**
 * The default path of the embedded store, relative to the working directory.
 *
 * @since 0.1.0
 */
export const DEFAULT_SQLITE_FILE = ".paved/paved.db"

/**
 * The embedded store: a SQLite file in WAL mode, opened with `Database.layer`. Use
 * `":memory:"` for a throwaway SQLite database. A missing directory is created readable by its
 * owner only (0700), and a new database file 0600; SQLite gives its `-wal` and `-shm` files the
 * mode of the database file. The modes of an existing file or directory are left as they are.
 *
 * @since 0.1.0
 */
export const layerSqlite = (options: { readonly filename: string }): Layer.Layer<CatalogStore, StoreError> =>
  Layer.provide(layerSqlClient, Layer.mapError(Database.layer(Database.sqlite(options.filename)), storeErrorOf))

/**
 * The store on PostgreSQL at `url` (`postgres://user:pass@host:port/db`), opened with
 * `Database.layer`. The URL is kept `Redacted`.
 *
 * @since 0.1.0
 */
export const layerPg = (options: {
  readonly url: string | Redacted.Redacted<string>
  readonly maxConnections?: number | undefined
}): Layer.Layer<CatalogStore, StoreError> =>
  Layer.provide(
    layerSqlClient,
    Layer.mapError(Database.layer(Database.pg(options.url), { maxConnections: options.maxConnections ?? 5 }), storeErrorOf)
  )

const storeErrorOf = (error: Database.DatabaseError): StoreError =>
  new StoreError({ operation: error.operation === "connect" ? "connect" : "open", detail: error.message, cause: error })

/**
 * An in-memory store.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<CatalogStore> = Layer.effect(CatalogStore, makeMemory)
