import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { runPaved } from "../../../testing/cli.js"

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/demo-org")

interface Report {
  readonly passed: boolean
  readonly roots: ReadonlyArray<string>
  readonly checks: ReadonlyArray<{
    readonly name: string
    readonly status: "passed" | "failed" | "skipped"
    readonly summary?: string
    readonly reason?: string
    readonly findings: ReadonlyArray<Record<string, unknown>>
  }>
}

// Every run happens in a fresh directory, so no store from another suite is picked up and the
// test proves that paved check creates no file.
const withTemp = async (f: (dir: string) => Promise<void>) => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "paved-check-")))
  try {
    await f(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// A small organisation with nothing wrong in it: one team with a member, owning one service.
const cleanCatalog = [
  "apiVersion: backstage.io/v1alpha1",
  "kind: Group",
  "metadata: { name: platform }",
  "spec: { type: team, children: [], members: [ada] }",
  "---",
  "apiVersion: backstage.io/v1alpha1",
  "kind: User",
  "metadata: { name: ada }",
  "spec: { memberOf: [platform] }",
  "---",
  "apiVersion: backstage.io/v1alpha1",
  "kind: Component",
  "metadata: { name: billing }",
  "spec: { type: service, lifecycle: production, owner: group:platform }",
  ""
].join("\n")

const byName = (report: Report, name: string) => report.checks.find((c) => c.name === name)!

describe("paved check", () => {
  it("fails on the demo organisation with its known findings: orders-api behind its template, search-indexer's owner removed", async () => {
    await withTemp(async (cwd) => {
      const run = await runPaved(
        ["check", path.join(demo, "catalog-info.yaml"), "--previous", path.join(demo, "history/before-reorg/org.yaml"), "--format", "json"],
        { cwd, env: { PAVED_DB_URL: "" } }
      )
      expect(run.code, run.stderr).toBe(1)
      const report = JSON.parse(run.stdout) as Report
      expect(report.passed).toBe(false)
      expect(report.checks.map((c) => c.name)).toEqual(["catalog", "owners", "golden", "telemetry", "provision"])
      expect(byName(report, "catalog").status).toBe("passed")
      expect(byName(report, "catalog").findings.map((p) => p["rule"])).toEqual(["integrity/dangling-ref"])
      const owners = byName(report, "owners")
      expect(owners.status).toBe("failed")
      expect(owners.findings).toContainEqual(expect.objectContaining({ ref: "component:default/search-indexer", problem: "owner-removed" }))
      const golden = byName(report, "golden")
      expect(golden.status).toBe("failed")
      expect(golden.findings).toEqual([
        expect.objectContaining({ dir: path.join(demo, "services/orders-api"), version: "1.0.0", latest: "1.1.0", upToDate: false })
      ])
      // No store here: the store-backed checks say why they did not run, and nothing was created.
      expect(byName(report, "telemetry")).toMatchObject({ status: "skipped", reason: expect.stringContaining("no store") })
      expect(byName(report, "provision")).toMatchObject({ status: "skipped" })
      expect(fs.readdirSync(cwd)).toEqual([])

      const table = await runPaved(["check", path.join(demo, "catalog-info.yaml"), "--previous", path.join(demo, "history/before-reorg/org.yaml")], { cwd, env: { PAVED_DB_URL: "" } })
      expect(table.code).toBe(1)
      expect(table.stdout).toMatch(/^CHECK\s+STATUS\s+SUMMARY/)
      expect(table.stdout).toMatch(/owners\s+failed/)
      expect(table.stdout).toContain("component:default/search-indexer: owner-removed")
      expect(table.stdout).toMatch(/orders-api: node-http-service@1\.0\.0 is behind 1\.1\.0/)
      expect(table.stderr).toContain("paved check: owners, golden failed")

      // A team that accepts services behind their template still fails on ownership.
      const allowed = await runPaved(["check", path.join(demo, "catalog-info.yaml"), "--allow-outdated", "--format", "json"], { cwd, env: { PAVED_DB_URL: "" } })
      expect(byName(JSON.parse(allowed.stdout) as Report, "golden").status).toBe("passed")
    })
  })

  it("passes a clean organisation (exit 0), with the store-backed checks run against the store", async () => {
    await withTemp(async (cwd) => {
      fs.writeFileSync(path.join(cwd, "catalog-info.yaml"), cleanCatalog)
      const run = await runPaved(["check", "--format", "json"], { cwd, env: { PAVED_DB_URL: "" } })
      expect(run.code, run.stderr + run.stdout).toBe(0)
      const report = JSON.parse(run.stdout) as Report
      expect(report.passed).toBe(true)
      expect(report.checks.map((c) => [c.name, c.status])).toEqual([
        ["catalog", "passed"],
        ["owners", "passed"],
        ["golden", "skipped"],
        ["telemetry", "skipped"],
        ["provision", "skipped"]
      ])
      // With a store (here in memory) the telemetry and provisioning checks look, and find no data.
      const withStore = await runPaved(["check", "--db", "memory:", "--format", "json"], { cwd })
      expect(withStore.code, withStore.stderr).toBe(0)
      const stored = JSON.parse(withStore.stdout) as Report
      expect(byName(stored, "telemetry").reason).toContain("no spans")
      expect(byName(stored, "provision").reason).toContain("no provisioned state")
    })
  })

  it("exits 2 on usage errors: a missing root, a malformed --env-diff, a named store that does not exist", async () => {
    await withTemp(async (cwd) => {
      fs.writeFileSync(path.join(cwd, "catalog-info.yaml"), cleanCatalog)
      const missing = await runPaved(["check", "nowhere.yaml"], { cwd })
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain("no such file or directory: nowhere.yaml")
      const pair = await runPaved(["check", "--db", "memory:", "--env-diff", "staging"], { cwd })
      expect(pair.code).toBe(2)
      expect(pair.stderr).toContain("--env-diff staging: name two environments")
      const store = await runPaved(["check", "--db", path.join(cwd, "no/such/dir/paved.db")], { cwd })
      expect(store.code).toBe(2)
      expect(fs.existsSync(path.join(cwd, "no"))).toBe(false)
    })
  })

  it("takes its catalog roots from paved.yaml found above the working directory", async () => {
    await withTemp(async (root) => {
      fs.mkdirSync(path.join(root, "org"))
      fs.writeFileSync(path.join(root, "org/catalog-info.yaml"), cleanCatalog)
      fs.writeFileSync(path.join(root, "paved.yaml"), "catalog: [org/catalog-info.yaml]\n")
      const sub = path.join(root, "services/billing")
      fs.mkdirSync(sub, { recursive: true })
      const run = await runPaved(["check", "--format", "json"], { cwd: sub, env: { PAVED_DB_URL: "" } })
      expect(run.code, run.stderr).toBe(0)
      const report = JSON.parse(run.stdout) as Report
      expect(report.roots).toEqual([path.join(root, "org/catalog-info.yaml")])
      expect(byName(report, "catalog").summary).toMatch(/^3 entities from 1 file/)
    })
  })
})

describe("paved.yaml", () => {
  it("an unknown key or a wrong type is a usage error at paved.yaml:LINE:COLUMN", async () => {
    await withTemp(async (root) => {
      fs.writeFileSync(path.join(root, "catalog-info.yaml"), cleanCatalog)
      fs.writeFileSync(path.join(root, "paved.yaml"), "# defaults\ncatalogue: [catalog-info.yaml]\n")
      const unknown = await runPaved(["check"], { cwd: root, env: { PAVED_DB_URL: "" } })
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toMatch(/paved\.yaml:2:\d+ catalogue: is unexpected/)
      fs.writeFileSync(path.join(root, "paved.yaml"), "db: sqlite:.paved/paved.db\ntemplates: platform/templates\n")
      fs.mkdirSync(path.join(root, "sub"))
      const wrong = await runPaved(["catalog", "query"], { cwd: path.join(root, "sub"), env: { PAVED_DB_URL: "" } })
      expect(wrong.code).toBe(2)
      expect(wrong.stderr).toMatch(/paved\.yaml:2:12 templates: Expected ReadonlyArray<NonEmptyString>, actual "platform\/templates"/)
    })
  })

  it("sets the database under the flag and the environment variable: --db > PAVED_DB_URL > paved.yaml > .paved/paved.db", async () => {
    await withTemp(async (root) => {
      fs.writeFileSync(path.join(root, "catalog-info.yaml"), cleanCatalog)
      fs.mkdirSync(path.join(root, "state"))
      fs.writeFileSync(path.join(root, "paved.yaml"), "db: state/catalog.db\n")
      const sub = path.join(root, "teams/platform")
      fs.mkdirSync(sub, { recursive: true })
      const env = { PAVED_DB_URL: "" }
      // paved.yaml: the store is the project's, relative to paved.yaml, from any subdirectory.
      const ingest = await runPaved(["catalog", "ingest", path.join(root, "catalog-info.yaml")], { cwd: sub, env })
      expect(ingest.code, ingest.stderr).toBe(0)
      expect(fs.existsSync(path.join(root, "state/catalog.db"))).toBe(true)
      expect(fs.existsSync(path.join(sub, ".paved"))).toBe(false)
      const fromConfig = await runPaved(["catalog", "query", "--format", "json"], { cwd: sub, env })
      expect(fromConfig.code, fromConfig.stderr).toBe(0)
      expect(fromConfig.stdout).toContain("component:default/billing")
      // PAVED_DB_URL beats paved.yaml.
      const fromEnv = await runPaved(["catalog", "query"], { cwd: sub, env: { PAVED_DB_URL: path.join(root, "state/other.db") } })
      expect(fromEnv.code).toBe(2)
      expect(fromEnv.stderr).toContain("other.db")
      // --db beats both.
      const fromFlag = await runPaved(["catalog", "query", "--format", "json", "--db", path.join(root, "state/catalog.db")], {
        cwd: sub,
        env: { PAVED_DB_URL: path.join(root, "state/other.db") }
      })
      expect(fromFlag.code, fromFlag.stderr).toBe(0)
      expect(fromFlag.stdout).toContain("component:default/billing")
    })
  })
})
