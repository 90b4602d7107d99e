import { describe, expect, it } from "@effect/vitest"
import { CatalogView, Facts, Scorecard } from "@paved/catalog"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import * as fs from "node:fs"
import { fixturePath, readEntities } from "./fixtures/scorecards/entities.js"

const parseFixture = (name: string) => Scorecard.parseYaml(fs.readFileSync(fixturePath(name), "utf8"), { file: name })

describe("declarative scorecard files", () => {
  it.effect("decodes use/declare rules, filters and exemptions, and judges property checks", () =>
    Effect.gen(function*() {
      const card = yield* parseFixture("scorecard.yaml")
      expect(card.name).toBe("service-maturity")
      expect(card.rules.map((r) => `${r.rule.id}@${r.level}`)).toEqual([
        "has-owner@bronze",
        "lifecycle-known@bronze",
        "tier-label@silver",
        "two-links@silver",
        "coverage-reported@gold",
        "is-service@gold"
      ])
      const view = CatalogView.fromEntities(readEntities("good", "catalog-info.yaml"))
      const report = yield* Scorecard.evaluate(card, view).pipe(
        Effect.provide(Facts.layer([Facts.fromRecords("ci", Duration.days(7), [])]))
      )
      // The filter keeps components only.
      expect(report.entities.map((e) => e.ref)).toEqual(["component:default/payments-api"])
      const results = Object.fromEntries(report.entities[0]!.results.map((r) => [r.rule, r]))
      expect(results["lifecycle-known"]!.status).toBe("pass")
      // Failing the label check, but exempted until 2027-03-31.
      expect(results["tier-label"]!.status).toBe("fail")
      expect(results["tier-label"]!.message).toMatch(/metadata.labels\[example.com\/tier\] is not set/)
      expect(results["tier-label"]!.exempted?.reason).toBe("Tiering is decided in Q1")
      expect(results["two-links"]).toMatchObject({ status: "fail", message: expect.stringMatching(/has 1 entries, needs at least 2/) })
      expect(results["coverage-reported"]).toMatchObject({ status: "unknown", message: expect.stringMatching(/fact ci.coverage is missing/) })
      expect(results["is-service"]!.status).toBe("pass")
      expect(report.entities[0]!.level).toBe("bronze")
    }))

  it("gives a declared rule a version that changes when its check changes", () => {
    const text = fs.readFileSync(fixturePath("scorecard.yaml"), "utf8")
    const a = Either.getOrThrow(Scorecard.parseYaml(text))
    const b = Either.getOrThrow(Scorecard.parseYaml(text.replace("minCount: 2", "minCount: 3")))
    const version = (card: Scorecard.Scorecard, id: string) => card.rules.find((r) => r.rule.id === id)!.rule.version
    expect(version(a, "two-links")).not.toBe(version(b, "two-links"))
    expect(version(a, "tier-label")).toBe(version(b, "tier-label"))
    expect(version(a, "has-owner")).toBe("1")
  })

  it("reports every problem of an invalid file with its line and column", () => {
    const result = parseFixture("invalid-scorecard.yaml")
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.getLeft(result).pipe((o) => o._tag === "Some" ? o.value : undefined)!
    const at = (fragment: string) => error.issues.find((i) => i.message.includes(fragment))
    expect(at("give exactly one of")).toMatchObject({ line: 10, path: "rules[2].check" })
    expect(at("lowercase letters")).toMatchObject({ line: 8, column: 9, path: "rules[2].id" })
    expect(at("needs fix")).toMatchObject({ line: 12, path: "rules[3].fix" })
    expect(at("YYYY-MM-DD")).toMatchObject({ line: 19, column: 14, path: "exemptions[0].expires" })
    expect(error.message).toMatch(/^invalid-scorecard.yaml:\d+:\d+ /)
  })

  it("reports an unknown level and an unknown rule name at their lines once the shape is valid", () => {
    const result = Scorecard.parseYaml(
      ["name: t", "levels: [bronze]", "rules:", "  - use: has-owner", "    level: platinum", "  - use: nope", "    level: bronze", ""].join("\n"),
      { file: "t.yaml" }
    )
    const error = Either.getLeft(result).pipe((o) => o._tag === "Some" ? o.value : undefined)!
    expect(error.issues).toContainEqual(expect.objectContaining({ line: 5, column: 12, path: "rules[0].level", message: expect.stringMatching(/unknown level "platinum"/) }))
    const unknownRule = Either.getLeft(Scorecard.parseYaml(
      ["name: t", "levels: [bronze]", "rules:", "  - use: nope", "    level: bronze", ""].join("\n")
    )).pipe((o) => o._tag === "Some" ? o.value : undefined)!
    expect(unknownRule.issues).toContainEqual(expect.objectContaining({ line: 4, column: 10, path: "rules[0].use", message: expect.stringMatching(/no rule named "nope"/) }))
  })

  it("reports YAML syntax errors with their position", () => {
    const error = Either.getLeft(Scorecard.parseYaml("name: [unclosed\nlevels: x\n", { file: "s.yaml" }))
      .pipe((o) => o._tag === "Some" ? o.value : undefined)!
    expect(error.issues[0]!.line).toBeGreaterThan(0)
    expect(error.message).toMatch(/^s.yaml:\d+:\d+/)
  })
})

describe("declarative checks (properties)", () => {
  const key = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}(\/[a-z0-9][a-z0-9-]{0,20})?$/)
  const cardFor = (annotation: string, check: string) =>
    Either.getOrThrow(Scorecard.parseYaml([
      "name: p",
      "levels: [bronze]",
      "rules:",
      "  - id: r",
      "    level: bronze",
      `    check: { path: ${JSON.stringify(`metadata.annotations[${annotation}]`)}, ${check} }`,
      "    fix: set it",
      ""
    ].join("\n")))
  const statusOf = (card: Scorecard.Scorecard, annotations: Record<string, string>) =>
    Effect.runSync(Scorecard.evaluate(card, CatalogView.fromEntities([
      { apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "x", annotations } }
    ])).pipe(Effect.provide(Facts.layerEmpty))).entities[0]!.results[0]!.status

  it("an annotation key with dots and slashes is addressed exactly by a bracketed path", () => {
    fc.assert(fc.property(key, fc.string({ minLength: 1, maxLength: 10 }), (k, value) => {
      const card = cardFor(k, "exists: true")
      expect(statusOf(card, { [k]: value })).toBe(value.length > 0 ? "pass" : "fail")
      expect(statusOf(card, { [`${k}x`]: value })).toBe("fail")
    }), { numRuns: 50 })
  })

  it("`in` passes exactly for listed values", () => {
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 5 }), fc.stringMatching(/^[a-z]{1,6}$/), (values, probe) => {
      const card = cardFor("tier", `in: ${JSON.stringify(values)}`)
      expect(statusOf(card, { tier: probe })).toBe(values.includes(probe) ? "pass" : "fail")
    }), { numRuns: 50 })
  })
})
