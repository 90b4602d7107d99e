/**
 * Indexes over the collected data, built once per render so that each page is a lookup:
 * entities by ref, incoming relations, what each owner owns, each entity's score, ownership
 * finding, golden status, environments, telemetry and drift.
 */
import type { CatalogStore, OwnershipHealth, Scorecard } from "@paved/catalog"
import type { Entity } from "@paved/catalog/Entity"
import type { EnvironmentRecord } from "@paved/envs/Environment"
import type { Drift, SpanStore } from "@paved/observe"
import type { GoldenStatus, SiteData } from "../Site.js"
import { isUnavailable } from "../Site.js"

/** A relation as a page lists it. */
export interface Link {
  readonly type: string
  readonly ref: string
}

/** The facet values of an entity. */
export interface Facets {
  readonly kind: string
  readonly owner: string | undefined
  readonly lifecycle: string | undefined
  readonly system: string | undefined
  readonly tags: ReadonlyArray<string>
  readonly type: string | undefined
}

/** The derived model. */
export interface Model {
  readonly data: SiteData
  readonly byRef: ReadonlyMap<string, CatalogStore.StoredEntity>
  readonly outgoing: (ref: string) => ReadonlyArray<Link>
  readonly incoming: (ref: string) => ReadonlyArray<Link>
  readonly owned: (owner: string) => ReadonlyArray<string>
  readonly score: (ref: string) => Scorecard.EntityScore | undefined
  readonly ownerSummary: (owner: string) => Scorecard.OwnerSummary | undefined
  readonly finding: (ref: string) => OwnershipHealth.Finding | undefined
  readonly golden: (ref: string) => GoldenStatus | undefined
  readonly environments: (ref: string) => ReadonlyArray<{ readonly env: EnvironmentRecord; readonly service: EnvironmentRecord["services"][number] }>
  readonly red: (ref: string) => ReadonlyArray<SpanStore.RedRow>
  readonly traces: (ref: string) => ReadonlyArray<SpanStore.TraceSummary>
  readonly undeclared: (ref: string) => ReadonlyArray<Drift.UndeclaredEdge>
  readonly unobserved: (ref: string) => ReadonlyArray<Drift.UnobservedEdge>
  readonly facets: (stored: CatalogStore.StoredEntity) => Facets
  readonly groups: ReadonlyArray<string>
  readonly title: (ref: string) => string
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined)

const groupBy = <A>(items: Iterable<A>, key: (a: A) => string | undefined): Map<string, Array<A>> => {
  const out = new Map<string, Array<A>>()
  for (const item of items) {
    const k = key(item)
    if (k === undefined) continue
    const list = out.get(k)
    if (list === undefined) out.set(k, [item])
    else list.push(item)
  }
  return out
}

const none: ReadonlyArray<never> = []

/** The entity's display title: `metadata.title`, else its name. */
export const titleOf = (entity: Entity): string => str(entity.metadata.title) ?? entity.metadata.name

/** Builds the model. */
export const build = (data: SiteData): Model => {
  const byRef = new Map(data.entities.map((e) => [e.ref as string, e]))
  const outgoingMap = new Map<string, Array<Link>>()
  const incomingMap = new Map<string, Array<Link>>()
  for (const stored of data.entities) {
    const out: Array<Link> = []
    for (const r of stored.entity.relations ?? []) {
      out.push({ type: r.type, ref: r.targetRef })
      const list = incomingMap.get(r.targetRef)
      const link = { type: r.type, ref: stored.ref }
      if (list === undefined) incomingMap.set(r.targetRef, [link])
      else list.push(link)
    }
    outgoingMap.set(stored.ref, out)
  }
  const owners = groupBy(data.entities, (e) => e.owner ?? undefined)
  const scores = new Map(data.scorecard.entities.map((s) => [s.ref as string, s]))
  const ownerSummaries = new Map(data.scorecard.owners.map((o) => [o.owner, o]))
  const findings = new Map(data.ownership.findings.map((f) => [f.ref as string, f]))
  const golden = isUnavailable(data.golden) ? new Map<string, GoldenStatus>() : data.golden
  const envs = new Map<string, Array<{ env: EnvironmentRecord; service: EnvironmentRecord["services"][number] }>>()
  if (!isUnavailable(data.environments)) {
    for (const env of data.environments) {
      for (const service of env.services) {
        const list = envs.get(service.ref) ?? []
        list.push({ env, service })
        envs.set(service.ref, list)
      }
    }
  }
  const observe = isUnavailable(data.observe) ? undefined : data.observe
  const red = groupBy(observe?.red ?? [], (r) => r.entityRef)
  const undeclared = groupBy(observe?.drift.undeclared ?? [], (e) => e.sourceRef)
  const unobserved = groupBy(observe?.drift.unobserved ?? [], (e) => e.sourceRef)
  const groups = data.entities.filter((e) => e.entity.kind.toLowerCase() === "group").map((e) => e.ref as string)
  return {
    data,
    byRef,
    outgoing: (ref) => outgoingMap.get(ref) ?? none,
    incoming: (ref) => incomingMap.get(ref) ?? none,
    owned: (owner) => (owners.get(owner) ?? []).map((e) => e.ref),
    score: (ref) => scores.get(ref),
    ownerSummary: (owner) => ownerSummaries.get(owner),
    finding: (ref) => findings.get(ref),
    golden: (ref) => golden.get(ref),
    environments: (ref) => envs.get(ref) ?? none,
    red: (ref) => red.get(ref) ?? none,
    traces: (ref) => observe?.traces.get(ref) ?? none,
    undeclared: (ref) => undeclared.get(ref) ?? none,
    unobserved: (ref) => unobserved.get(ref) ?? none,
    facets: (stored) => {
      const spec = stored.entity.spec ?? {}
      return {
        kind: stored.entity.kind.toLowerCase(),
        owner: stored.owner ?? undefined,
        lifecycle: str(spec.lifecycle),
        system: str(spec.system),
        tags: (stored.entity.metadata.tags ?? []).filter((t): t is string => typeof t === "string"),
        type: str(spec.type)
      }
    },
    groups,
    title: (ref) => {
      const e = byRef.get(ref)
      return e === undefined ? ref : titleOf(e.entity)
    }
  }
}
