import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { runPaved } from "../../../testing/cli.js"

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../catalog/test/fixtures/scorecards")

let dir = ""
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-score-cli-"))
  fs.cpSync(fixtures, path.join(dir, "fx"), { recursive: true })
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const paved = (...args: ReadonlyArray<string>) => runPaved(args, { cwd: dir })
const json = (stdout: string) => JSON.parse(stdout)

describe("paved score", () => {
  it("scores every entity of a healthy catalog gold, stores the run and passes --require gold", async () => {
    const run = await paved("score", "fx/good", "--require", "gold", "--format", "json")
    expect(run.code, run.stderr).toBe(0)
    const report = json(run.stdout)
    expect(report.entities.map((e: { level: string }) => e.level)).toEqual(["gold", "gold", "gold", "gold"])
    expect(report.required).toEqual({ level: "gold", met: true, below: [] })
    expect(typeof report.runId).toBe("string")
    expect(fs.existsSync(path.join(dir, ".paved", "paved.db"))).toBe(true)
  })

  it("exits 1 with the failing rules and how to fix them when --require is not met", async () => {
    const run = await paved("score", "fx/bad", "--require", "silver")
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/component:default\/haunted\s+owner-has-members\s+silver\s+fail\s+Group group:default\/ghosts has no members/)
    expect(run.stdout).toMatch(/OWNER\s+ENTITIES\s+BRONZE\s+SILVER\s+GOLD\s+NONE/)
    expect(run.stderr).toMatch(/entities are below the required level silver/)
  })

  it("filters with --filter and reads facts from --facts; a missing fact is unknown", async () => {
    const observedAt = new Date().toISOString()
    fs.writeFileSync(path.join(dir, "facts.yaml"), [
      "sources:",
      "  - id: ci",
      "    ttl: 7 days",
      "    facts:",
      `      - { entity: component:default/payments-api, key: coverage, value: 91, observedAt: "${observedAt}" }`,
      ""
    ].join("\n"))
    const withFacts = json((await paved("score", "fx/good", "--scorecard", "fx/scorecard.yaml", "--facts", "facts.yaml", "--no-record", "--format", "json")).stdout)
    const rule = (report: { entities: Array<{ results: Array<{ rule: string; status: string }> }> }) =>
      report.entities[0]!.results.find((r) => r.rule === "coverage-reported")!.status
    expect(rule(withFacts)).toBe("pass")
    const without = json((await paved("score", "fx/good", "--scorecard", "fx/scorecard.yaml", "--no-record", "--format", "json")).stdout)
    expect(rule(without)).toBe("unknown")
    const filtered = json((await paved("score", "fx/good", "--filter", "kind=API", "--no-record", "--format", "json")).stdout)
    expect(filtered.entities.map((e: { ref: string }) => e.ref)).toEqual(["api:default/payments"])
  })

  it("rejects an invalid scorecard with exit 2 and file:line:column", async () => {
    const run = await paved("score", "fx/good", "--scorecard", "fx/invalid-scorecard.yaml")
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/invalid-scorecard.yaml:10:\d+ rules\[2\].check: give exactly one of/)
    const level = await paved("score", "fx/good", "--require", "platinum")
    expect(level.code).toBe(2)
    expect(level.stderr).toMatch(/has the levels bronze, silver, gold/)
  })

  it("plan lists the entities an edited scorecard would move", async () => {
    const run = await paved("score", "plan", "fx/good", "--scorecard", "fx/scorecard.yaml", "--format", "json")
    expect(run.code, run.stderr).toBe(0)
    const plan = json(run.stdout)
    expect(plan.changes).toContainEqual({
      ref: "component:default/payments-api",
      owner: "group:default/payments",
      from: "gold",
      to: "bronze",
      change: "down"
    })
    expect(plan.rules).toContainEqual({ rule: "coverage-reported", change: "added", detail: "at gold, 5 points" })
  })

  it("history shows the stored runs of an entity", async () => {
    await paved("score", "fx/good")
    const run = await paved("score", "history", "payments-api", "--format", "json")
    expect(run.code, run.stderr).toBe(0)
    const history = json(run.stdout)
    expect(history.ref).toBe("component:default/payments-api")
    expect(history.history.length).toBeGreaterThanOrEqual(2)
    expect(history.history.every((h: { level: string }) => h.level === "gold")).toBe(true)
    const table = await paved("score", "history", "component:default/payments-api")
    expect(table.stdout).toMatch(/production-readiness\s+gold\s+75\/75/)
  })
})

describe("paved catalog owners", () => {
  it("reports the reorg with suggested owners and exits 1", async () => {
    const run = await paved("catalog", "owners", "fx/reorg/after", "--previous", "fx/reorg/before", "--format", "json")
    expect(run.code).toBe(1)
    const report = json(run.stdout)
    const svcA = report.findings.find((f: { ref: string }) => f.ref === "component:default/svc-a")
    expect(svcA).toMatchObject({ problem: "owner-renamed", suggestion: { owner: "group:default/team-alpha" } })
    expect(report.usersWithoutGroup).toEqual(["user:default/dave"])
  })

  it("without PATHs reads the catalog store and its history: renames recorded at ingest become suggestions", async () => {
    const work = path.join(dir, "store-case")
    fs.mkdirSync(path.join(work, "cat"), { recursive: true })
    const at = (...args: ReadonlyArray<string>) => runPaved(args, { cwd: work })
    fs.copyFileSync(path.join(dir, "fx/reorg/before/catalog-info.yaml"), path.join(work, "cat/catalog-info.yaml"))
    expect((await at("catalog", "ingest", "cat")).code).toBe(0)
    // The reorg, minus the entity without an owner (the loader rejects it, which would keep the
    // file's previous entities as last known good).
    const after = fs.readFileSync(path.join(dir, "fx/reorg/after/catalog-info.yaml"), "utf8").split("---\n")
    fs.writeFileSync(path.join(work, "cat/catalog-info.yaml"), after.filter((d) => !d.includes("name: svc-f")).join("---\n"))
    expect((await at("catalog", "ingest", "cat")).code).toBe(0)
    const run = await at("catalog", "owners", "--format", "json")
    expect(run.code, run.stderr).toBe(1)
    const report = json(run.stdout)
    const find = (name: string) => report.findings.find((f: { ref: string }) => f.ref === `component:default/${name}`)
    expect(find("svc-a")).toMatchObject({ problem: "owner-renamed", suggestion: { owner: "group:default/team-alpha" } })
    expect(find("svc-b")).toMatchObject({ suggestion: { owner: "group:default/platform" } })
    const scored = await at("score", "--format", "json")
    expect(scored.code, scored.stderr).toBe(0)
    expect(json(scored.stdout).entities.map((e: { ref: string }) => e.ref)).toContain("component:default/svc-e")
  })

  it("exits 0 on a catalog with healthy ownership", async () => {
    const run = await paved("catalog", "owners", "fx/good")
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Every entity has an owner that exists and has members/)
  })
})
