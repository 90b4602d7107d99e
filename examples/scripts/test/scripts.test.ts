/**
 * The team scripts, run over the demo organisation as a platform engineer would run them.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Scaffold, TemplateRegistry } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { goldenUpgradeReport } from "../src/golden-upgrade-report.js"
import { ownershipAudit } from "../src/ownership-audit.js"
import { previewForPr } from "../src/preview-for-pr.js"
import { scorecardCampaign } from "../src/scorecard-campaign.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const demoOrg = path.join(repoRoot, "examples/demo-org")
const beforeReorg = path.join(demoOrg, "history/before-reorg/org.yaml")

describe("ownership audit", () => {
  it.effect("hands the removed team's component to the team that took its people", () =>
    Effect.gen(function*() {
      const outcome = yield* ownershipAudit([demoOrg], beforeReorg)
      expect(outcome.failed).toBe(true)
      expect(outcome.report.byTeam).toEqual({
        "group:default/catalog-team": [{
          entity: "component:default/search-indexer",
          problem: "owner-removed",
          why: "received 2 of 2 former members of group:default/search"
        }]
      })
    }))

  it.effect("without the old snapshot, still flags the owner, as unassigned", () =>
    Effect.gen(function*() {
      const outcome = yield* ownershipAudit([demoOrg])
      expect(Object.keys(outcome.report.byTeam)).toEqual(["(unassigned: needs a decision)"])
      expect(outcome.text).toContain("component:default/search-indexer")
    }))
})

describe("scorecard campaign", () => {
  it.effect("measures each team against the target level and names the rules to fix first", () =>
    Effect.gen(function*() {
      const { report } = yield* scorecardCampaign([demoOrg], "gold")
      const byTeam = Object.fromEntries(report.teams.map((t) => [t.team, [t.atTarget, t.services]]))
      expect(byTeam["group:default/web"]).toEqual([1, 1])
      expect(byTeam["group:default/commerce"]).toEqual([2, 4])
      expect(report.teams.reduce((n, t) => n + t.services, 0)).toBe(9)
      expect(report.topBlockers).toHaveLength(3)
      for (const b of report.topBlockers) expect(b.fix.length).toBeGreaterThan(10)
    }))
})

describe("golden-path upgrade report", () => {
  it.effect("lists the service behind its template, and drift in a generated checkout", () =>
    Effect.gen(function*() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-upgrade-"))
      try {
        const registry = yield* TemplateRegistry.TemplateRegistry
        const old = yield* registry.get("node-http-service", "1.0.0")
        yield* Scaffold.generate({ template: old, answers: { name: "billing" }, out: path.join(root, "billing") })
        fs.appendFileSync(path.join(root, "billing", "Dockerfile"), "\n# tweaked by hand\n")
        const { failed, report } = yield* goldenUpgradeReport([demoOrg], root)
        expect(failed).toBe(true)
        expect(report.behind).toEqual([{ ref: "component:default/orders-api", template: "node-http-service", from: "1.0.0", to: "1.1.0" }])
        expect(report.upToDate).toBe(2)
        expect(report.checkouts).toEqual([{ dir: path.join(root, "billing"), version: "1.0.0", latest: "1.1.0", driftedFiles: ["Dockerfile"] }])
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    }).pipe(Effect.provide([TemplateRegistry.layerBuiltin, NodeContext.layer])))
})

describe("preview for a pull request", () => {
  it.effect("runs the changed services and what they need, and provisions their databases", () =>
    Effect.gen(function*() {
      const { report } = yield* previewForPr({
        root: demoOrg,
        name: "pr-42",
        changedFiles: ["services/storefront/server.mjs", "services/orders-api/score.yaml", "README.md"]
      })
      expect(report.run.map((s) => [s.ref, s.reason])).toEqual([
        ["component:default/catalog-api", "dependency"],
        ["component:default/orders-api", "changed"],
        ["component:default/storefront", "changed"]
      ])
      expect(report.resources.map((r) => r.type)).toEqual(["postgres", "postgres", "postgres"])
      expect(report.unmatchedFiles).toEqual(["README.md"])
    }))
})
