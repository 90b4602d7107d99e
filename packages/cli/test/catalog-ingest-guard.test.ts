/**
 * `paved catalog ingest` never empties a catalog by mistake (issue 18): after
 * `ingest "src/*.yaml"`, `ingest src` keeps everything; an input that matches nothing exits 1
 * and changes nothing (also with `--orphans delete`); a run that would orphan or delete more
 * than `--max-orphans` (default 50%) is refused and changes nothing; `--allow-empty` and
 * `--max-orphans 100%` confirm on purpose. The built binary, on SQLite and on PostgreSQL, and
 * `paved catalog validate` on a Backstage-style repo (discovery counted in JSON and table).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { runPaved } from "../../../testing/cli.js"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "paved-cli-guard-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const component = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`

let counter = 0
const repo = (names: ReadonlyArray<string>): string => {
  const dir = path.join(scratch, `repo-${++counter}`)
  fs.mkdirSync(path.join(dir, "src"), { recursive: true })
  fs.mkdirSync(path.join(dir, "empty"), { recursive: true })
  for (const n of names) fs.writeFileSync(path.join(dir, "src", `${n}.yaml`), component(n))
  return dir
}

const json = (stdout: string): any => JSON.parse(stdout)

const guardSuite = (db: () => string) => {
  /** The store as a user sees it: every entity, its orphan flag and its location. */
  const catalog = async (cwd: string) => {
    const run = await runPaved(["catalog", "query", "--format", "json", "--db", db()], { cwd })
    expect(run.code).toBe(0)
    return json(run.stdout).items.map((i: any) => [i.ref, i.orphan, i.location, i.lastChanged])
  }

  it("ingest \"src/*.yaml\", then ingest src, keeps every entity; nothing-matching inputs exit 1 and change nothing", async () => {
    const dir = repo(["cart", "shop", "search"])
    const first = await runPaved(["catalog", "ingest", "src/*.yaml", "--format", "json", "--db", db()], { cwd: dir })
    expect(first.code).toBe(0)
    expect(json(first.stdout).created).toHaveLength(3)
    const before = await catalog(dir)
    for (const orphans of ["keep", "delete"]) {
      const again = await runPaved(["catalog", "ingest", "src", "--orphans", orphans, "--format", "json", "--db", db()], { cwd: dir })
      expect(again.code).toBe(0)
      expect(json(again.stdout)).toMatchObject({ created: [], orphaned: [], deleted: [], unchanged: 3 })
      for (const input of ["empty", "src/*.yml"]) {
        const refused = await runPaved(["catalog", "ingest", input, "--orphans", orphans, "--format", "json", "--db", db()], { cwd: dir })
        expect(refused.code).toBe(1)
        expect(json(refused.stdout)).toMatchObject({ refused: true, reason: "input/no-match" })
        expect(refused.stderr).toContain("--allow-empty")
        expect(refused.stderr).toContain(input)
      }
    }
    expect(await catalog(dir)).toEqual(before)
  })

  for (const orphans of ["keep", "delete"]) {
    it(`a run that would ${orphans === "keep" ? "orphan" : "delete"} most entities is refused until confirmed with --max-orphans`, async () => {
      const dir = repo(["a", "b", "c", "d"].map((n) => `${orphans}-${n}`))
      expect((await runPaved(["catalog", "ingest", "src", "--db", db()], { cwd: dir })).code).toBe(0)
      const before = await catalog(dir)
      for (const n of ["a", "b", "c"]) fs.rmSync(path.join(dir, "src", `${orphans}-${n}.yaml`))
      const refused = await runPaved(["catalog", "ingest", "src", "--orphans", orphans, "--db", db()], { cwd: dir })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain("3 of the 4")
      expect(refused.stderr).toContain("Nothing was changed")
      expect(refused.stderr).toContain("--max-orphans 75%")
      expect(await catalog(dir)).toEqual(before)
      const confirmed = await runPaved(["catalog", "ingest", "src", "--orphans", orphans, "--max-orphans", "100%", "--format", "json", "--db", db()], { cwd: dir })
      expect(confirmed.code).toBe(0)
      expect(json(confirmed.stdout)[orphans === "keep" ? "orphaned" : "deleted"]).toHaveLength(3)
    })
  }

  it("--allow-empty empties what the store holds under a directory on purpose", async () => {
    const dir = repo(["x"])
    expect((await runPaved(["catalog", "ingest", "src", "--db", db()], { cwd: dir })).code).toBe(0)
    fs.rmSync(path.join(dir, "src", "x.yaml"))
    const refused = await runPaved(["catalog", "ingest", "src", "--orphans", "delete", "--db", db()], { cwd: dir })
    expect(refused.code).toBe(1)
    const confirmed = await runPaved(["catalog", "ingest", "src", "--orphans", "delete", "--allow-empty", "--format", "json", "--db", db()], { cwd: dir })
    expect(json(confirmed.stdout).deleted).toEqual(["component:default/x"])
  })
}

describe("paved catalog ingest guard: SQLite", () => {
  let dir = ""
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(scratch, "sqlite-"))
  })
  guardSuite(() => path.join(dir, "paved.db"))
})

describe.runIf(serverAvailable("postgresql"))("paved catalog ingest guard: PostgreSQL", () => {
  const name = uniqueName("paved_cli_guard").toLowerCase()
  beforeAll(() => {
    execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-c", `CREATE DATABASE ${name}`], { stdio: "ignore" })
  })
  afterAll(() => {
    execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: "ignore" })
  })
  guardSuite(() => `postgres://postgres@127.0.0.1:5432/${name}`)
})

describe("paved catalog validate on a Backstage-style repository", () => {
  it("reads org.yaml, template.yaml, systems/*.yaml and nested files, and counts the other YAML it skipped", async () => {
    const dir = path.join(scratch, "backstage-repo")
    fs.cpSync(path.join(here, "../../catalog/test/fixtures/backstage-repo"), dir, { recursive: true })
    fs.mkdirSync(path.join(dir, "node_modules", "dep"), { recursive: true })
    fs.writeFileSync(path.join(dir, "node_modules", "dep", "catalog-info.yaml"), component("from-node-modules"))
    const run = await runPaved(["catalog", "validate", ".", "--format", "json"], { cwd: dir })
    expect(run.code).toBe(0)
    const report = json(run.stdout)
    expect(report).toMatchObject({ files: 7, skipped: 3 })
    expect(report.entities.map((e: any) => e.ref).sort()).toContain("template:default/service")
    expect(report.entities.map((e: any) => e.ref)).not.toContain("component:default/from-node-modules")
    const table = await runPaved(["catalog", "validate", "."], { cwd: dir })
    expect(table.stdout).toContain("9 entities")
    expect(table.stdout).toContain("from 7 files (3 other YAML files skipped)")
    const help = await runPaved(["catalog", "validate", "--help"], { cwd: dir })
    expect(help.stdout.replace(/\s+/g, " ")).toContain("scaffolder.backstage.io/*")
  })
})
