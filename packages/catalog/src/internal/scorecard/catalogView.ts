import * as Either from "effect/Either"
import type { Entity } from "../../Entity.js"
import * as EntityRef from "../../EntityRef.js"
import type { CatalogView } from "../../CatalogView.js"

const namespaceOf = (entity: Entity): string => entity.metadata.namespace ?? EntityRef.DEFAULT_NAMESPACE

const refList = (value: unknown): ReadonlyArray<string> =>
  typeof value === "string" ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []

const parseRef = (input: string, defaultKind: string | undefined, namespace: string): EntityRef.EntityRef | undefined => {
  const parsed = EntityRef.parse(input, { defaultKind, defaultNamespace: namespace })
  return Either.isRight(parsed) ? parsed.right : undefined
}

const relationTargets = (entity: Entity, type: string): ReadonlyArray<EntityRef.EntityRef> | undefined => {
  const relations = entity.relations
  if (relations === undefined || relations.length === 0) return undefined
  const out: Array<EntityRef.EntityRef> = []
  for (const r of relations) if (r.type === type) out.push(r.targetRef)
  return out
}

const pushTo = <K, V>(map: Map<K, Array<V>>, key: K, value: V) => {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else if (!list.includes(value)) list.push(value)
}

/** @internal */
export const fromEntities = (input: ReadonlyArray<Entity>): CatalogView => {
  const byRef = new Map<EntityRef.EntityRef, Entity>()
  const refs = new WeakMap<Entity, EntityRef.EntityRef>()
  for (const entity of input) {
    const ref = EntityRef.of(entity)
    refs.set(entity, ref)
    byRef.set(ref, entity)
  }
  const entities = [...byRef.values()]
  const refOf = (entity: Entity): EntityRef.EntityRef => refs.get(entity) ?? EntityRef.of(entity)

  const members = new Map<EntityRef.EntityRef, Array<EntityRef.EntityRef>>()
  const groups = new Map<EntityRef.EntityRef, Array<EntityRef.EntityRef>>()
  const parents = new Map<EntityRef.EntityRef, EntityRef.EntityRef>()
  const children = new Map<EntityRef.EntityRef, Array<EntityRef.EntityRef>>()
  for (const entity of entities) {
    const ref = refOf(entity)
    const ns = namespaceOf(entity)
    const kind = entity.kind.toLowerCase()
    if (kind === "user") {
      const viaRelations = relationTargets(entity, "memberOf")
      const memberOf = viaRelations ?? refList(entity.spec?.memberOf).flatMap((s) => parseRef(s, "Group", ns) ?? [])
      for (const g of memberOf) {
        pushTo(members, g, ref)
        pushTo(groups, ref, g)
      }
    } else if (kind === "group") {
      for (const s of refList(entity.spec?.members)) {
        const user = parseRef(s, "User", ns)
        if (user !== undefined) {
          pushTo(members, ref, user)
          pushTo(groups, user, ref)
        }
      }
      const parentRaw = entity.spec?.parent
      const parent = typeof parentRaw === "string" ? parseRef(parentRaw, "Group", ns) : undefined
      if (parent !== undefined) {
        parents.set(ref, parent)
        pushTo(children, parent, ref)
      }
      for (const s of refList(entity.spec?.children)) {
        const child = parseRef(s, "Group", ns)
        if (child === undefined) continue
        pushTo(children, ref, child)
        if (!parents.has(child)) parents.set(child, ref)
      }
    }
  }

  // Several rules ask for the same entity's owner and dependencies; parse each once.
  const owners = new WeakMap<Entity, EntityRef.EntityRef | null>()
  const ownerOf = (entity: Entity): EntityRef.EntityRef | undefined => {
    const cached = owners.get(entity)
    if (cached !== undefined) return cached ?? undefined
    const raw = entity.spec?.owner
    const owner = typeof raw === "string" && raw.length > 0
      ? parseRef(raw, "Group", namespaceOf(entity))
      : relationTargets(entity, "ownedBy")?.[0]
    owners.set(entity, owner ?? null)
    return owner
  }
  const dependencies = new WeakMap<Entity, ReadonlyArray<EntityRef.EntityRef>>()
  const dependenciesOf = (entity: Entity): ReadonlyArray<EntityRef.EntityRef> => {
    const cached = dependencies.get(entity)
    if (cached !== undefined) return cached
    const ns = namespaceOf(entity)
    const declared = refList(entity.spec?.dependsOn).flatMap((s) => parseRef(s, "Component", ns) ?? [])
    const result = declared.length > 0 ? declared : (relationTargets(entity, "dependsOn") ?? [])
    dependencies.set(entity, result)
    return result
  }
  const systemOf = (entity: Entity): EntityRef.EntityRef | undefined => {
    const raw = entity.spec?.system
    return typeof raw === "string" && raw.length > 0 ? parseRef(raw, "System", namespaceOf(entity)) : undefined
  }

  const allMembersOf = (group: EntityRef.EntityRef): ReadonlyArray<EntityRef.EntityRef> => {
    const seen = new Set<EntityRef.EntityRef>()
    const users = new Set<EntityRef.EntityRef>()
    const visit = (g: EntityRef.EntityRef) => {
      if (seen.has(g)) return
      seen.add(g)
      for (const u of members.get(g) ?? []) users.add(u)
      for (const c of children.get(g) ?? []) visit(c)
    }
    visit(group)
    return [...users]
  }

  return {
    entities,
    allMembersOf,
    childrenOf: (group) => children.get(group) ?? [],
    refOf,
    get: (ref) => byRef.get(ref),
    ownerOf,
    membersOf: (group) => members.get(group) ?? [],
    groupsOf: (user) => groups.get(user) ?? [],
    parentOf: (group) => parents.get(group),
    dependenciesOf,
    systemOf
  }
}
