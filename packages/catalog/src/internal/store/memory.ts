/**
 * The in-memory backend: the same records as the SQL backends, held in maps. A semaphore
 * serialises writers; a plan is applied synchronously, so readers never see half an ingest.
 */
import * as Effect from "effect/Effect"
import type { RelationEdge, StoredEntity } from "./model.js"
import type { Entity } from "../../Entity.js"
import type { HistoryEntry } from "../../History.js"
import type { FacetCount, FilterSet } from "../../Query.js"
import type { Backend, LocationRecord, Plan, SortedRow, Tx } from "./backend.js"
import type { EntityRecord, RecordHead, SearchPair } from "./records.js"
import { canonicalJson, searchOf } from "./records.js"

type MemoryRecord = EntityRecord & { readonly search: ReadonlyArray<SearchPair> }

/** A stored record as the public type. */
export const toStoredEntity = (r: EntityRecord): StoredEntity => ({
  ref: r.ref,
  entity: r.entity,
  location: r.location,
  file: r.file,
  line: r.line,
  column: r.column,
  hash: r.hash,
  problems: r.problems,
  firstSeen: r.firstSeen,
  lastChanged: r.lastChanged,
  orphan: r.orphan,
  owner: r.owner
})

const matchesSet = (r: MemoryRecord, set: FilterSet): boolean =>
  set.every((c) =>
    r.search.some((p) => p.key === c.key && (c.values === undefined || (p.value !== null && c.values.includes(p.value))))
  )

const matches = (r: MemoryRecord, filter: ReadonlyArray<FilterSet> | undefined, terms: ReadonlyArray<string>): boolean =>
  (filter === undefined || filter.length === 0 || filter.some((set) => matchesSet(r, set))) &&
  terms.every((t) => r.text.includes(t))

const sortValueOf = (r: MemoryRecord, field: string): string => {
  if (field === "ref") return r.ref
  let min: string | undefined
  for (const p of r.search) if (p.key === field && p.value !== null && (min === undefined || p.value < min)) min = p.value
  return min ?? ""
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Builds an empty in-memory backend. */
export const makeMemoryBackend: Effect.Effect<Backend> = Effect.gen(function*() {
  const lock = yield* Effect.makeSemaphore(1)
  const records = new Map<string, MemoryRecord>()
  const outEdges = new Map<string, ReadonlyArray<RelationEdge>>()
  const inEdges = new Map<string, Array<RelationEdge>>()
  const locations = new Map<string, LocationRecord>()
  const history: Array<HistoryEntry> = []

  const remove = (ref: string) => {
    const r = records.get(ref)
    if (r === undefined) return
    for (const e of r.edges) {
      const list = inEdges.get(e.target)
      if (list !== undefined) inEdges.set(e.target, list.filter((x) => x.source !== ref))
    }
    outEdges.delete(ref)
    records.delete(ref)
  }

  const apply = (plan: Plan) =>
    Effect.sync(() => {
      for (const ref of plan.deletes) remove(ref)
      for (const u of plan.upserts) {
        remove(u.ref)
        records.set(u.ref, { ...u, search: searchOf(u) })
        outEdges.set(u.ref, u.edges)
        for (const e of u.edges) {
          const list = inEdges.get(e.target)
          if (list === undefined) inEdges.set(e.target, [e])
          else list.push(e)
        }
      }
      for (const h of plan.history) history.push({ ...h, id: history.length + 1 })
      for (const l of plan.removedLocations) locations.delete(l)
      for (const l of plan.locations) locations.set(l.location, l)
    })

  const tx: Tx = {
    heads: Effect.sync(() =>
      [...records.values()].map((r): RecordHead => ({
        ref: r.ref,
        location: r.location,
        file: r.file,
        hash: r.hash,
        problemsJson: canonicalJson(r.problems),
        line: r.line,
        column: r.column,
        orphan: r.orphan,
        firstSeen: r.firstSeen,
        lastChanged: r.lastChanged
      }))
    ),
    locations: Effect.sync(() => [...locations.values()]),
    entities: (refs) =>
      Effect.sync(() => {
        const out = new Map<string, Entity>()
        for (const ref of refs) {
          const r = records.get(ref)
          if (r !== undefined) out.set(ref, r.entity)
        }
        return out
      }),
    apply
  }

  const backend: Backend = {
    kind: "memory",
    transaction: (f) => lock.withPermits(1)(f(tx)),
    getMany: (refs) =>
      Effect.sync(() => refs.flatMap((ref) => {
        const r = records.get(ref)
        return r === undefined ? [] : [toStoredEntity(r)]
      })),
    query: (q) =>
      Effect.sync(() => {
        const matching = [...records.values()].filter((r) => matches(r, q.filter, q.terms))
        const sign = q.order.direction === "asc" ? 1 : -1
        let rows: Array<SortedRow & { readonly ref: string }> = matching.map((r) => ({
          item: toStoredEntity(r),
          sortValue: sortValueOf(r, q.order.field),
          ref: r.ref
        }))
        rows.sort((a, b) => sign * (compare(a.sortValue, b.sortValue) || compare(a.ref, b.ref)))
        const after = q.after
        if (after !== undefined) {
          rows = rows.filter((r) => sign * (compare(r.sortValue, after.sortValue) || compare(r.ref, after.ref)) > 0)
        }
        const page = q.limit === undefined ? rows : rows.slice(0, q.limit + 1)
        return { rows: page.map(({ item, sortValue }) => ({ item, sortValue })), total: matching.length }
      }),
    facets: (field, filter, terms) =>
      Effect.sync(() => {
        const groups = new Map<string, { raw: string; count: number }>()
        for (const r of records.values()) {
          if (!matches(r, filter, terms)) continue
          for (const p of r.search) {
            if (p.key !== field || p.value === null || p.raw === null) continue
            const g = groups.get(p.value)
            if (g === undefined) groups.set(p.value, { raw: p.raw, count: 1 })
            else groups.set(p.value, { raw: p.raw < g.raw ? p.raw : g.raw, count: g.count + 1 })
          }
        }
        return [...groups]
          .sort(([va, a], [vb, b]) => b.count - a.count || compare(va, vb))
          .map(([, g]): FacetCount => ({ value: g.raw, count: g.count }))
      }),
    edges: (refs, direction, types) =>
      Effect.sync(() => {
        const out: Array<RelationEdge> = []
        for (const ref of refs) {
          const list = direction === "out" ? outEdges.get(ref) : inEdges.get(ref)
          for (const e of list ?? []) if (types === undefined || types.includes(e.type)) out.push(e)
        }
        return out.sort((a, b) => compare(a.source, b.source) || compare(a.type, b.type) || compare(a.target, b.target))
      }),
    allEdges: (types) =>
      Effect.sync(() =>
        [...outEdges.values()].flat()
          .filter((e) => types === undefined || types.includes(e.type))
          .sort((a, b) => compare(a.source, b.source) || compare(a.type, b.type) || compare(a.target, b.target))
      ),
    history: (q) =>
      Effect.sync(() =>
        history
          .filter((h) => (q.ref === undefined || h.ref === q.ref) && (q.since === undefined || h.at >= q.since))
          .reverse()
          .slice(0, q.limit)
      ),
    locations: Effect.sync(() => [...locations.values()].sort((a, b) => compare(a.location, b.location))),
    count: Effect.sync(() => records.size)
  }
  return backend
})
