import { describe, expect, it } from "@effect/vitest"
import { CatalogView, EntityRef, Facts, Rule, Scorecard } from "@paved/catalog"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"

const entity = { apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "svc" }, spec: { owner: "team" } }
const ref = EntityRef.of(entity)
const view = CatalogView.fromEntities([entity])
const DAY = 86_400_000

const coverageAtLeast80 = Rule.make({
  id: "coverage-80",
  version: 1,
  title: "Coverage at least 80%",
  evaluate: (ctx) =>
    Rule.withFact(ctx, "ci", "coverage", (value) =>
      typeof value === "number" && value >= 80 ? Rule.pass() : Rule.fail(`Coverage is ${String(value)}%; raise it to 80%`))
})
const card = Scorecard.make({ name: "facts", levels: ["gold"], rules: [{ rule: coverageAtLeast80, level: "gold" }] })

const outcome = (sources: ReadonlyArray<Facts.FactSource>) =>
  Scorecard.evaluate(card, view).pipe(
    Effect.map((r) => r.entities[0]!.results[0]!),
    Effect.provide(Facts.layer(sources))
  )

describe("facts", () => {
  it.effect("a fresh fact decides the rule: pass or fail", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(10 * DAY)
      const source = (value: number) => Facts.fromRecords("ci", Duration.days(2), [{ ref, key: "coverage", value, observedAt: 9 * DAY }])
      expect((yield* outcome([source(91)])).status).toBe("pass")
      expect(yield* outcome([source(42)])).toMatchObject({ status: "fail", message: "Coverage is 42%; raise it to 80%" })
    }))

  it.effect("a fact older than its TTL makes the rule unknown, never a fail", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(10 * DAY)
      const source = Facts.fromRecords("ci", Duration.days(2), [{ ref, key: "coverage", value: 12, observedAt: 7 * DAY }])
      const result = yield* outcome([source])
      expect(result.status).toBe("unknown")
      expect(result.message).toMatch(/fact ci.coverage is stale: observed 1970-01-08T00:00:00.000Z, older than its TTL of 2d/)
    }))

  it.effect("the same fact turns stale as time passes", () =>
    Effect.gen(function*() {
      const source = Facts.fromRecords("ci", Duration.hours(1), [{ ref, key: "coverage", value: 95, observedAt: 0 }])
      expect((yield* outcome([source])).status).toBe("pass")
      yield* TestClock.adjust(Duration.hours(2))
      expect((yield* outcome([source])).status).toBe("unknown")
    }))

  it.effect("a missing fact, an unknown source and a failing source are unknown, each saying why", () =>
    Effect.gen(function*() {
      const empty = Facts.fromRecords("ci", Duration.days(1), [])
      expect((yield* outcome([empty])).message).toMatch(/fact ci.coverage is missing/)
      const other = Facts.fromRecords("sonar", Duration.days(1), [])
      expect(yield* outcome([other])).toMatchObject({ status: "unknown", message: expect.stringMatching(/no fact source "ci" \(known sources: sonar\)/) })
      const broken: Facts.FactSource = {
        id: "ci",
        ttl: Duration.days(1),
        read: () => Effect.fail(new Facts.FactSourceError({ source: "ci", reason: "HTTP 503 from the CI API" }))
      }
      expect(yield* outcome([broken])).toMatchObject({ status: "unknown", message: expect.stringMatching(/HTTP 503/) })
      expect((yield* outcome([])).status).toBe("unknown")
    }))

  it.effect("the latest record of an entity's fact wins", () =>
    Effect.gen(function*() {
      const source = Facts.fromRecords("ci", Duration.days(365), [
        { ref, key: "coverage", value: 90, observedAt: 5 },
        { ref, key: "coverage", value: 10, observedAt: 1 }
      ])
      const found = yield* source.read(ref, "coverage")
      expect(Option.map(found, (f) => f.value)).toEqual(Option.some(90))
    }))
})

describe("facts files", () => {
  it.effect("decode into sources whose facts rules read", () =>
    Effect.gen(function*() {
      const parsed = Facts.parseFactsFile([
        "sources:",
        "  - id: ci",
        "    ttl: 2 days",
        "    facts:",
        "      - { entity: svc, key: coverage, value: 85, observedAt: '1970-01-10T00:00:00Z' }",
        ""
      ].join("\n"), "facts.yaml")
      const sources = Either.getOrThrow(parsed)
      yield* TestClock.setTime(10 * DAY)
      expect((yield* outcome(sources)).status).toBe("pass")
    }))

  it("report every problem with its line and column", () => {
    const parsed = Facts.parseFactsFile([
      "sources:",
      "  - id: ci",
      "    ttl: forever",
      "    facts:",
      "      - { entity: 'a:b:c', key: coverage, value: 1, observedAt: yesterday }",
      ""
    ].join("\n"), "facts.yaml")
    const error = Either.getLeft(parsed).pipe((o) => o._tag === "Some" ? o.value : undefined)!
    expect(error.issues.map((i) => [i.path, i.line])).toEqual([
      ["sources[0].ttl", 3],
      ["sources[0].facts[0].entity", 5],
      ["sources[0].facts[0].observedAt", 5]
    ])
    expect(error.message).toMatch(/^facts.yaml:3:10 sources\[0\].ttl: a time-to-live like "7 days"/)
  })
})
