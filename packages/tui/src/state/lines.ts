/**
 * Scrollable "line" views: the entity detail, the graph neighbours and the ownership lists are
 * lists of lines, some of which open another view with Enter. Built here as pure functions of
 * what the store returned, so the components only draw them.
 */
import type { RelationEdge, StoredEntity } from "@paved/catalog/CatalogStore"
import type * as Problem from "@paved/catalog/Problem"
import { type View, view } from "./app.js"
import { type CatalogIndex, facetCounts, shortRef } from "./catalogIndex.js"

/** How a line is drawn. */
export type LineStyle = "heading" | "text" | "dim" | "link" | "error" | "warning" | "ok"

/** One line of a line view. */
export interface Line {
  readonly text: string
  readonly style: LineStyle
  /** The view Enter opens from this line. */
  readonly open?: View | undefined
}

const line = (text: string, style: LineStyle = "text", open?: View): Line => ({ text, style, open })

const field = (label: string, value: string | undefined): ReadonlyArray<Line> =>
  value === undefined || value.length === 0 ? [] : [line(`  ${label.padEnd(12)} ${value}`)]

const stringOf = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined

/** A problem as one line: severity, rule, message and where. */
export const problemLine = (p: Problem.Problem): Line => {
  const where = p.file === undefined ? "" : ` (${p.file}${p.line === undefined ? "" : `:${p.line}:${p.column ?? 1}`})`
  return line(`  ${p.severity === "error" ? "✗" : "!"} ${p.rule}: ${p.message}${where}`, p.severity === "error" ? "error" : "warning")
}

/** Extra sections other packages contribute to the entity detail (scorecard, environments, ...). */
export interface Section {
  readonly title: string
  readonly lines: ReadonlyArray<Line>
}

/**
 * The entity detail: metadata, relations (each opens the related entity), problems, then the
 * sections other packages contribute.
 */
export const entityDetail = (stored: StoredEntity, extra: ReadonlyArray<Section> = []): ReadonlyArray<Line> => {
  const e = stored.entity
  const spec = e.spec ?? {}
  const out: Array<Line> = [line(stored.ref, "heading")]
  out.push(...field("title", e.metadata.title))
  out.push(...field("kind", `${e.kind}${stringOf(spec.type) === undefined ? "" : ` (${stringOf(spec.type)})`}`))
  out.push(...field("owner", stored.owner ?? stringOf(spec.owner)))
  out.push(...field("lifecycle", stringOf(spec.lifecycle)))
  out.push(...field("system", stringOf(spec.system)))
  out.push(...field("tags", (e.metadata.tags ?? []).join(", ")))
  out.push(...field("description", e.metadata.description))
  out.push(...field("source", stored.file.length > 0 ? `${stored.file}${stored.line === null ? "" : `:${stored.line}`}` : stored.location))
  if (stored.orphan) out.push(line("  orphan: its location no longer lists it", "warning"))
  for (const link of e.metadata.links ?? []) out.push(line(`  link         ${link.title ?? link.url} ${link.title === undefined ? "" : link.url}`, "dim"))
  const annotations = Object.entries(e.metadata.annotations ?? {})
  if (annotations.length > 0) {
    out.push(line("annotations", "heading"))
    for (const [k, v] of annotations) out.push(line(`  ${k}: ${v}`, "dim"))
  }
  const relations = e.relations ?? []
  out.push(line(`relations (${relations.length})`, "heading"))
  if (relations.length === 0) out.push(line("  none", "dim"))
  for (const r of [...relations].sort((a, b) => a.type.localeCompare(b.type) || a.targetRef.localeCompare(b.targetRef))) {
    out.push(line(`  ${r.type.padEnd(16)} ${r.targetRef}`, "link", view("entity", r.targetRef)))
  }
  out.push(line(`problems (${stored.problems.length})`, "heading"))
  if (stored.problems.length === 0) out.push(line("  none", "ok"))
  out.push(...stored.problems.map(problemLine))
  for (const section of extra) {
    out.push(line(section.title, "heading"))
    out.push(...(section.lines.length === 0 ? [line("  none", "dim")] : section.lines))
  }
  return out
}

/**
 * The graph neighbours of an entity: outgoing relations, then incoming ones; each opens the
 * neighbour's own neighbours, so the graph can be walked.
 */
export const neighbours = (
  ref: string,
  outgoing: ReadonlyArray<RelationEdge>,
  incoming: ReadonlyArray<RelationEdge>
): ReadonlyArray<Line> => {
  const byType = (a: RelationEdge, b: RelationEdge) => a.type.localeCompare(b.type)
  return [
    line(`${ref}`, "heading"),
    line(`outgoing (${outgoing.length})`, "heading"),
    ...(outgoing.length === 0 ? [line("  none", "dim")] : []),
    ...[...outgoing].sort(byType).map((e) => line(`  → ${e.type.padEnd(16)} ${e.target}`, "link", view("graph", e.target))),
    line(`incoming (${incoming.length})`, "heading"),
    ...(incoming.length === 0 ? [line("  none", "dim")] : []),
    ...[...incoming].sort(byType).map((e) => line(`  ← ${e.type.padEnd(16)} ${e.source}`, "link", view("graph", e.source)))
  ]
}

/** Every owner in the catalog with how many entities it owns (from the loaded index). */
export const owners = (index: CatalogIndex, all: Int32Array): ReadonlyArray<Line> => {
  const counts = facetCounts(index, all, "owner", Number.MAX_SAFE_INTEGER)
  return [
    line(`owners (${counts.length})`, "heading"),
    ...counts.map((c) => line(`  ${c.value.padEnd(36)} ${String(c.count).padStart(6)} entities`, "link", view("owned", c.value)))
  ]
}

/** A short label for a ref in a list (kind kept, default namespace dropped). */
export const label = (ref: string): string => shortRef(ref)

/** The health of one entity as another package reports it (a scorecard level, drift, ...). */
export interface Health {
  readonly text: string
  readonly style: LineStyle
}

/**
 * Everything one owner owns, grouped by kind, with each entity's health when a package reports
 * it; each line opens the entity.
 */
export const owned = (
  index: CatalogIndex,
  owner: string,
  health: (ref: string) => Health | undefined = () => undefined
): ReadonlyArray<Line> => {
  const rows = index.rows.filter((r) => r.ownerLabel.toLowerCase() === owner.toLowerCase())
  const kinds = [...new Set(rows.map((r) => r.kind))].sort()
  const out: Array<Line> = [line(`${owner} owns ${rows.length} entities`, "heading")]
  for (const kind of kinds) {
    const ofKind = rows.filter((r) => r.kind === kind).sort((a, b) => a.ref.localeCompare(b.ref))
    out.push(line(`${kind} (${ofKind.length})`, "heading"))
    for (const r of ofKind) {
      const h = health(r.ref)
      const name = r.namespace === "default" ? r.name : `${r.namespace}/${r.name}`
      out.push(line(`  ${name.padEnd(32)} ${r.lifecycle.padEnd(12)} ${h?.text ?? ""}`.trimEnd(), h?.style ?? "link", view("entity", r.ref)))
    }
  }
  return out
}

/** A scorecard level as health: the level held, or below the first level. */
export const levelHealth = (score: { readonly level: string | null; readonly points: number; readonly maxPoints: number }): Health => ({
  text: `${score.level ?? "no level"} ${score.points}/${score.maxPoints}`,
  style: score.level === null ? "warning" : "ok"
})

/** What the scorecards view needs of a report (the shape of `Scorecard.Report`). */
export interface ScoreReport {
  readonly scorecard: string
  readonly levels: ReadonlyArray<string>
  readonly entities: ReadonlyArray<{
    readonly ref: string
    readonly owner: string | null
    readonly level: string | null
    readonly nextLevel: string | null
    readonly points: number
    readonly maxPoints: number
    readonly results: ReadonlyArray<{ readonly rule: string; readonly title: string; readonly level: string; readonly status: string; readonly message: string; readonly exempted?: unknown }>
  }>
  readonly owners: ReadonlyArray<{
    readonly owner: string
    readonly entities: number
    readonly levels: Readonly<Record<string, number>>
    readonly failing: number
  }>
}

/**
 * The scorecards view: levels by team (each opens what the team owns), then every entity from
 * the lowest score up (each opens the entity, whose detail lists the failing rules).
 */
export const scorecards = (report: ScoreReport): ReadonlyArray<Line> => {
  const levels = ["none", ...report.levels]
  const out: Array<Line> = [
    line(`scorecard ${report.scorecard}: ${report.entities.length} entities scored`, "heading"),
    line(`by team (${levels.join(" / ")}, failing rules)`, "heading")
  ]
  for (const o of [...report.owners].sort((a, b) => b.failing - a.failing || a.owner.localeCompare(b.owner))) {
    const counts = levels.map((l) => String(o.levels[l] ?? 0)).join(" / ")
    const owner = o.owner.includes(":") ? shortRef(o.owner, "group") : o.owner
    out.push(line(`  ${owner.padEnd(28)} ${String(o.entities).padStart(5)}  ${counts.padEnd(18)} ${o.failing} failing`, o.failing > 0 ? "warning" : "ok", view("owned", owner.toLowerCase())))
  }
  out.push(line("by entity (lowest level first)", "heading"))
  // The level first (no level, then the scorecard's levels in order), then the share of points.
  const rank = (level: string | null) => (level === null ? -1 : report.levels.indexOf(level))
  const ranked = [...report.entities].sort((a, b) =>
    rank(a.level) - rank(b.level) ||
    a.points / Math.max(1, a.maxPoints) - b.points / Math.max(1, b.maxPoints) ||
    a.ref.localeCompare(b.ref)
  )
  for (const e of ranked) {
    const h = levelHealth(e)
    out.push(line(`  ${shortRef(e.ref).padEnd(40)} ${h.text}`, h.style === "ok" ? "link" : h.style, view("entity", e.ref)))
  }
  return out
}

/** The scorecard section of an entity detail: its level, then each failing rule and its fix. */
export const scoreSection = (report: ScoreReport, ref: string): Section | undefined => {
  const score = report.entities.find((e) => e.ref === ref)
  if (score === undefined) return undefined
  const failing = score.results.filter((r) => r.status !== "pass" && r.exempted === undefined)
  return {
    title: `scorecard ${report.scorecard}: ${levelHealth(score).text}${score.nextLevel === null ? "" : `, next ${score.nextLevel}`}`,
    lines: failing.length === 0
      ? [line("  every rule passes", "ok")]
      : failing.map((r) => line(`  ${r.status === "fail" ? "✗" : "?"} [${r.level}] ${r.title}: ${r.message}`, r.status === "fail" ? "error" : "warning"))
  }
}
