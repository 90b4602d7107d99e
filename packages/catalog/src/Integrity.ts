/**
 * Referential integrity over a whole set of entities — what Backstage leaves as soft errors:
 * dangling references (an owner, system, domain, API, dependency, member or parent that is not
 * in the catalog), references to the wrong kind (an owner that is a Component), and cycles
 * (dependsOn, subcomponentOf, group parents, subdomainOf). Each finding is a {@link Problem}
 * whose severity a {@link Policy} sets.
 *
 * @since 0.1.0
 */
import type { Entity } from "./Entity.js"
import * as EntityRef from "./EntityRef.js"
import { defaultRegistry, type Registry } from "./KindRegistry.js"
import type { Problem, Severity } from "./Problem.js"
import { outgoing, type Outgoing } from "./Relations.js"

/**
 * The severity of each kind of finding; `off` drops it.
 *
 * @since 0.1.0
 */
export interface Policy {
  readonly danglingRef: Severity | "off"
  readonly wrongKind: Severity | "off"
  readonly cycle: Severity | "off"
}

/**
 * Warnings for dangling references (Backstage accepts them), errors for wrong kinds and cycles.
 *
 * @since 0.1.0
 */
export const defaultPolicy: Policy = { danglingRef: "warning", wrongKind: "error", cycle: "error" }

/** The hierarchies that must not loop: each is built from forward fields (self → target) and backward fields (target → self). */
const hierarchies = [
  { name: "dependsOn", forward: ["dependsOn"], backward: ["dependencyOf"] },
  { name: "subcomponentOf", forward: ["subcomponentOf"], backward: [] },
  { name: "group parent", forward: ["parent"], backward: ["children"] },
  { name: "subdomainOf", forward: ["subdomainOf"], backward: [] }
] as const

const pathString = (path: ReadonlyArray<string | number>) =>
  path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s.length === 0 ? p : `${s}.${p}`), "")

/**
 * Checks a set of valid entities. Problems carry the referring entity's ref and the JSON path of
 * the field (`spec.owner`); the loader adds file, line and column.
 *
 * @since 0.1.0
 */
export const check = (
  entities: ReadonlyArray<Entity>,
  options: { readonly policy?: Policy; readonly registry?: Registry } = {}
): Array<Problem> => {
  const policy = options.policy ?? defaultPolicy
  const registry = options.registry ?? defaultRegistry
  const kindOf = new Map<string, string>()
  const refs = entities.map((e) => EntityRef.of(e))
  for (let i = 0; i < entities.length; i++) kindOf.set(refs[i]!, entities[i]!.kind)
  const problems: Array<Problem> = []
  const edges: Array<{ readonly from: EntityRef.EntityRef; readonly rel: Outgoing }> = []
  for (let i = 0; i < entities.length; i++) {
    const from = refs[i]!
    for (const rel of outgoing(entities[i]!, registry).relations) {
      edges.push({ from, rel })
      const targetKind = kindOf.get(rel.targetRef)
      if (targetKind === undefined) {
        if (policy.danglingRef !== "off") {
          const field = pathString(rel.path)
          problems.push({
            severity: policy.danglingRef,
            path: field,
            ref: from,
            rule: "integrity/dangling-ref",
            message: `${field} refers to ${rel.targetRef}, which is not in the catalog; add that entity, or fix the reference`
          })
        }
      } else if (
        rel.allowedKinds !== undefined && policy.wrongKind !== "off" &&
        !rel.allowedKinds.some((k) => k.toLowerCase() === targetKind.toLowerCase())
      ) {
        const field = pathString(rel.path)
        problems.push({
          severity: policy.wrongKind,
          path: field,
          ref: from,
          rule: "integrity/wrong-kind",
          message: `${field} refers to ${rel.targetRef}, a ${targetKind}, but it must be a ${rel.allowedKinds.join(" or ")}; point it at one`
        })
      }
    }
  }
  if (policy.cycle !== "off") {
    for (const h of hierarchies) problems.push(...cycles(h, edges, kindOf, policy.cycle))
  }
  return problems
}

const cycles = (
  hierarchy: (typeof hierarchies)[number],
  edges: ReadonlyArray<{ readonly from: EntityRef.EntityRef; readonly rel: Outgoing }>,
  present: ReadonlyMap<string, string>,
  severity: Severity
): Array<Problem> => {
  // The field's path is written out only for the edge a cycle is reported at.
  const next = new Map<string, Array<{ to: string; path: ReadonlyArray<string | number>; owner: string }>>()
  const link = (a: string, b: string, owner: string, path: ReadonlyArray<string | number>) => {
    if (!present.has(a) || !present.has(b)) return
    let list = next.get(a)
    if (list === undefined) next.set(a, (list = []))
    list.push({ to: b, path, owner })
  }
  for (const { from, rel } of edges) {
    const field = rel.path[1]
    if ((hierarchy.forward as ReadonlyArray<unknown>).includes(field)) link(from, rel.targetRef, from, rel.path)
    else if ((hierarchy.backward as ReadonlyArray<unknown>).includes(field)) link(rel.targetRef, from, from, rel.path)
  }
  // Tarjan's strongly connected components, iteratively so deep chains cannot overflow the stack.
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: Array<string> = []
  const problems: Array<Problem> = []
  let counter = 0
  for (const start of next.keys()) {
    if (index.has(start)) continue
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }]
    index.set(start, counter)
    low.set(start, counter++)
    stack.push(start)
    onStack.add(start)
    while (work.length > 0) {
      const top = work[work.length - 1]!
      const out = next.get(top.node) ?? []
      if (top.i < out.length) {
        const to = out[top.i++]!.to
        if (!index.has(to)) {
          index.set(to, counter)
          low.set(to, counter++)
          stack.push(to)
          onStack.add(to)
          work.push({ node: to, i: 0 })
        } else if (onStack.has(to)) low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!))
        continue
      }
      work.pop()
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!))
      }
      if (low.get(top.node) !== index.get(top.node)) continue
      const component: Array<string> = []
      let member: string | undefined
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== top.node)
      const selfLoop = component.length === 1 && (next.get(component[0]!) ?? []).some((e) => e.to === component[0])
      if (component.length < 2 && !selfLoop) continue
      const members = new Set(component)
      const first = [...component].sort()[0]!
      const edge = (next.get(first) ?? []).find((e) => members.has(e.to))!
      problems.push({
        severity,
        path: pathString(edge.path),
        ref: edge.owner,
        rule: "integrity/cycle",
        message: `${hierarchy.name} cycle: ${[...component].sort().join(" -> ")} -> ${first}; break the loop by removing one of these references`
      })
    }
  }
  return problems
}
