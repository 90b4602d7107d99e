/**
 * The catalog as a graph: transitive dependencies and dependents (with a depth limit and a
 * choice of relation types), the path between two entities, cycles, and the blast radius of an
 * entity — every transitive dependent with its owner. Traversals read one level at a time from
 * the store's relation index, so they cost what they visit, not the size of the catalog.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CatalogStore, type RelationEdge, type StoreError } from "./CatalogStore.js"
import type { EntityRef } from "./EntityRef.js"
import { canonicalRef } from "./internal/store/service.js"

/**
 * The relation types followed by default: `dependsOn` (a dependent points at its dependency).
 *
 * @since 0.1.0
 */
export const DEFAULT_RELATION_TYPES: ReadonlyArray<string> = ["dependsOn"]

/**
 * `dependencies` follows relations from the entity; `dependents` follows them backwards.
 *
 * @since 0.1.0
 */
export type TraversalDirection = "dependencies" | "dependents"

/**
 * Options of a traversal: direction (default `dependencies`), maximum depth (default unlimited),
 * relation types (default {@link DEFAULT_RELATION_TYPES}).
 *
 * @since 0.1.0
 */
export interface TraversalOptions {
  readonly direction?: TraversalDirection | undefined
  readonly depth?: number | undefined
  readonly relationTypes?: ReadonlyArray<string> | undefined
}

/**
 * An entity reached by a traversal: at which depth, and through which entity and relation.
 *
 * @since 0.1.0
 */
export interface GraphNode {
  readonly ref: EntityRef
  readonly depth: number
  readonly via: EntityRef
  readonly relation: string
}

/**
 * The result of a traversal: the reached entities (breadth-first, sorted within a level) and
 * every edge followed.
 *
 * @since 0.1.0
 */
export interface Traversal {
  readonly root: EntityRef
  readonly direction: TraversalDirection
  readonly nodes: ReadonlyArray<GraphNode>
  readonly edges: ReadonlyArray<RelationEdge>
}

/**
 * Walks the graph breadth-first from `root`.
 *
 * @since 0.1.0
 */
export const traverse = (
  root: string,
  options: TraversalOptions = {}
): Effect.Effect<Traversal, StoreError, CatalogStore> =>
  Effect.gen(function*() {
    const store = yield* CatalogStore
    const start = canonicalRef(root) as EntityRef
    const direction = options.direction ?? "dependencies"
    const types = options.relationTypes ?? DEFAULT_RELATION_TYPES
    const maxDepth = options.depth ?? Number.POSITIVE_INFINITY
    const seen = new Set<string>([start])
    const nodes: Array<GraphNode> = []
    const edges: Array<RelationEdge> = []
    let frontier: ReadonlyArray<string> = [start]
    for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
      const step = yield* store.edges(frontier, { direction: direction === "dependencies" ? "out" : "in", types })
      const next: Array<string> = []
      for (const e of step) {
        edges.push(e)
        const from = direction === "dependencies" ? e.source : e.target
        const to = direction === "dependencies" ? e.target : e.source
        if (seen.has(to)) continue
        seen.add(to)
        next.push(to)
        nodes.push({ ref: to, depth, via: from, relation: e.type })
      }
      frontier = next
    }
    return { root: start, direction, nodes, edges }
  }).pipe(Effect.withSpan("Graph.traverse"))

/**
 * Everything `root` depends on, transitively.
 *
 * @since 0.1.0
 */
export const dependencies = (root: string, options: Omit<TraversalOptions, "direction"> = {}) =>
  traverse(root, { ...options, direction: "dependencies" })

/**
 * Everything that depends on `root`, transitively.
 *
 * @since 0.1.0
 */
export const dependents = (root: string, options: Omit<TraversalOptions, "direction"> = {}) =>
  traverse(root, { ...options, direction: "dependents" })

/**
 * The shortest path from `from` to `to` following relations forwards (refs, both ends
 * included), or none.
 *
 * @since 0.1.0
 */
export const path = (
  from: string,
  to: string,
  options: Omit<TraversalOptions, "direction"> = {}
): Effect.Effect<Option.Option<ReadonlyArray<EntityRef>>, StoreError, CatalogStore> =>
  Effect.gen(function*() {
    const store = yield* CatalogStore
    const start = canonicalRef(from) as EntityRef
    const goal = canonicalRef(to) as EntityRef
    const types = options.relationTypes ?? DEFAULT_RELATION_TYPES
    const maxDepth = options.depth ?? Number.POSITIVE_INFINITY
    const parent = new Map<string, EntityRef | null>([[start, null]])
    let frontier: ReadonlyArray<string> = [start]
    for (let depth = 1; depth <= maxDepth && frontier.length > 0 && !parent.has(goal); depth++) {
      const step = yield* store.edges(frontier, { direction: "out", types })
      const next: Array<string> = []
      for (const e of step) {
        if (parent.has(e.target)) continue
        parent.set(e.target, e.source)
        next.push(e.target)
      }
      frontier = next
    }
    if (!parent.has(goal)) return Option.none()
    const out: Array<EntityRef> = []
    for (let at: EntityRef | null = goal; at !== null; at = parent.get(at) ?? null) out.push(at)
    return Option.some(out.reverse())
  })

/**
 * A cycle: the members of one strongly connected component, and one concrete loop through them
 * (first ref repeated at the end).
 *
 * @since 0.1.0
 */
export interface Cycle {
  readonly members: ReadonlyArray<EntityRef>
  readonly loop: ReadonlyArray<EntityRef>
}

/**
 * Every cycle of the graph over the given relation types (Tarjan's strongly connected
 * components, iteratively, so deep graphs do not overflow the stack).
 *
 * @since 0.1.0
 */
export const cycles = (
  options: { readonly relationTypes?: ReadonlyArray<string> | undefined } = {}
): Effect.Effect<ReadonlyArray<Cycle>, StoreError, CatalogStore> =>
  Effect.gen(function*() {
    const store = yield* CatalogStore
    const edges = yield* store.allEdges(options.relationTypes ?? DEFAULT_RELATION_TYPES)
    const adjacency = new Map<string, Array<EntityRef>>()
    for (const e of edges) {
      const list = adjacency.get(e.source)
      if (list === undefined) adjacency.set(e.source, [e.target])
      else list.push(e.target)
    }
    return stronglyConnected(adjacency)
  })

const stronglyConnected = (adjacency: ReadonlyMap<string, ReadonlyArray<EntityRef>>): ReadonlyArray<Cycle> => {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: Array<string> = []
  const out: Array<Cycle> = []
  let counter = 0
  for (const startNode of [...adjacency.keys()].sort()) {
    if (index.has(startNode)) continue
    const work: Array<{ node: string; next: number }> = [{ node: startNode, next: 0 }]
    index.set(startNode, counter)
    low.set(startNode, counter++)
    stack.push(startNode)
    onStack.add(startNode)
    while (work.length > 0) {
      const frame = work[work.length - 1]!
      const targets = adjacency.get(frame.node) ?? []
      if (frame.next < targets.length) {
        const t = targets[frame.next++]!
        if (!index.has(t)) {
          index.set(t, counter)
          low.set(t, counter++)
          stack.push(t)
          onStack.add(t)
          work.push({ node: t, next: 0 })
        } else if (onStack.has(t)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(t)!))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!))
      if (low.get(frame.node) !== index.get(frame.node)) continue
      const members: Array<EntityRef> = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        members.push(member as EntityRef)
      } while (member !== frame.node)
      const selfLoop = members.length === 1 && (adjacency.get(members[0]!) ?? []).includes(members[0]!)
      if (members.length > 1 || selfLoop) {
        members.sort()
        out.push({ members, loop: loopThrough(members, adjacency) })
      }
    }
  }
  return out.sort((a, b) => (a.members[0]! < b.members[0]! ? -1 : 1))
}

// The shortest loop from the first member back to itself, inside the component.
const loopThrough = (members: ReadonlyArray<EntityRef>, adjacency: ReadonlyMap<string, ReadonlyArray<EntityRef>>): ReadonlyArray<EntityRef> => {
  const inside = new Set<string>(members)
  const start = members[0]!
  const parent = new Map<string, EntityRef>()
  let frontier: Array<EntityRef> = [start]
  while (frontier.length > 0) {
    const next: Array<EntityRef> = []
    for (const node of frontier) {
      for (const t of adjacency.get(node) ?? []) {
        if (!inside.has(t)) continue
        if (t === start) {
          const loop: Array<EntityRef> = [start]
          for (let at: EntityRef = node; at !== start; at = parent.get(at)!) loop.push(at)
          loop.push(start)
          return [loop[0]!, ...loop.slice(1, -1).reverse(), start]
        }
        if (parent.has(t)) continue
        parent.set(t, node)
        next.push(t)
      }
    }
    frontier = next
  }
  return [start, start]
}

/**
 * One entity affected when `root` breaks: how far it is and who owns it.
 *
 * @since 0.1.0
 */
export interface Impacted {
  readonly ref: EntityRef
  readonly depth: number
  readonly via: EntityRef
  readonly owner: string | null
}

/**
 * The blast radius of `root`: every transitive dependent with its owner, and the owners to
 * notify with how many of their entities are affected.
 *
 * @since 0.1.0
 */
export interface BlastRadius {
  readonly root: EntityRef
  readonly impacted: ReadonlyArray<Impacted>
  readonly owners: ReadonlyArray<{ readonly owner: string | null; readonly count: number }>
}

/**
 * Computes the blast radius of `root`.
 *
 * @since 0.1.0
 */
export const blastRadius = (
  root: string,
  options: Omit<TraversalOptions, "direction"> = {}
): Effect.Effect<BlastRadius, StoreError, CatalogStore> =>
  Effect.gen(function*() {
    const store = yield* CatalogStore
    const walk = yield* dependents(root, options)
    const ownerEdges = yield* store.edges(walk.nodes.map((n) => n.ref), { direction: "out", types: ["ownedBy"] })
    const ownerOf = new Map<string, string>()
    for (const e of ownerEdges) if (!ownerOf.has(e.source)) ownerOf.set(e.source, e.target)
    const impacted = walk.nodes.map((n): Impacted => ({ ref: n.ref, depth: n.depth, via: n.via, owner: ownerOf.get(n.ref) ?? null }))
    const counts = new Map<string | null, number>()
    for (const i of impacted) counts.set(i.owner, (counts.get(i.owner) ?? 0) + 1)
    const owners = [...counts]
      .map(([owner, count]) => ({ owner, count }))
      .sort((a, b) => b.count - a.count || String(a.owner).localeCompare(String(b.owner)))
    return { root: walk.root, impacted, owners }
  })
