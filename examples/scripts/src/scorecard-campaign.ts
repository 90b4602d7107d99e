/**
 * Scorecard campaign summary: how far each team is from getting every service to a target
 * level, and the three rules whose fixes would move the most services.
 *
 *   npm run scorecard-campaign -w @paved/example-scripts -- examples/demo-org --level=gold
 */
import { Catalog, CatalogView, Facts, Scorecard } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { flag, isMain, type Outcome, positional, runScript } from "./main.js"

/** Progress of one team towards the campaign's level. */
export interface TeamProgress {
  readonly team: string
  readonly services: number
  readonly atTarget: number
  readonly percent: number
}

/** The campaign summary. */
export interface Campaign {
  readonly level: string
  readonly teams: ReadonlyArray<TeamProgress>
  readonly topBlockers: ReadonlyArray<{ readonly rule: string; readonly services: number; readonly fix: string }>
}

/** Summarises the campaign "every service at `level`" over the catalog at `paths`. */
export const scorecardCampaign = (paths: ReadonlyArray<string>, level: string): Effect.Effect<Outcome<Campaign>> =>
  Effect.gen(function*() {
    const { entities } = yield* Catalog.load(paths)
    const view = CatalogView.fromEntities(entities.map((e) => e.entity))
    const report = yield* Scorecard.evaluate(Scorecard.defaultScorecard, view, {
      filter: (e) => e.kind === "Component" && e.spec?.type === "service"
    }).pipe(Effect.provide(Facts.layerEmpty))
    const target = report.levels.indexOf(level)
    // Nothing scored, or a level the scorecard does not have: nothing was checked, so no campaign.
    if (report.entities.length === 0 || target < 0) {
      return {
        report: { level, teams: [], topBlockers: [] },
        text: target < 0
          ? `The scorecard has no level ${level} (its levels: ${report.levels.join(", ")}): nothing was checked.`
          : `No services in ${paths.join(", ")}: nothing was checked.`,
        failed: true
      }
    }
    const reached = (l: string | null) => l !== null && report.levels.indexOf(l) >= target
    const teams = new Map<string, { services: number; atTarget: number }>()
    const blockers = new Map<string, { services: number; fix: string }>()
    for (const e of report.entities) {
      const team = e.owner ?? "(no owner)"
      const t = teams.get(team) ?? { services: 0, atTarget: 0 }
      t.services++
      if (reached(e.level)) t.atTarget++
      teams.set(team, t)
      for (const r of e.results) {
        if (r.status !== "fail" || r.exempted !== undefined || report.levels.indexOf(r.level) > target) continue
        const b = blockers.get(r.rule) ?? { services: 0, fix: r.message }
        b.services++
        blockers.set(r.rule, b)
      }
    }
    const campaign: Campaign = {
      level,
      teams: [...teams].map(([team, t]) => ({ team, ...t, percent: Math.round((100 * t.atTarget) / t.services) }))
        .sort((a, b) => a.percent - b.percent || a.team.localeCompare(b.team)),
      topBlockers: [...blockers].map(([rule, b]) => ({ rule, ...b }))
        .sort((a, b) => b.services - a.services || a.rule.localeCompare(b.rule)).slice(0, 3)
    }
    const text = [
      `Campaign: every service at ${level}`,
      ...campaign.teams.map((t) => `  ${t.team.padEnd(28)} ${t.atTarget}/${t.services} (${t.percent}%)`),
      "Fix these first:",
      ...campaign.topBlockers.map((b) => `  ${b.rule} (${b.services} services): ${b.fix}`)
    ].join("\n")
    return { report: campaign, text, failed: false }
  })

if (isMain(import.meta.url)) runScript(scorecardCampaign(positional(), flag("level") ?? "gold"))
