/**
 * Relations computed from spec fields, never written by hand: `spec.owner` gives `ownedBy` on
 * the entity and `ownerOf` on the owner, and so on for the seven pairs (ownedBy/ownerOf,
 * providesApi/apiProvidedBy, consumesApi/apiConsumedBy, dependsOn/dependencyOf,
 * parentOf/childOf, memberOf/hasMember, partOf/hasPart). References are parsed with the
 * default kind Backstage's processor gives each field and the namespace of the referring entity.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type { Entity, EntityRelation } from "./Entity.js"
import * as EntityRef from "./EntityRef.js"
import { defaultRegistry, type Registry } from "./KindRegistry.js"
import { inverseOf } from "./Kinds.js"
import { isParsableRef, quickRef } from "./internal/quickRef.js"

/**
 * One relation an entity declares through a spec field, with the field's path so problems can
 * point at it.
 *
 * @since 0.1.0
 */
export interface Outgoing {
  readonly type: string
  readonly inverse: string
  readonly targetRef: EntityRef.EntityRef
  /** `["spec", "owner"]`, `["spec", "dependsOn", 2]` */
  readonly path: ReadonlyArray<string | number>
  /** The kinds the target may have, when the field restricts them. */
  readonly allowedKinds: ReadonlyArray<string> | undefined
}

/**
 * A reference in a spec field that cannot be parsed (a `dependsOn` entry without a kind, an
 * empty part, a value that is not a string).
 *
 * @since 0.1.0
 */
export interface InvalidRef {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

/**
 * The relations one entity declares, and the references in it that cannot be parsed.
 *
 * @since 0.1.0
 */
export const outgoing = (
  entity: Entity,
  registry: Registry = defaultRegistry
): { readonly relations: ReadonlyArray<Outgoing>; readonly invalid: ReadonlyArray<InvalidRef> } => {
  const definition = registry.get(entity.kind)
  const spec = entity.spec
  if (definition === undefined || spec === undefined) return { relations: [], invalid: [] }
  const relations: Array<Outgoing> = []
  const invalid: Array<InvalidRef> = []
  const defaultNamespace = entity.metadata.namespace ?? EntityRef.DEFAULT_NAMESPACE
  for (const field of definition.relations) {
    const value = spec[field.field]
    if (value === undefined || value === null) continue
    const many = Array.isArray(value)
    const values: ReadonlyArray<unknown> = many ? value : [value]
    for (let i = 0; i < values.length; i++) {
      const path = many ? ["spec", field.field, i] : ["spec", field.field]
      const input = values[i]
      if (typeof input !== "string") {
        invalid.push({ path, message: `Expected an entity reference (a string such as "group:default/team-a") but found ${typeof input}` })
        continue
      }
      // `quickRef` is `EntityRef.parse`'s grammar without allocating; the parse runs only to say
      // what is wrong with a reference it refused.
      let targetRef = quickRef(input, field.defaultKind, defaultNamespace) as EntityRef.EntityRef | undefined
      if (targetRef === undefined) {
        const parsed = EntityRef.parse(input, { defaultNamespace, defaultKind: field.defaultKind })
        if (Either.isLeft(parsed)) {
          invalid.push({ path, message: `${parsed.left.message}; write it as [kind:][namespace/]name` })
          continue
        }
        targetRef = parsed.right
      }
      relations.push({ type: field.relation, inverse: field.inverse, targetRef, path, allowedKinds: field.allowedKinds })
    }
  }
  return { relations, invalid }
}

/**
 * Whether any reference field of the entity holds something {@link outgoing} would report as
 * invalid; a cheap pre-check that lets valid entities skip building problem paths.
 *
 * @since 0.1.0
 */
export const hasInvalidRefs = (entity: Entity, registry: Registry = defaultRegistry): boolean => {
  const spec = entity.spec
  const definition = spec === undefined ? undefined : registry.get(entity.kind)
  if (definition === undefined || spec === undefined) return false
  for (const field of definition.relations) {
    const value = spec[field.field]
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      for (const v of value) if (!isParsableRef(v, field.defaultKind)) return true
    } else if (!isParsableRef(value, field.defaultKind)) return true
  }
  return false
}

const byTypeThenTarget = (a: EntityRelation, b: EntityRelation) =>
  a.type < b.type ? -1 : a.type > b.type ? 1 : a.targetRef < b.targetRef ? -1 : a.targetRef > b.targetRef ? 1 : 0

const sortedUnique = (list: Array<EntityRelation>): Array<EntityRelation> => {
  if (list.length < 2) return list
  list.sort(byTypeThenTarget)
  const out = [list[0]!]
  for (let i = 1; i < list.length; i++) {
    const r = list[i]!
    const last = out[out.length - 1]!
    if (r.type !== last.type || r.targetRef !== last.targetRef) out.push(r)
  }
  return out
}

/**
 * Fills `relations` on every entity of a set: each entity's own relations, plus the inverse of
 * every relation another entity in the set points at it with. Relations are deduplicated and
 * sorted by type and target. References that cannot be parsed are skipped ({@link outgoing}
 * reports them).
 *
 * @since 0.1.0
 */
export const attach = (entities: ReadonlyArray<Entity>, registry: Registry = defaultRegistry): Array<Entity> => {
  const index = new Map<string, number>()
  const refs: Array<string> = new Array(entities.length)
  for (let i = 0; i < entities.length; i++) {
    const m = entities[i]!.metadata
    const ref = `${entities[i]!.kind}:${m.namespace ?? EntityRef.DEFAULT_NAMESPACE}/${m.name}`.toLowerCase()
    refs[i] = ref
    index.set(ref, i)
  }
  const lists: Array<Array<EntityRelation>> = entities.map(() => [])
  const add = (at: number | undefined, type: string, targetRef: string) => {
    if (at !== undefined) lists[at]!.push({ type, targetRef: targetRef as EntityRef.EntityRef })
  }
  for (let i = 0; i < entities.length; i++) {
    const entity = entities[i]!
    const spec = entity.spec
    const definition = spec === undefined ? undefined : registry.get(entity.kind)
    if (definition === undefined || spec === undefined) continue
    const namespace = entity.metadata.namespace ?? EntityRef.DEFAULT_NAMESPACE
    for (const field of definition.relations) {
      const value = spec[field.field]
      if (value === undefined || value === null) continue
      const values: ReadonlyArray<unknown> = Array.isArray(value) ? value : [value]
      for (const v of values) {
        const target = quickRef(v, field.defaultKind, namespace)
        if (target === undefined) continue
        add(i, field.relation, target)
        add(index.get(target), field.inverse, refs[i]!)
      }
    }
  }
  const out: Array<Entity> = new Array(entities.length)
  for (let i = 0; i < entities.length; i++) {
    const e = entities[i]!
    // A literal with known keys is much cheaper than a spread on the 100k-entity path.
    out[i] = e.spec === undefined
      ? { apiVersion: e.apiVersion, kind: e.kind, metadata: e.metadata, relations: sortedUnique(lists[i]!) }
      : { apiVersion: e.apiVersion, kind: e.kind, metadata: e.metadata, spec: e.spec, relations: sortedUnique(lists[i]!) }
  }
  return out
}

/**
 * The inverse of a relation type (`ownedBy` → `ownerOf`), or `undefined` for a type outside the
 * seven pairs.
 *
 * @since 0.1.0
 */
export const inverse = (type: string): string | undefined => inverseOf[type]
