/**
 * `paved catalog validate` end to end, on the built binary: exit codes, JSON shape, table.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { pavedBin, runPaved, workspace } from "../../../testing/cli.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const fixtures = path.join(repoRoot, "packages/catalog/test/fixtures/model")
const own = path.join(repoRoot, "packages/cli/test/fixtures")

describe("paved catalog validate", () => {
  it("exits 0 and lists the entities for a valid file", async () => {
    const file = path.join(fixtures, "valid/kind-group.yaml")
    const run = await runPaved(["catalog", "validate", file, "--format", "json"])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      files: 1,
      skipped: 0,
      entities: [{ ref: "group:default/team-a", kind: "Group", file, line: 1 }],
      problems: []
    })
  })

  it("exits 1 with every problem positioned for an invalid file", async () => {
    const file = path.join(own, "invalid-component.yaml")
    const run = await runPaved(["catalog", "validate", file, "--format", "json"])
    expect(run.code).toBe(1)
    const out = JSON.parse(run.stdout) as { entities: Array<unknown>; problems: Array<Record<string, unknown>> }
    expect(out.entities).toEqual([])
    expect(out.problems.map((p) => Object.keys(p))).toEqual([
      ["severity", "file", "line", "column", "path", "ref", "rule", "message"],
      ["severity", "file", "line", "column", "path", "ref", "rule", "message"]
    ])
    expect(out.problems.map((p) => [p.severity, p.file, p.line, p.column, p.path, p.rule])).toEqual([
      ["error", file, 4, 9, "metadata.name", "entity/name"],
      ["error", file, 10, 7, "metadata.tags[1]", "entity/tag"]
    ])
  })

  it("treats warnings as errors with --strict, and prints file:line:col first in tables", async () => {
    const file = path.join(own, "dangling-owner.yaml")
    const lenient = await runPaved(["catalog", "validate", file])
    expect(lenient.code).toBe(0)
    expect(lenient.stdout).toMatch(/^WHERE\s+SEVERITY\s+RULE\s+MESSAGE/)
    expect(lenient.stdout).toMatch(/dangling-owner\.yaml:9:10\s+warning\s+integrity\/dangling-ref/)
    const strict = await runPaved(["catalog", "validate", file, "--strict"])
    expect(strict.code).toBe(1)
  })

  it("exits 2 on usage errors", async () => {
    const missing = await runPaved(["catalog", "validate", path.join(fixtures, "no-such-file.yaml")])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("no such file")
    const badFormat = await runPaved(["catalog", "validate", "--format", "xml"])
    expect(badFormat.code).toBe(2)
  })

  it("walks and reads a large directory on a worker thread from the built bundle, with the report of one thread", () => {
    // 1,200 directories of one catalog file each: the walk meets 1,000 entries and starts the
    // scan worker. Each thread of a process run with --cpu-prof writes a profile of its own, so
    // the profiles counted say whether the worker ran (the bundle must keep scanner.ts's code
    // self-contained for it to).
    const { dir, write } = workspace("paved-validate-scan-")
    for (let i = 0; i < 1200; i++) {
      write(`catalog/svc-${i}/catalog-info.yaml`, `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-${i % 9}\n`)
    }
    const validate = (worker: "on" | "off") => {
      const profiles = fs.mkdtempSync(path.join(dir, `profiles-${worker}-`))
      const run = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", profiles, pavedBin, "catalog", "validate", path.join(dir, "catalog"), "--format", "json"], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
        env: { ...process.env, NO_COLOR: "1", PAVED_CATALOG_WORKER: worker }
      })
      return { code: run.status, stdout: run.stdout, threads: fs.readdirSync(profiles).filter((f) => f.endsWith(".cpuprofile")).length }
    }
    const scanned = validate("on")
    const one = validate("off")
    expect(scanned.code).toBe(0)
    expect(scanned.threads).toBe(2)
    expect(one.threads).toBe(1)
    expect(scanned.stdout).toBe(one.stdout)
    expect((JSON.parse(scanned.stdout) as { entities: Array<unknown> }).entities).toHaveLength(1200)
  }, 120_000)
})
