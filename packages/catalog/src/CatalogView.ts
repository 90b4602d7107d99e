/**
 * A read-only, indexed view of a catalog snapshot: what scorecard rules and the ownership
 * health report read. It is built once from plain entities (from `Catalog.load`, from the store,
 * or from a test), so rules never scan the whole catalog to follow one reference.
 *
 * @since 0.1.0
 */
import type { Entity } from "./Entity.js"
import type { EntityRef } from "./EntityRef.js"
import * as internal from "./internal/scorecard/catalogView.js"

/**
 * The indexed snapshot. Owner, membership and dependency lookups follow the computed
 * `relations` when the loader filled them and fall back to the `spec` fields otherwise.
 *
 * @since 0.1.0
 */
export interface CatalogView {
  /** Every entity of the snapshot, in load order. */
  readonly entities: ReadonlyArray<Entity>
  /** The canonical reference of an entity of this view. */
  readonly refOf: (entity: Entity) => EntityRef
  /** The entity with this reference, if the snapshot holds it. */
  readonly get: (ref: EntityRef) => Entity | undefined
  /** The owner reference an entity declares (`spec.owner`), canonical, if any. */
  readonly ownerOf: (entity: Entity) => EntityRef | undefined
  /** The users that are members of a group (from `memberOf`/`members`). */
  readonly membersOf: (group: EntityRef) => ReadonlyArray<EntityRef>
  /** The groups a user belongs to. */
  readonly groupsOf: (user: EntityRef) => ReadonlyArray<EntityRef>
  /** The users of a group and of every group below it (a department with teams is not empty). */
  readonly allMembersOf: (group: EntityRef) => ReadonlyArray<EntityRef>
  /** The child groups of a group (from `parent`/`children`). */
  readonly childrenOf: (group: EntityRef) => ReadonlyArray<EntityRef>
  /** The parent group of a group, if declared. */
  readonly parentOf: (group: EntityRef) => EntityRef | undefined
  /** What an entity declares it depends on (`spec.dependsOn`), canonical. */
  readonly dependenciesOf: (entity: Entity) => ReadonlyArray<EntityRef>
  /** The system an entity declares (`spec.system`), canonical, if any. */
  readonly systemOf: (entity: Entity) => EntityRef | undefined
}

/**
 * Builds the indexed view of a list of entities. Later entities with the same reference
 * replace earlier ones, as in the catalog store.
 *
 * @since 0.1.0
 */
export const fromEntities: (entities: ReadonlyArray<Entity>) => CatalogView = internal.fromEntities

/**
 * An empty snapshot (no entities): the previous state when there is no history yet.
 *
 * @since 0.1.0
 */
export const empty: CatalogView = internal.fromEntities([])
