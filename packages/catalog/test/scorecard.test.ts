import { describe, expect, it } from "@effect/vitest"
import { BuiltinRules, CatalogView, Facts, Rule, Scorecard } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestClock from "effect/TestClock"
import { readEntities } from "./fixtures/scorecards/entities.js"

const good = CatalogView.fromEntities(readEntities("good", "catalog-info.yaml"))
const bad = CatalogView.fromEntities(readEntities("bad", "catalog-info.yaml"))

const evaluate = <R>(scorecard: Scorecard.Scorecard<R>, view: CatalogView.CatalogView) =>
  Scorecard.evaluate(scorecard, view).pipe(Effect.provide(Facts.layerEmpty))

describe("default scorecard", () => {
  it.effect("every rule passes on the good catalog, so every scored entity is gold with full points", () =>
    Effect.gen(function*() {
      const report = yield* evaluate(Scorecard.defaultScorecard, good)
      expect(report.entities.map((e) => e.ref).sort()).toEqual([
        "api:default/payments",
        "component:default/payments-api",
        "resource:default/payments-db",
        "system:default/checkout"
      ])
      for (const e of report.entities) {
        expect(e.results.filter((r) => r.status !== "pass"), e.ref).toEqual([])
        expect(e.level).toBe("gold")
        expect(e.points).toBe(e.maxPoints)
      }
      const ruled = new Set(report.entities.flatMap((e) => e.results.map((r) => r.rule)))
      expect([...ruled].sort()).toEqual(BuiltinRules.all.map((r) => r.id).sort())
    }))

  it.effect("every built-in rule fails somewhere in the bad catalog, each with a message saying how to fix it", () =>
    Effect.gen(function*() {
      const report = yield* evaluate(Scorecard.defaultScorecard, bad)
      const failures = report.entities.flatMap((e) => e.results.filter((r) => r.status === "fail").map((r) => ({ ref: e.ref, ...r })))
      const failed = new Set(failures.map((f) => f.rule))
      expect([...failed].sort()).toEqual(BuiltinRules.all.map((r) => r.id).sort())
      const message = (ref: string, rule: string) => failures.find((f) => f.ref === ref && f.rule === rule)?.message
      expect(message("component:default/orphan", "has-owner")).toMatch(/Set spec.owner/)
      expect(message("system:default/legacy", "owner-exists")).toMatch(/group:default\/nobody-team is not in the catalog/)
      expect(message("component:default/old-billing", "owner-exists")).toMatch(/is a System; point spec.owner at a Group or a User/)
      expect(message("component:default/haunted", "owner-has-members")).toMatch(/group:default\/ghosts has no members/)
      expect(message("component:default/haunted", "dependencies-exist")).toMatch(/component:default\/does-not-exist/)
      expect(message("component:default/haunted", "no-deprecated-dependency")).toMatch(/component:default\/old-billing/)
      expect(message("api:default/undefined-api", "api-has-definition")).toMatch(/spec.definition/)
      expect(message("component:default/haunted", "has-on-call")).toMatch(/pagerduty.com\/service-id or opsgenie.com\/team/)
      const orphan = report.entities.find((e) => e.ref === "component:default/orphan")!
      expect(orphan.level).toBeNull()
      expect(orphan.nextLevel).toBe("bronze")
      // Only the two dependency rules pass (it declares none): 5 + 5 of the 75 points that apply to a component.
      expect([orphan.points, orphan.maxPoints]).toEqual([10, 75])
    }))

  it.effect("summarises per owner, counting entities per level and open failures", () =>
    Effect.gen(function*() {
      const report = yield* evaluate(Scorecard.defaultScorecard, bad)
      const ghosts = report.owners.find((o) => o.owner === "group:default/ghosts")!
      expect(ghosts.entities).toBe(2)
      expect(ghosts.levels).toEqual({ bronze: 2, silver: 0, gold: 0, none: 0 })
      expect(ghosts.failing).toBeGreaterThan(0)
      expect(report.owners.find((o) => o.owner === "(no owner)")?.entities).toBe(1)
    }))
})

describe("levels", () => {
  const at = (id: string, status: Rule.Status) => Rule.sync({ id, version: 1, title: id, check: () => ({ status, message: id }) })
  const entity = { apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "x" }, spec: { owner: "a" } }
  const view = CatalogView.fromEntities([entity])

  it.effect("an entity holds a level only when it passes that level and every lower one", () =>
    Effect.gen(function*() {
      const card = Scorecard.make({
        name: "t",
        levels: ["bronze", "silver", "gold"],
        rules: [
          { rule: at("b", "pass"), level: "bronze", points: 1 },
          { rule: at("s", "fail"), level: "silver", points: 2 },
          { rule: at("g", "pass"), level: "gold", points: 4 }
        ]
      })
      const [score] = (yield* evaluate(card, view)).entities
      expect(score!.level).toBe("bronze")
      expect(score!.nextLevel).toBe("silver")
      expect(score!.points).toBe(5)
      expect(score!.maxPoints).toBe(7)
    }))

  it.effect("unknown blocks a level like a fail but is reported as unknown, not as a failure", () =>
    Effect.gen(function*() {
      const card = Scorecard.make({ name: "t", levels: ["bronze"], rules: [{ rule: at("u", "unknown"), level: "bronze" }] })
      const report = yield* evaluate(card, view)
      expect(report.entities[0]!.level).toBeNull()
      expect(report.entities[0]!.results[0]!.status).toBe("unknown")
      expect(report.owners[0]!.failing).toBe(0)
      expect(report.owners[0]!.unknown).toBe(1)
    }))

  it.effect("an exemption counts as passing until the end of its expiry date", () =>
    Effect.gen(function*() {
      const card = Scorecard.make({
        name: "t",
        levels: ["bronze"],
        rules: [{ rule: at("f", "fail"), level: "bronze" }],
        exemptions: [{ entity: view.refOf(entity), rule: "f", reason: "migrating", expires: "2026-12-31" }]
      })
      yield* TestClock.setTime(Date.parse("2026-12-31T23:00:00Z"))
      const during = (yield* evaluate(card, view)).entities[0]!
      expect(during.level).toBe("bronze")
      expect(during.results[0]!.exempted).toEqual({ reason: "migrating", expires: "2026-12-31" })
      yield* TestClock.setTime(Date.parse("2027-01-01T00:00:01Z"))
      const after = (yield* evaluate(card, view)).entities[0]!
      expect(after.level).toBeNull()
      expect(after.results[0]!.message).toMatch(/exemption expired on 2026-12-31/)
    }))

  it.effect("rules that do not apply to a kind are left out of level and points", () =>
    Effect.gen(function*() {
      const card = Scorecard.make({ name: "t", levels: ["bronze"], rules: [{ rule: BuiltinRules.apiHasDefinition, level: "bronze", points: 3 }] })
      const score = (yield* evaluate(card, view)).entities[0]!
      expect(score.results).toEqual([])
      expect(score.level).toBe("bronze")
      expect(score.maxPoints).toBe(0)
    }))
})

describe("plan", () => {
  it.effect("lists the entities whose level would change under an edited scorecard, and the rule changes", () =>
    Effect.gen(function*() {
      const edited = Either.getOrThrow(Scorecard.parseYaml(`
name: production-readiness
levels: [bronze, silver, gold]
filter: { kind: [Component, API, Resource, System] }
rules:
  - { use: has-owner, level: bronze, points: 10 }
  - { use: owner-exists, level: bronze, points: 10 }
  - { use: has-description, level: bronze, points: 5 }
  - { use: has-on-call, level: silver, points: 10 }
`))
      const plan = yield* Scorecard.plan(Scorecard.defaultScorecard, edited, good).pipe(Effect.provide(Facts.layerEmpty))
      expect(plan.changes).toEqual([])
      expect(plan.unchanged).toBe(4)
      expect(plan.rules).toContainEqual({ rule: "has-on-call", change: "changed", detail: "level gold -> silver" })
      expect(plan.rules).toContainEqual({ rule: "has-runbook", change: "removed", detail: "was at gold" })

      const badPlan = yield* Scorecard.plan(Scorecard.defaultScorecard, edited, bad).pipe(Effect.provide(Facts.layerEmpty))
      // haunted held bronze under the default (owner exists, described) and still does; the
      // API, which the default capped at bronze for its missing definition, now reaches gold:
      // the edited scorecard has no silver rule that applies to an API.
      expect(badPlan.changes).toContainEqual({
        ref: "api:default/undefined-api",
        owner: "group:default/ghosts",
        from: "bronze",
        to: "gold",
        change: "up"
      })
    }))
})
