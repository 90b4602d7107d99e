/**
 * What the store keeps and how it fails: the stored shapes and `StoreError`. A leaf (it imports
 * only the entity model), so that the public `CatalogStore`, `Query` modules and the backends
 * can all use them without importing each other in a circle. `CatalogStore` re-exports them.
 */
import * as Data from "effect/Data"
import type { Entity } from "../../Entity.js"
import type { EntityRef } from "../../EntityRef.js"
import type * as Problem from "../../Problem.js"

/**
 * A problem attached to a stored entity (validation warnings, or the error of an invalid file
 * whose last known good content is kept): the one catalog `Problem`, stored without its `ref`
 * (the entity it is attached to says which).
 *
 * @deprecated Use `Problem.Problem` from `@paved/catalog/Problem`; this alias will be removed.
 * @since 0.1.0
 */
export type EntityProblem = Problem.Problem

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
  readonly problems: ReadonlyArray<Problem.Problem>
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
  readonly problems: ReadonlyArray<Problem.Problem>
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
