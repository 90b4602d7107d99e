/**
 * What a storage backend provides. The service (`service.ts`) holds the behaviour shared by
 * every backend (reconciliation, normalisation, cursors); a backend only reads and writes.
 */
import type * as Effect from "effect/Effect"
import type { Direction, LocationStatus, RelationEdge, StoreError, StoredEntity } from "./model.js"
import type { Entity } from "../../Entity.js"
import type { EntityRef } from "../../EntityRef.js"
import type { HistoryEntry } from "../../History.js"
import type { FacetCount, FilterSet, Order } from "../../Query.js"
import type { EntityRecord, RecordHead } from "./records.js"

/** A location row: what `CatalogStore.locations` returns, as stored. */
export type LocationRecord = LocationStatus

/** A history row before it has an id. */
export type HistoryInsert = Omit<HistoryEntry, "id">

/** Everything one ingest writes, applied atomically. */
export interface Plan {
  readonly upserts: ReadonlyArray<EntityRecord>
  readonly deletes: ReadonlyArray<EntityRef>
  /** Upserted refs that already had rows (to clear first); new refs need no delete. */
  readonly replaced: ReadonlyArray<EntityRef>
  readonly history: ReadonlyArray<HistoryInsert>
  readonly locations: ReadonlyArray<LocationRecord>
  readonly removedLocations: ReadonlyArray<string>
}

/** The view of the store inside a write transaction. */
export interface Tx {
  readonly heads: Effect.Effect<ReadonlyArray<RecordHead>, StoreError>
  readonly locations: Effect.Effect<ReadonlyArray<LocationRecord>, StoreError>
  readonly entities: (refs: ReadonlyArray<EntityRef>) => Effect.Effect<ReadonlyMap<string, Entity>, StoreError>
  readonly apply: (plan: Plan) => Effect.Effect<void, StoreError>
}

/** A query after parsing: lowercased terms, a resolved order and an optional keyset position. */
export interface NormalQuery {
  readonly filter: ReadonlyArray<FilterSet> | undefined
  readonly terms: ReadonlyArray<string>
  readonly order: Order
  readonly limit: number | undefined
  readonly after: { readonly sortValue: string; readonly ref: string } | undefined
}

/** A query result row with the value it was sorted by (for the next cursor). */
export interface SortedRow {
  readonly item: StoredEntity
  readonly sortValue: string
}

/** A history listing after normalisation. */
export interface NormalHistoryQuery {
  readonly ref: string | undefined
  readonly since: string | undefined
  readonly limit: number
}

/** A storage backend. */
export interface Backend {
  readonly kind: "sqlite" | "pg" | "memory"
  /** Runs `f` in one write transaction, serialised with every other writer (also across processes). */
  readonly transaction: <A, E>(f: (tx: Tx) => Effect.Effect<A, E | StoreError>) => Effect.Effect<A, E | StoreError>
  readonly getMany: (refs: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<StoredEntity>, StoreError>
  readonly query: (query: NormalQuery) => Effect.Effect<{ readonly rows: ReadonlyArray<SortedRow>; readonly total: number }, StoreError>
  readonly facets: (
    field: string,
    filter: ReadonlyArray<FilterSet> | undefined,
    terms: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<FacetCount>, StoreError>
  readonly edges: (
    refs: ReadonlyArray<string>,
    direction: Direction,
    types: ReadonlyArray<string> | undefined
  ) => Effect.Effect<ReadonlyArray<RelationEdge>, StoreError>
  readonly allEdges: (types: ReadonlyArray<string> | undefined) => Effect.Effect<ReadonlyArray<RelationEdge>, StoreError>
  readonly history: (query: NormalHistoryQuery) => Effect.Effect<ReadonlyArray<HistoryEntry>, StoreError>
  readonly locations: Effect.Effect<ReadonlyArray<LocationRecord>, StoreError>
  readonly count: Effect.Effect<number, StoreError>
}

/** Splits a list into chunks (SQL parameter limits). */
export const chunksOf = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
