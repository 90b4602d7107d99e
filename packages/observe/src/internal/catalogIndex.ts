/**
 * The parts of a catalog the telemetry queries need: entities by ref, relations (as loaded, or
 * computed from the spec when an entity came without them), and lookups by name for peers that
 * are only known by the name a client span gave them.
 */
import { type Entity, EntityRef, Relations } from "@paved/catalog"

export interface CatalogIndex {
  readonly byRef: ReadonlyMap<string, Entity.Entity>
  readonly relations: (ref: string) => ReadonlyArray<Entity.EntityRelation>
  /** Entities that have a relation of `type` to `target` (e.g. the providers of an API). */
  readonly sourcesOf: (type: string, target: string) => ReadonlyArray<string>
  /** The entity a bare peer name stands for: a Component, then a Resource, then an API. */
  readonly resolveName: (name: string, namespace: string) => string | undefined
}

export const indexCatalog = (entities: ReadonlyArray<Entity.Entity>): CatalogIndex => {
  const byRef = new Map<string, Entity.Entity>()
  const relationsByRef = new Map<string, ReadonlyArray<Entity.EntityRelation>>()
  const incoming = new Map<string, Array<string>>()
  for (const entity of entities) {
    const ref = EntityRef.of(entity)
    byRef.set(ref, entity)
    const relations = entity.relations ?? Relations.outgoing(entity).relations.map((r) => ({ type: r.type, targetRef: r.targetRef }))
    relationsByRef.set(ref, relations)
  }
  for (const [ref, relations] of relationsByRef) {
    for (const relation of relations) {
      const key = `${relation.type}\u0000${relation.targetRef}`
      const list = incoming.get(key) ?? []
      if (!list.includes(ref)) list.push(ref)
      incoming.set(key, list)
    }
  }
  const resolveName = (name: string, namespace: string): string | undefined => {
    const lower = name.toLowerCase()
    for (const kind of ["component", "resource", "api"]) {
      const local = `${kind}:${namespace.toLowerCase()}/${lower}`
      if (byRef.has(local)) return local
    }
    for (const ref of byRef.keys()) {
      const parts = EntityRef.toCompound(ref as EntityRef.EntityRef)
      if (parts.name === lower && ["component", "resource", "api"].includes(parts.kind)) return ref
    }
    return undefined
  }
  return {
    byRef,
    relations: (ref) => relationsByRef.get(ref) ?? [],
    sourcesOf: (type, target) => incoming.get(`${type}\u0000${target}`) ?? [],
    resolveName
  }
}
