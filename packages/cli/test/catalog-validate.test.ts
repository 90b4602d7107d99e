/**
 * `paved catalog validate` end to end, on the built binary: exit codes, JSON shape, table.
 */
import { describe, expect, it } from "@effect/vitest"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { runPaved } from "../../../testing/cli.js"

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
})
