/**
 * The run set of an environment: which services run in it, which are shared from a base
 * environment, and in which order they start.
 *
 * For a change set the roots are the changed services and the dependents their change can break
 * (direct dependents by default). Everything the roots depend on, transitively, runs too —
 * unless the caller shares it from a base environment (then its own dependencies are the base
 * environment's business and are not pulled in). Dependencies come from the catalog:
 * `dependsOn` (relations, or `spec.dependsOn`) and `consumesApis` → the components that
 * provide those APIs.
 *
 * @since 0.1.0
 */
import { EntityRef } from "@paved/catalog"
import * as Either from "effect/Either"
import type { CatalogEntry } from "./ChangeSet.js"
import { InvalidSpec } from "./Environment.js"

/**
 * How far to follow dependents of the changed services: not at all, one hop (the services that
 * call a changed one directly), or transitively.
 *
 * @since 0.1.0
 */
export type DependentsPolicy = "none" | "direct" | "transitive"

/**
 * The inputs of {@link resolve}.
 *
 * @since 0.1.0
 */
export interface RunSetInput {
  /** Services the caller names (run regardless of a change set). */
  readonly services?: ReadonlyArray<string> | undefined
  /** Services a change set touches. */
  readonly changed?: ReadonlyArray<string> | undefined
  readonly dependents?: DependentsPolicy | undefined
  /** Dependencies to take from a base environment instead of running them: ref → environment. */
  readonly share?: Readonly<Record<string, string>> | undefined
  /**
   * Whether a service can run here (e.g. it has a workload file). A dependent that cannot is
   * listed in `skipped` instead of failing the plan: a website or batch job that consumes a
   * changed API is worth knowing about, but it does not stop the preview.
   */
  readonly runnable?: ((ref: string) => boolean) | undefined
}

/**
 * Why a service is in the run set.
 *
 * @since 0.1.0
 */
export type Reason = "requested" | "changed" | "dependent" | "dependency"

/**
 * The resolved run set: services to run (with the reason and their in-set dependencies), the
 * shared ones, the start order as layers (each layer can start in parallel once the previous
 * ones are ready), and the catalog Resource entities the set depends on.
 *
 * @since 0.1.0
 */
export interface RunSet {
  readonly run: ReadonlyArray<{ readonly ref: string; readonly reason: Reason; readonly dependsOn: ReadonlyArray<string> }>
  readonly shared: ReadonlyArray<{ readonly ref: string; readonly from: string }>
  readonly layers: ReadonlyArray<ReadonlyArray<string>>
  readonly catalogResources: ReadonlyArray<string>
  /** Dependents of the change that cannot run here, and why. */
  readonly skipped: ReadonlyArray<{ readonly ref: string; readonly reason: string }>
}

/**
 * The dependency edges between catalog entities: ref → refs it depends on.
 *
 * @since 0.1.0
 */
export const dependencyGraph = (entries: ReadonlyArray<CatalogEntry>): ReadonlyMap<string, ReadonlySet<string>> => {
  const providers = new Map<string, Array<string>>()
  for (const { entity, ref } of entries) {
    const namespace = entity.metadata.namespace ?? EntityRef.DEFAULT_NAMESPACE
    for (const api of asStrings(entity.spec?.providesApis)) {
      const parsed = EntityRef.parse(api, { defaultKind: "api", defaultNamespace: namespace })
      if (Either.isRight(parsed)) providers.set(parsed.right, [...(providers.get(parsed.right) ?? []), String(ref)])
    }
  }
  const graph = new Map<string, Set<string>>()
  for (const { entity, ref } of entries) {
    const namespace = entity.metadata.namespace ?? EntityRef.DEFAULT_NAMESPACE
    const edges = new Set<string>()
    for (const relation of entity.relations ?? []) {
      if (relation.type === "dependsOn") edges.add(relation.targetRef)
    }
    for (const target of asStrings(entity.spec?.dependsOn)) {
      const parsed = EntityRef.parse(target, { defaultNamespace: namespace })
      if (Either.isRight(parsed)) edges.add(parsed.right)
    }
    for (const api of asStrings(entity.spec?.consumesApis)) {
      const parsed = EntityRef.parse(api, { defaultKind: "api", defaultNamespace: namespace })
      if (Either.isRight(parsed)) for (const provider of providers.get(parsed.right) ?? []) edges.add(provider)
    }
    edges.delete(String(ref))
    graph.set(String(ref), edges)
  }
  return graph
}

const asStrings = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []

const isComponentRef = (ref: string) => ref.startsWith("component:")

/**
 * Resolves the run set. Fails when a named service is not a catalog component, or when the
 * services to run depend on each other in a cycle (no start order exists).
 *
 * @since 0.1.0
 */
export const resolve = (entries: ReadonlyArray<CatalogEntry>, input: RunSetInput): Either.Either<RunSet, InvalidSpec> => {
  const graph = dependencyGraph(entries)
  const known = new Set(entries.map((e) => String(e.ref)))
  const normalise = (input: string): Either.Either<string, InvalidSpec> => {
    const parsed = EntityRef.parse(input, { defaultKind: "component" })
    if (Either.isLeft(parsed)) return Either.left(new InvalidSpec({ reason: parsed.left.message }))
    if (!known.has(parsed.right)) {
      return Either.left(new InvalidSpec({ reason: `${parsed.right} is not in the catalog; check the name or the catalog paths` }))
    }
    return Either.right(parsed.right)
  }
  const share = new Map<string, string>()
  for (const [ref, from] of Object.entries(input.share ?? {})) {
    const parsed = normalise(ref)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    share.set(parsed.right, from)
  }
  const reasons = new Map<string, Reason>()
  for (const [list, reason] of [[input.services ?? [], "requested"], [input.changed ?? [], "changed"]] as const) {
    for (const ref of list) {
      const parsed = normalise(ref)
      if (Either.isLeft(parsed)) return Either.left(parsed.left)
      if (!reasons.has(parsed.right)) reasons.set(parsed.right, reason)
    }
  }
  const policy = input.dependents ?? "direct"
  const skipped = new Map<string, string>()
  if (policy !== "none") {
    const dependentsOf = new Map<string, Array<string>>()
    for (const [from, targets] of graph) for (const to of targets) dependentsOf.set(to, [...(dependentsOf.get(to) ?? []), from])
    let frontier: ReadonlyArray<string> = [...(input.changed ?? [])].map((r) => EntityRef.parse(r, { defaultKind: "component" })).filter(Either.isRight).map((e) => e.right)
    while (frontier.length > 0) {
      const next: Array<string> = []
      for (const ref of frontier) {
        for (const dependent of dependentsOf.get(ref) ?? []) {
          if (isComponentRef(dependent) && !reasons.has(dependent) && !share.has(dependent) && !skipped.has(dependent)) {
            if (input.runnable !== undefined && !input.runnable(dependent)) {
              skipped.set(dependent, `depends on ${ref}, but has no workload to run`)
              continue
            }
            reasons.set(dependent, "dependent")
            next.push(dependent)
          }
        }
      }
      frontier = policy === "transitive" ? next : []
    }
  }
  const shared = new Map<string, string>()
  const catalogResources = new Set<string>()
  const stack = [...reasons.keys()]
  while (stack.length > 0) {
    const ref = stack.pop()!
    for (const dep of graph.get(ref) ?? []) {
      if (!isComponentRef(dep)) {
        if (dep.startsWith("resource:")) catalogResources.add(dep)
        continue
      }
      if (reasons.has(dep) || shared.has(dep)) continue
      const from = share.get(dep)
      if (from !== undefined) {
        shared.set(dep, from)
        continue
      }
      reasons.set(dep, "dependency")
      stack.push(dep)
    }
  }
  const runRefs = [...reasons.keys()].sort()
  const inSet = (ref: string) => reasons.has(ref)
  const run = runRefs.map((ref) => ({ ref, reason: reasons.get(ref)!, dependsOn: [...(graph.get(ref) ?? [])].filter(inSet).sort() }))
  const layers: Array<Array<string>> = []
  const placed = new Set<string>()
  while (placed.size < run.length) {
    const layer = run.filter((s) => !placed.has(s.ref) && s.dependsOn.every((d) => placed.has(d))).map((s) => s.ref)
    if (layer.length === 0) {
      const cycle = run.filter((s) => !placed.has(s.ref)).map((s) => s.ref)
      return Either.left(new InvalidSpec({ reason: `these services depend on each other in a cycle, so no start order exists: ${cycle.join(", ")}` }))
    }
    for (const ref of layer) placed.add(ref)
    layers.push(layer)
  }
  return Either.right({
    run,
    shared: [...shared].map(([ref, from]) => ({ ref, from })).sort((a, b) => a.ref.localeCompare(b.ref)),
    layers,
    catalogResources: [...catalogResources].sort(),
    skipped: [...skipped].map(([ref, reason]) => ({ ref, reason })).sort((a, b) => a.ref.localeCompare(b.ref))
  })
}
