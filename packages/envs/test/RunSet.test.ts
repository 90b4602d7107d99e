import { it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import { ChangeSet, Environment, RunSet } from "@paved/envs"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect } from "vitest"

const shop = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "shop")
const loadShop = Effect.map(Catalog.load([shop]), (r) => r.entities)
const svc = (dir: string, file: string) => path.join("services", dir, file)

describe("change sets", () => {
  it.effect("maps files to the components that own them, most specific directory first", () =>
    Effect.gen(function*() {
      const entries = yield* loadShop
      const result = ChangeSet.changedComponents(entries, [
        svc("orders", "server.mjs"),
        svc("billing", "score.yaml"),
        "services/serve.mjs",
        "README.md"
      ], shop)
      expect(result.components).toEqual(["component:default/billing", "component:default/orders"])
      // The shared plumbing and the README belong to the repository-level Group file's
      // directory, which is not a component: nothing runs for them.
      expect(result.unmatched).toEqual(["services/serve.mjs", "README.md"])
    }))

  it.effect("reads a git range with git diff --name-only", () =>
    Effect.gen(function*() {
      const repo = fs.mkdtempSync(path.join(os.tmpdir(), "paved-envs-git-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(repo, { recursive: true, force: true })))
      const git = (...args: Array<string>) => execFileSync("git", args, { cwd: repo, stdio: "pipe" }).toString().trim()
      git("init", "-q")
      git("config", "user.email", "t@example.com")
      git("config", "user.name", "t")
      fs.cpSync(shop, repo, { recursive: true })
      git("add", ".")
      git("commit", "-qm", "base")
      const base = git("rev-parse", "HEAD")
      fs.appendFileSync(path.join(repo, svc("orders", "server.mjs")), "\n// changed\n")
      fs.appendFileSync(path.join(repo, svc("billing", "server.mjs")), "\n// changed\n")
      git("commit", "-qam", "cross-service change")
      const files = yield* ChangeSet.filesFromGitRange(repo, `${base}..HEAD`)
      expect([...files].sort()).toEqual([svc("billing", "server.mjs"), svc("orders", "server.mjs")])
      const entries = (yield* Catalog.load([repo])).entities
      expect(ChangeSet.changedComponents(entries, files, repo).components).toEqual(["component:default/billing", "component:default/orders"])
      const bad = yield* Effect.either(ChangeSet.filesFromGitRange(repo, "nope..HEAD"))
      expect(Either.isLeft(bad) && bad.left.message).toContain("git diff --name-only nope..HEAD failed")
    }).pipe(Effect.scoped))
})

describe("run sets", () => {
  it.effect("a cross-service change runs the changed services and their dependencies, not unrelated dependents of those", () =>
    Effect.gen(function*() {
      const entries = yield* loadShop
      const set = Either.getOrThrow(RunSet.resolve(entries, { changed: ["component:default/orders", "billing"] }))
      expect(set.run.map((s) => [s.ref, s.reason])).toEqual([
        ["component:default/accounts", "dependency"],
        ["component:default/billing", "changed"],
        ["component:default/orders", "changed"]
      ])
      expect(set.layers).toEqual([["component:default/accounts"], ["component:default/billing", "component:default/orders"]])
      expect(set.catalogResources).toEqual(["resource:default/billing-db", "resource:default/orders-db"])
    }))

  it.effect("a change to a dependency brings up the dependents it can break", () =>
    Effect.gen(function*() {
      const entries = yield* loadShop
      const direct = Either.getOrThrow(RunSet.resolve(entries, { changed: ["accounts"] }))
      expect(direct.run.map((s) => s.ref)).toEqual([
        "component:default/accounts",
        "component:default/billing",
        "component:default/orders",
        "component:default/reports"
      ])
      const none = Either.getOrThrow(RunSet.resolve(entries, { changed: ["accounts"], dependents: "none" }))
      expect(none.run.map((s) => s.ref)).toEqual(["component:default/accounts"])
    }))

  it.effect("a dependency shared from a base environment is not run, and its dependencies are not pulled in", () =>
    Effect.gen(function*() {
      const entries = yield* loadShop
      const set = Either.getOrThrow(RunSet.resolve(entries, { changed: ["orders"], share: { accounts: "staging" } }))
      expect(set.run.map((s) => s.ref)).toEqual(["component:default/orders"])
      expect(set.shared).toEqual([{ ref: "component:default/accounts", from: "staging" }])
    }))

  it.effect("unknown services and dependency cycles are refused with the reason", () =>
    Effect.gen(function*() {
      const entries = yield* loadShop
      const unknown = RunSet.resolve(entries, { services: ["payments"] })
      expect(Either.isLeft(unknown) && unknown.left.message).toContain("component:default/payments is not in the catalog")
      const cyclic = entries.map((e) =>
        e.ref === "component:default/accounts"
          ? { ...e, entity: { ...e.entity, spec: { ...e.entity.spec, dependsOn: ["component:default/orders"] } } }
          : e
      )
      const cycle = RunSet.resolve(cyclic, { services: ["orders"] })
      expect(Either.isLeft(cycle) && cycle.left.message).toContain("cycle")
    }))
})

describe("environment model", () => {
  const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
  it.prop("TTLs parse to their duration", [FastCheck.integer({ min: 0, max: 100_000 }), FastCheck.constantFrom("s" as const, "m" as const, "h" as const, "d" as const)], ([n, unit]) => {
    const parsed = Environment.parseTtl(`${n}${unit}`)
    return Either.isRight(parsed) && Duration.toMillis(parsed.right) === n * unitMs[unit]
  })

  it("refuses TTLs without a unit", () => {
    const parsed = Environment.parseTtl("24")
    expect(Either.isLeft(parsed) && parsed.left.message).toContain("24h")
  })
})

describe("dependents that cannot run here", () => {
  it.effect("are skipped with the reason instead of failing the plan", () =>
    Effect.gen(function*() {
      const entries = yield* loadShop
      const all = RunSet.resolve(entries, { changed: ["component:default/accounts"], dependents: "direct" })
      if (Either.isLeft(all)) return yield* Effect.fail(all.left)
      const dependents = all.right.run.filter((s) => s.reason === "dependent").map((s) => s.ref)
      expect(dependents.length).toBeGreaterThan(0)
      const [unrunnable] = dependents
      const resolved = RunSet.resolve(entries, {
        changed: ["component:default/accounts"],
        dependents: "direct",
        runnable: (ref) => ref !== unrunnable
      })
      if (Either.isLeft(resolved)) return yield* Effect.fail(resolved.left)
      expect(resolved.right.run.map((s) => s.ref)).not.toContain(unrunnable)
      expect(resolved.right.skipped).toEqual([{ ref: unrunnable, reason: "depends on component:default/accounts, but has no workload to run" }])
      expect(all.right.skipped).toEqual([])
    }))
})
