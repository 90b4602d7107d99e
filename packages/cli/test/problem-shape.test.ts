/**
 * One problem shape across the commands that check inputs: `catalog validate`, `provision
 * plan`, `env up`, `golden check` and `score` print problems with `--format json` as
 * `Problem.toJson` does (the same eight keys, in the same order, `null` where a problem has no
 * value), on the built binary.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Problem } from "@paved/catalog"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { runPaved } from "../../../testing/cli.js"

const work = fs.mkdtempSync(path.join(os.tmpdir(), "paved-problem-shape-"))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const keys = ["severity", "file", "line", "column", "path", "ref", "rule", "message"]
const decodeProblem = Schema.decodeUnknownSync(Problem.Json, { onExcessProperty: "error" })

const problemsOf = (stdout: string): ReadonlyArray<Record<string, unknown>> => {
  const doc = JSON.parse(stdout) as { problems?: ReadonlyArray<Record<string, unknown>> }
  expect(Array.isArray(doc.problems), stdout).toBe(true)
  return doc.problems!
}

describe("--format json problems", () => {
  it("have one shape in catalog validate, provision plan, env up, golden check and score", async () => {
    const created = await runPaved(["golden", "new", "node-http-service", "--template-version", "1.0.0", "--param", "name=orders", "--format", "json"], { cwd: work })
    expect(created.code, created.stderr).toBe(0)
    const service = path.join(work, "orders")
    // A drifted template-owned file, a resource key Score forbids, and an invalid entity.
    fs.appendFileSync(path.join(service, "Dockerfile"), "LABEL team=orders\n")
    const score = path.join(service, "score.yaml")
    fs.writeFileSync(score, "apiVersion: score.dev/v1b1\nmetadata: { name: orders }\ncontainers: { main: { image: x } }\nresources:\n  db:\n    type: postgres\n    size: 1\n")
    fs.writeFileSync(path.join(work, "broken.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not_A_Name!\nspec: { type: service, lifecycle: production, owner: group:default/x }\n")

    const runs = {
      "catalog validate": await runPaved(["catalog", "validate", work, "--format", "json"], { cwd: work }),
      "provision plan": await runPaved(["provision", "plan", "--env", "shape", "--workload", score, "--format", "json"], { cwd: work }),
      "env up": await runPaved(["env", "up", "shape", "--plan", "--services", "orders", "--catalog", work, "--format", "json"], { cwd: work }),
      "golden check": await runPaved(["golden", "check", service, "--format", "json"], { cwd: work }),
      "score": await runPaved(["score", work, "--no-record", "--format", "json"], { cwd: work })
    }
    const rules: Record<string, ReadonlyArray<unknown>> = {}
    for (const [command, run] of Object.entries(runs)) {
      const problems = problemsOf(run.stdout)
      expect(problems.length, `${command}: ${run.stdout}${run.stderr}`).toBeGreaterThan(0)
      for (const p of problems) {
        expect(Object.keys(p), command).toEqual(keys)
        expect(() => decodeProblem(p), command).not.toThrow()
      }
      rules[command] = [...new Set(problems.map((p) => p.rule))].sort()
    }
    expect(rules).toEqual({
      "catalog validate": ["entity/name", "integrity/dangling-ref"],
      "provision plan": ["score/schema"],
      "env up": ["score/schema"],
      "golden check": ["golden/drift", "golden/outdated"],
      "score": ["entity/name", "integrity/dangling-ref"]
    })
    // Inputs with problems fail the check (exit 1); score reports and scores the valid rest.
    expect(Object.fromEntries(Object.entries(runs).map(([command, run]) => [command, run.code]))).toEqual({
      "catalog validate": 1,
      "provision plan": 1,
      "env up": 1,
      "golden check": 1,
      "score": 0
    })
    // paved check's catalog findings are the same problems.
    const check = await runPaved(["check", work, "--format", "json"], { cwd: work })
    const report = JSON.parse(check.stdout) as { checks: ReadonlyArray<{ name: string; findings: ReadonlyArray<Record<string, unknown>> }> }
    expect(report.checks.find((c) => c.name === "catalog")?.findings).toEqual(problemsOf(runs["catalog validate"].stdout))
    // The same problem reads the same in two commands.
    expect(problemsOf(runs["env up"].stdout)).toEqual(problemsOf(runs["provision plan"].stdout))
  })
})
