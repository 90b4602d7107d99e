/**
 * Dependency drift: what the traces show against what the catalog declares.
 *
 * - **undeclared**: a catalogued service called another (a child span in another service, or a
 *   client/producer span naming a peer) that it declares neither in `dependsOn` nor through an
 *   API it `consumesApis` and the callee provides;
 * - **unobserved**: a service that was active in the window never called a dependency it
 *   declares (so the declaration may be stale);
 * - **unknownServices**: services that sent spans but are not in the catalog.
 *
 * Services that sent no spans in the window are not judged: silence proves nothing.
 *
 * @since 0.1.0
 */
import type { Entity } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { indexCatalog } from "./internal/catalogIndex.js"
import type * as SpanStore from "./SpanStore.js"

/**
 * An observed call that the catalog does not declare. `targetRef` is empty when the callee is
 * a peer name that matches no catalog entity.
 *
 * @since 0.1.0
 */
export interface UndeclaredEdge {
  readonly sourceRef: string
  readonly targetRef: string
  readonly target: string
  readonly via: "spans" | "peer"
  readonly calls: number
}

/**
 * A declared dependency that no span showed in the window. `relation` says where it was
 * declared; `api` is the consumed API when it came from `consumesApis`.
 *
 * @since 0.1.0
 */
export interface UnobservedEdge {
  readonly sourceRef: string
  readonly targetRef: string
  readonly relation: "dependsOn" | "consumesApi"
  readonly api?: string | undefined
}

/**
 * The drift report.
 *
 * @since 0.1.0
 */
export interface DriftReport {
  readonly undeclared: ReadonlyArray<UndeclaredEdge>
  readonly unobserved: ReadonlyArray<UnobservedEdge>
  readonly unknownServices: ReadonlyArray<SpanStore.ObservedService>
  /** Whether any of the three lists is non-empty. */
  readonly drift: boolean
}

/**
 * Computes drift from the spans in the window and the given catalog entities (with or without
 * their computed relations).
 *
 * @since 0.1.0
 */
export const compute = (
  store: SpanStore.Query,
  entities: ReadonlyArray<Entity.Entity>,
  window: SpanStore.Window = {}
): Effect.Effect<DriftReport, SpanStore.SpanStoreError> =>
  Effect.gen(function*() {
    const catalog = indexCatalog(entities)
    const services = yield* store.services(window)
    const edges = yield* store.serviceMap(window)
    const namespaceOf = new Map(services.map((s) => [s.entityRef, s.namespace]))

    const observed = new Map<string, Set<string>>()
    const undeclared: Array<UndeclaredEdge> = []
    // What a source may call: its dependsOn targets, and each consumed API and its providers.
    const declared = (source: string): Map<string, UnobservedEdge> => {
      const out = new Map<string, UnobservedEdge>()
      for (const relation of catalog.relations(source)) {
        if (relation.type === "dependsOn") {
          out.set(relation.targetRef, { sourceRef: source, targetRef: relation.targetRef, relation: "dependsOn" })
        } else if (relation.type === "consumesApi") {
          const providers = new Set([
            ...catalog.sourcesOf("providesApi", relation.targetRef),
            ...catalog.relations(relation.targetRef).filter((r) => r.type === "apiProvidedBy").map((r) => r.targetRef)
          ])
          for (const provider of providers) {
            out.set(provider, { sourceRef: source, targetRef: provider, relation: "consumesApi", api: relation.targetRef })
          }
          if (providers.size === 0) out.set(relation.targetRef, { sourceRef: source, targetRef: relation.targetRef, relation: "consumesApi", api: relation.targetRef })
        }
      }
      return out
    }

    for (const edge of edges) {
      if (!catalog.byRef.has(edge.sourceRef)) continue
      const targetRef = edge.via === "spans"
        ? edge.targetRef
        : catalog.resolveName(edge.target, namespaceOf.get(edge.sourceRef) ?? "default") ?? ""
      if (targetRef === edge.sourceRef) continue
      const seen = observed.get(edge.sourceRef) ?? new Set<string>()
      seen.add(targetRef === "" ? `peer:${edge.target}` : targetRef)
      observed.set(edge.sourceRef, seen)
      if (targetRef !== "" && declared(edge.sourceRef).has(targetRef)) continue
      undeclared.push({ sourceRef: edge.sourceRef, targetRef, target: edge.target, via: edge.via, calls: edge.calls })
    }

    const unobserved: Array<UnobservedEdge> = []
    for (const service of services) {
      if (!catalog.byRef.has(service.entityRef)) continue
      const seen = observed.get(service.entityRef) ?? new Set<string>()
      const byApi = new Map<string, boolean>()
      const candidates = [...declared(service.entityRef).values()]
      for (const candidate of candidates) {
        if (candidate.api !== undefined) byApi.set(candidate.api, (byApi.get(candidate.api) ?? false) || seen.has(candidate.targetRef))
      }
      for (const candidate of candidates) {
        if (seen.has(candidate.targetRef)) continue
        // An API counts as used when any one of its providers was called.
        if (candidate.api !== undefined && byApi.get(candidate.api) === true) continue
        if (candidate.api !== undefined && unobserved.some((u) => u.sourceRef === candidate.sourceRef && u.api === candidate.api)) continue
        unobserved.push(candidate)
      }
    }

    const unknownServices = services.filter((s) => !catalog.byRef.has(s.entityRef))
    const sortBy = <A extends { readonly sourceRef: string; readonly targetRef: string }>(list: Array<A>) =>
      list.sort((a, b) => a.sourceRef.localeCompare(b.sourceRef) || a.targetRef.localeCompare(b.targetRef))
    return {
      undeclared: sortBy(undeclared),
      unobserved: sortBy(unobserved),
      unknownServices,
      drift: undeclared.length > 0 || unobserved.length > 0 || unknownServices.length > 0
    }
  })
