/**
 * The dependency graph of one entity as SVG: its dependents on the left, itself in the middle,
 * what it depends on, consumes, provides or belongs to on the right, and calls seen in traces
 * but not declared as dashed edges. Every node links to its page.
 */
import { entityPath, shortRef } from "../href.js"
import type { Link, Model } from "../model.js"

const RIGHT = new Set(["dependsOn", "consumesApi", "providesApi", "partOf"])
const LEFT = new Set(["dependencyOf", "apiConsumedBy", "apiProvidedBy", "hasPart"])
const MAX_PER_SIDE = 24
const W = 210
const H = 30
const GAP = 38
const COLS = [10, 330, 650]

interface Node {
  readonly ref: string
  readonly label: string
  readonly undeclared?: boolean
}

const cut = (s: string, n = 28) => (s.length > n ? s.slice(0, n - 1) + "…" : s)

const side = (links: ReadonlyArray<Link>, types: ReadonlySet<string>): Array<Node> => {
  const seen = new Map<string, Array<string>>()
  for (const l of links) {
    if (!types.has(l.type)) continue
    const list = seen.get(l.ref) ?? []
    list.push(l.type)
    seen.set(l.ref, list)
  }
  return [...seen].map(([ref, t]) => ({ ref, label: `${t.join(", ")}: ${shortRef(ref)}` }))
}

/** The graph, or nothing when the entity has no such relations. */
export const DependencyGraph = (props: { readonly model: Model; readonly root: string; readonly entityRef: string }) => {
  const { model, root, entityRef } = props
  const links = model.outgoing(entityRef)
  const left = side(links, LEFT)
  const right = side(links, RIGHT)
  const declared = new Set(right.map((n) => n.ref))
  for (const e of model.undeclared(entityRef)) {
    const ref = e.targetRef || e.target
    if (!declared.has(ref)) right.push({ ref, label: `calls (undeclared): ${shortRef(ref)}`, undeclared: true })
  }
  if (left.length === 0 && right.length === 0) return <p className="muted">No dependencies, dependents, APIs or system membership.</p>
  const l = left.slice(0, MAX_PER_SIDE)
  const r = right.slice(0, MAX_PER_SIDE)
  const rows = Math.max(l.length, r.length, 1)
  const height = rows * GAP + 20
  const cy = height / 2 - H / 2
  const y = (i: number, n: number) => height / 2 - (n * GAP) / 2 + i * GAP + (GAP - H) / 2
  const node = (n: Node, x: number, top: number, key: string) => {
    const href = model.byRef.has(n.ref) ? root + entityPath(n.ref) : undefined
    const box = (
      <g>
        <rect x={x} y={top} width={W} height={H} rx={5} strokeDasharray={n.undeclared === true ? "5 3" : undefined} />
        <text x={x + 8} y={top + 19}>{cut(n.label)}</text>
        <title>{n.label}</title>
      </g>
    )
    return href === undefined ? <g key={key}>{box}</g> : <a key={key} href={href}>{box}</a>
  }
  return (
    <figure>
      <svg className="graph" role="group" aria-label={`Dependency graph of ${entityRef}`} viewBox={`0 0 ${COLS[2]! + W + 10} ${height}`} width={COLS[2]! + W + 10} height={height}>
        {l.map((n, i) => <line key={`ll${i}`} x1={COLS[0]! + W} y1={y(i, l.length) + H / 2} x2={COLS[1]!} y2={cy + H / 2} />)}
        {r.map((n, i) => (
          <line key={`lr${i}`} x1={COLS[1]! + W} y1={cy + H / 2} x2={COLS[2]!} y2={y(i, r.length) + H / 2} strokeDasharray={n.undeclared === true ? "6 4" : undefined} />
        ))}
        {l.map((n, i) => node(n, COLS[0]!, y(i, l.length), `l${i}`))}
        <g className="self">{node({ ref: entityRef, label: model.title(entityRef) }, COLS[1]!, cy, "self")}</g>
        {r.map((n, i) => node(n, COLS[2]!, y(i, r.length), `r${i}`))}
      </svg>
      <figcaption className="muted">
        Left: what depends on it or belongs to it. Right: what it depends on, consumes, provides or belongs to; dashed: calls seen in traces but not declared.
        {left.length > MAX_PER_SIDE || right.length > MAX_PER_SIDE ? " Only the first 24 on each side are drawn; the relations table lists all." : ""}
      </figcaption>
    </figure>
  )
}
