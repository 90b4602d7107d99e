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
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Database from "./Database.js"
import { type HistoryEntry, type HistoryQuery, isOwnerChange } from "./History.js"
import type { IngestInput, IngestOptions, IngestReport, RefusalOf } from "./Ingest.js"
import type { FacetCount, InvalidQuery, Page, Query } from "./Query.js"
import { makeMemoryBackend } from "./internal/store/memory.js"
import type { Direction, LocationStatus, RelationEdge, StoredEntity } from "./internal/store/model.js"
import { StoreError } from "./internal/store/model.js"
import { makeService } from "./internal/store/service.js"
import { makeSqlBackend } from "./internal/store/sql.js"

export {
  /**
   * A problem attached to a stored entity.
   *
   * @since 0.1.0
   */
  type EntityProblem,
  /**
   * An entity as stored, with its ref, provenance and status.
   *
   * @since 0.1.0
   */
  type StoredEntity,
  /**
   * A relation edge: `source` has relation `type` to `target`.
   *
   * @since 0.1.0
   */
  type RelationEdge,
  /**
   * Which way to follow relations from a set of refs.
   *
   * @since 0.1.0
   */
  type Direction,
  /**
   * The state of a location after the last ingest that saw it.
   *
   * @since 0.1.0
   */
  type LocationStatus,
  /**
   * The store could not be opened, migrated, read or written.
   *
   * @since 0.1.0
   */
  StoreError
} from "./internal/store/model.js"

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

/**
 * Ingests a load result into the store in the context (`Catalog.load`'s result has the shape of
 * an `IngestInput`). Fails with `IngestRefused` only when `options.maxOrphans` is given.
 *
 * @since 0.2.0
 */
export const ingest = <O extends IngestOptions = {}>(
  input: IngestInput,
  options?: O
): Effect.Effect<IngestReport, StoreError | RefusalOf<O>, CatalogStore> =>
  Effect.flatMap(CatalogStore, (store) => store.ingest(input, options))

/**
 * Runs a query (see the `Query` module) on the store in the context: one page of it.
 *
 * @since 0.2.0
 */
export const query = (query: Query): Effect.Effect<Page, StoreError | InvalidQuery, CatalogStore> =>
  Effect.flatMap(CatalogStore, (store) => store.query(query))

/**
 * Counts entities per value of `field` among those matching `query` (filter and text), on the
 * store in the context.
 *
 * @since 0.2.0
 */
export const facets = (
  field: string,
  query: Pick<Query, "filter" | "text"> = {}
): Effect.Effect<ReadonlyArray<FacetCount>, StoreError, CatalogStore> =>
  Effect.flatMap(CatalogStore, (store) => store.facets(field, query))

/**
 * The history of one entity, newest first (see the `History` module).
 *
 * @since 0.2.0
 */
export const historyOf = (
  ref: string,
  options: Omit<HistoryQuery, "ref"> = {}
): Effect.Effect<ReadonlyArray<HistoryEntry>, StoreError, CatalogStore> =>
  Effect.flatMap(CatalogStore, (store) => store.history({ ...options, ref }))

/**
 * Every owner change since `since` (all of them without it), newest first.
 *
 * @since 0.2.0
 */
export const ownerChanges = (
  since?: Date
): Effect.Effect<ReadonlyArray<HistoryEntry>, StoreError, CatalogStore> =>
  Effect.flatMap(CatalogStore, (store) =>
    Effect.map(store.history({ since, limit: 100_000 }), (entries) => entries.filter(isOwnerChange)))

/**
 * How {@link pages} and {@link stream} cut the store: `pageSize` entities per query (default
 * 1000), and optionally a smaller first page (`firstPageSize`), so that a screen has something
 * to show before the rest is read.
 *
 * @since 0.2.0
 */
export interface PageOptions {
  readonly pageSize?: number | undefined
  readonly firstPageSize?: number | undefined
}

const DEFAULT_PAGE_SIZE = 1000

/**
 * Every page of a query on the store in the context, read one after the other as the stream is
 * pulled (the next page is read only when the consumer wants it). The query's `cursor`, if any,
 * is where to start; its `limit` is ignored in favour of `options.pageSize`. Without a query the
 * pages cover every stored entity in ref order.
 *
 * @since 0.2.0
 */
export const pages = (
  query: Omit<Query, "limit"> = {},
  options: PageOptions = {}
): Stream.Stream<Page, StoreError | InvalidQuery, CatalogStore> =>
  Stream.unwrap(Effect.map(CatalogStore, (store) => {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
    const first = options.firstPageSize ?? pageSize
    const { cursor: start, ...rest } = query
    return Stream.paginateEffect({ cursor: start, first: true }, ({ cursor, first: isFirst }) =>
      Effect.map(
        store.query({ ...rest, limit: isFirst ? first : pageSize, ...(cursor === undefined ? {} : { cursor }) }),
        (page) =>
          [
            page,
            page.nextCursor === null || page.items.length === 0
              ? Option.none()
              : Option.some({ cursor: page.nextCursor as string | undefined, first: false })
          ] as const
      ))
  }))

/**
 * Every entity matching a query (every stored entity without one) on the store in the context,
 * as a stream read page by page (see {@link pages}): memory stays bounded by one page whatever
 * the size of the catalog.
 *
 * @since 0.2.0
 */
export const stream = (
  query: Omit<Query, "limit"> = {},
  options: PageOptions = {}
): Stream.Stream<StoredEntity, StoreError | InvalidQuery, CatalogStore> =>
  Stream.mapConcat(pages(query, options), (page) => page.items)
