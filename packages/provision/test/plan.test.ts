import { describe, expect, it } from "@effect/vitest"
import { Plan, Request, Standards } from "@paved/provision"
import { Effect, Either } from "effect"

const tags = { owner: "group:default/payments", system: "shop", "cost-centre": "cc-42" }
const db = Request.make({ key: "db", type: "postgres", tags })
const cache = Request.make({ key: "cache", type: "redis", tags })

const recordedFrom = (plan: Plan.Plan): ReadonlyArray<Plan.Recorded> =>
  plan.changes.flatMap((c) => c.desired
    ? [{
      env: plan.env, key: c.resource, type: c.type, class: c.class, name: c.desired.name, settings: c.desired.settings,
      tags: c.desired.tags, params: c.desired.request.params, status: "ready" as const
    }]
    : [])

describe("plans", () => {
  it.effect("creates what is new, no-ops what matches, updates, replaces and deletes with reasons", () =>
    Effect.gen(function*() {
      const first = yield* Plan.make({ env: "dev", envType: "development", requests: [db, cache], state: [] })
      expect(first.changes.map((c) => [c.resource, c.action, c.reason])).toEqual([
        ["cache", "create", "not provisioned yet"],
        ["db", "create", "not provisioned yet"]
      ])
      const state = recordedFrom(first)
      const same = yield* Plan.make({ env: "dev", envType: "development", requests: [cache, db], state })
      expect(same.changes.map((c) => c.action)).toEqual(["no-op", "no-op"])
      expect(Plan.hasChanges(same)).toBe(false)

      const bigger = Request.make({ key: "db", type: "postgres", tags, params: { size: "large" } })
      const older = Request.make({ key: "cache", type: "redis", tags, params: { version: "6" } })
      const changed = yield* Plan.make({ env: "dev", envType: "development", requests: [bigger, older], state })
      expect(changed.changes.map((c) => [c.resource, c.action, c.reason])).toEqual([
        ["cache", "replace", "version changes from 7 to 6 (cannot change in place)"],
        ["db", "update", "size small -> large"]
      ])
      const gone = yield* Plan.make({ env: "dev", envType: "development", requests: [db], state })
      expect(gone.changes.map((c) => [c.resource, c.action])).toEqual([["cache", "delete"], ["db", "no-op"]])
    }))

  it.effect("resumes a resource an interrupted apply left in 'creating'", () =>
    Effect.gen(function*() {
      const first = yield* Plan.make({ env: "dev", envType: "development", requests: [db], state: [] })
      const state = recordedFrom(first).map((r) => ({ ...r, status: "creating" as const }))
      const again = yield* Plan.make({ env: "dev", envType: "development", requests: [db], state })
      expect(again.changes[0]!.action).toBe("create")
      expect(again.changes[0]!.reason).toContain("resume")
    }))

  it.effect("applies the defaults of the environment type", () =>
    Effect.gen(function*() {
      const prod = yield* Plan.make({ env: "prod", envType: "production", requests: [db], state: [] })
      expect(prod.changes[0]!.desired!.settings).toMatchObject({
        backup: true, encryption: true, deletionProtection: true, multiAz: true, size: "large", version: "16"
      })
      const preview = yield* Plan.make({ env: "pr-12", envType: "preview", requests: [db], state: [] })
      expect(preview.changes[0]!.desired!.settings).toMatchObject({ ttlHours: 72, backup: false })
    }))

  it.effect("refuses a plan with mandatory violations, listing each with what to change", () =>
    Effect.gen(function*() {
      const untagged = Request.make({ key: "db", type: "postgres", class: "tiny", params: { encryption: false, region: "us-east-2" } })
      const plan = yield* Plan.make({ env: "prod", envType: "production", requests: [untagged], state: [] })
      const refused = Plan.refusal(plan)
      expect(refused).toBeDefined()
      expect(refused!.violations.map((v) => v.policy).sort()).toEqual([
        "allowed-classes", "allowed-regions", "require-encryption", "required-tags"
      ])
      expect(refused!.message).toContain("set spec.owner/spec.system")
      expect(Plan.toJson(plan).violations.every((v) => Object.keys(v).join() === "policy,resource,enforcement,message")).toBe(true)
      // Advisory violations are reported but do not refuse.
      const dev = yield* Plan.make({ env: "dev", envType: "development", requests: [untagged], state: [] })
      expect(dev.violations.map((v) => [v.policy, v.enforcement])).toEqual([["allowed-classes", "advisory"]])
      expect(Plan.refusal(dev)).toBeUndefined()
    }))

  it.effect("says which type has no provisioner in which environment type, at the request's line", () =>
    Effect.gen(function*() {
      const mongo = { ...Request.make({ key: "web.docs", type: "mongodb" }), source: { file: "score.yaml", line: 12, column: 3 } }
      const result = yield* Effect.either(Plan.make({ env: "s", envType: "staging", requests: [mongo], state: [] }))
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left.problems).toEqual([
          { severity: "error", file: "score.yaml", line: 12, column: 3, rule: "provision/unsupported-type", message: "no provisioner for type mongodb in environment type staging" }
        ])
      }
    }))

  it.effect("composes custom standards and is deterministic", () =>
    Effect.gen(function*() {
      const custom: Standards.Standards = {
        ...Standards.defaultStandards,
        development: {
          ...Standards.defaultStandards.development,
          policies: [Standards.allowedClasses(["default"]), {
            name: "no-redis",
            enforcement: "mandatory",
            description: "use the shared cache",
            check: (r) => Effect.succeed(r.request.type === "redis" ? ["ask the platform team for the shared cache"] : [])
          }]
        }
      }
      const input = { env: "dev", envType: "development" as const, requests: [cache, db], state: [], standards: custom }
      const a = yield* Plan.make(input)
      const b = yield* Plan.make({ ...input, requests: [db, cache] })
      expect(JSON.stringify(Plan.toJson(a))).toBe(JSON.stringify(Plan.toJson(b)))
      expect(Plan.toJson(a).violations).toEqual([
        { policy: "no-redis", resource: "cache", enforcement: "mandatory", message: "ask the platform team for the shared cache" }
      ])
    }))

  it.effect("merges shared resources by id and reports conflicting ones", () =>
    Effect.gen(function*() {
      const one = Request.make({ key: "main-cache", type: "redis" })
      const two = Request.make({ key: "main-cache", type: "postgres" })
      const merged = Request.merge([one, one])
      expect(merged.requests.length).toBe(1)
      const result = yield* Effect.either(Plan.make({ env: "d", envType: "development", requests: [one, two], state: [] }))
      expect(Either.isLeft(result) && result.left.problems[0]!.rule).toBe("request/conflict")
    }))

  it("names resources safely and uniquely even when long", () => {
    const long = Standards.defaultNaming("preview-feature-very-long-branch-name", "checkout-service.primary-database", "postgres")
    expect(long.length).toBeLessThanOrEqual(63)
    expect(long).toMatch(/^[a-z0-9_]+$/)
    expect(long).not.toBe(Standards.defaultNaming("preview-feature-very-long-branch-name", "checkout-service.primary-database2", "postgres"))
  })
})
