/**
 * The team view: everything a group owns, with its RED. Owners are read from the catalog
 * entities given at query time, so a change of ownership shows without redeploying anything.
 *
 * @since 0.1.0
 */
import type { Entity } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { indexCatalog } from "./internal/catalogIndex.js"
import type * as SpanStore from "./SpanStore.js"

/**
 * One owned entity: its RED over the window per service (`red`, undefined when it sent no
 * entry spans) and per operation.
 *
 * @since 0.1.0
 */
export interface OwnedEntity {
  readonly ref: string
  readonly kind: string
  readonly name: string
  readonly owner: string
  readonly red: SpanStore.RedRow | undefined
  readonly operations: ReadonlyArray<SpanStore.RedRow>
}

/**
 * @since 0.1.0
 */
export interface TeamView {
  readonly group: string
  /** The group and the groups below it (`parentOf`), whose entities are included. */
  readonly groups: ReadonlyArray<string>
  readonly entities: ReadonlyArray<OwnedEntity>
}

/**
 * Builds the view of `groupRef` (e.g. `group:default/payments`) and its child groups.
 *
 * @since 0.1.0
 */
export const compute = (
  store: SpanStore.Query,
  entities: ReadonlyArray<Entity.Entity>,
  groupRef: string,
  window: SpanStore.Window = {}
): Effect.Effect<TeamView, SpanStore.SpanStoreError> =>
  Effect.gen(function*() {
    const catalog = indexCatalog(entities)
    const group = groupRef.toLowerCase()
    const groups = [group]
    for (let i = 0; i < groups.length; i++) {
      for (const relation of catalog.relations(groups[i]!)) {
        if (relation.type === "parentOf" && !groups.includes(relation.targetRef)) groups.push(relation.targetRef)
      }
      for (const child of catalog.sourcesOf("childOf", groups[i]!)) if (!groups.includes(child)) groups.push(child)
    }
    const owned = new Map<string, string>()
    for (const owner of groups) for (const ref of catalog.sourcesOf("ownedBy", owner)) owned.set(ref, owner)
    const perOperation = yield* store.red({ ...window, groupBy: "operation" })
    const perService = yield* store.red({ ...window, groupBy: "service" })
    const list = [...owned].sort(([a], [b]) => a.localeCompare(b)).map(([ref, owner]): OwnedEntity => {
      const entity = catalog.byRef.get(ref)!
      return {
        ref,
        kind: entity.kind,
        name: entity.metadata.name,
        owner,
        red: perService.find((r) => r.entityRef === ref),
        operations: perOperation.filter((r) => r.entityRef === ref)
      }
    })
    return { group, groups, entities: list }
  })
