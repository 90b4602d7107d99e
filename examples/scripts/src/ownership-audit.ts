/**
 * Ownership audit: every entity whose owner is missing, dangling, empty or gone since the last
 * snapshot, grouped by the team that should pick it up. Run it after a reorg, or weekly in CI.
 *
 *   npm run ownership-audit -w @paved/example-scripts -- examples/demo-org --previous=examples/demo-org/history/before-reorg/org.yaml
 */
import { Catalog, CatalogView, OwnershipHealth } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { isMain, type Outcome, pathFlag, positional, runScript } from "./main.js"

/** The audit's rows: one per entity to fix, with the team that should take it. */
export interface Audit {
  readonly byTeam: Readonly<Record<string, ReadonlyArray<{ readonly entity: string; readonly problem: string; readonly why: string }>>>
  readonly usersWithoutGroup: ReadonlyArray<string>
}

// No entities means nothing was audited: say so, and fail, rather than report all clear.
const nothingChecked = (paths: ReadonlyArray<string>): Outcome<Audit> => ({
  report: { byTeam: {}, usersWithoutGroup: [] },
  text: `No catalog entities in ${paths.join(", ")}: nothing was checked.`,
  failed: true
})

/** Audits the catalog at `paths`, against an older snapshot when given. */
export const ownershipAudit = (paths: ReadonlyArray<string>, previous?: string): Effect.Effect<Outcome<Audit>> =>
  Effect.gen(function*() {
    const current = yield* Catalog.load(paths)
    if (current.entities.length === 0) return nothingChecked(paths)
    const before = previous === undefined ? undefined : yield* Catalog.load([previous])
    const report = OwnershipHealth.report(
      CatalogView.fromEntities(current.entities.map((e) => e.entity)),
      { previous: before === undefined ? undefined : CatalogView.fromEntities(before.entities.map((e) => e.entity)) }
    )
    const byTeam: Record<string, Array<{ entity: string; problem: string; why: string }>> = {}
    for (const f of report.findings) {
      const team = f.suggestion?.owner ?? "(unassigned: needs a decision)"
      ;(byTeam[team] ??= []).push({ entity: f.ref, problem: f.problem, why: f.suggestion?.reason ?? f.message })
    }
    const lines = Object.entries(byTeam).flatMap(([team, rows]) => [
      `${team}:`,
      ...rows.map((r) => `  ${r.entity}  ${r.problem}  (${r.why})`)
    ])
    return {
      report: { byTeam, usersWithoutGroup: report.usersWithoutGroup },
      text: lines.length === 0 ? "Every entity has a healthy owner." : lines.join("\n"),
      failed: report.findings.length > 0
    }
  })

if (isMain(import.meta.url)) runScript(ownershipAudit(positional(), pathFlag("previous")), { catalog: positional(), paths: [pathFlag("previous")] })
