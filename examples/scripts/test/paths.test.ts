/**
 * The scripts as the README runs them (`npm run -w` starts them in examples/scripts, with
 * INIT_CWD set to where the user typed the command): paths are read from where the user is, and
 * a path that does not exist is a usage error (exit 2), never an "all clear" over nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ownershipAudit } from "../src/ownership-audit.js"
import { scorecardCampaign } from "../src/scorecard-campaign.js"
import * as Effect from "effect/Effect"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const scriptsDir = path.join(repoRoot, "examples/scripts")
const tsx = path.join(repoRoot, "node_modules/.bin/tsx")

/** Runs a script as `npm run <script> -w @paved/example-scripts -- ARGS` typed in `from`. */
const run = (script: string, args: ReadonlyArray<string>, from: string) => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  // Asynchronous, so that the test worker stays responsive while tsx starts.
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(tsx, ["--conditions=@paved/source", `src/${script}.ts`, ...args], {
      cwd: scriptsDir,
      env: { ...env, INIT_CWD: from },
      encoding: "utf8",
      timeout: 60_000
    }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }))
  })
}

describe("the README's commands, run from the repository root", { timeout: 90_000 }, () => {
  it("ownership-audit reads examples/demo-org from where the user is and finds the removed team (exit 1)", async () => {
    const r = await run("ownership-audit", ["examples/demo-org", "--previous=examples/demo-org/history/before-reorg/org.yaml"], repoRoot)
    expect(r.stderr).toBe("")
    expect(r.stdout).toContain("search-indexer  owner-removed")
    expect(r.stdout).not.toContain("Every entity has a healthy owner")
    expect(r.code).toBe(1)
  })

  it("scorecard-campaign lists the blockers of the demo organisation", async () => {
    const r = await run("scorecard-campaign", ["examples/demo-org", "--level=gold"], repoRoot)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Fix these first:\n {2}\S+ \(\d+ services\)/)
  })

  it("a catalog path that does not exist is an error (exit 2), not an all clear", async () => {
    const r = await run("ownership-audit", ["examples/no-such-org"], repoRoot)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("no such file or directory: examples/no-such-org")
    expect(r.stdout).not.toContain("healthy owner")
  })

  it("a missing --previous snapshot is an error too (exit 2)", async () => {
    const r = await run("ownership-audit", ["examples/demo-org", "--previous=examples/demo-org/history/nope.yaml"], repoRoot)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("examples/demo-org/history/nope.yaml")
  })

  it("no catalog at all is an error (exit 2)", async () => {
    const r = await run("scorecard-campaign", ["--level=gold"], repoRoot)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("give the catalog to read")
  })

  it("a path relative to examples/scripts is not silently used when the user typed it elsewhere", async () => {
    // `../demo-org` is right from examples/scripts, wrong from the repository root.
    const r = await run("scorecard-campaign", ["../demo-org"], repoRoot)
    expect(r.code).toBe(2)
  })
})

describe("over a directory with no entities", () => {
  it.effect("ownership-audit and scorecard-campaign say nothing was checked, and fail", () =>
    Effect.gen(function*() {
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), "paved-scripts-empty-"))
      try {
        const audit = yield* ownershipAudit([empty])
        expect(audit.failed).toBe(true)
        expect(audit.text).toContain("nothing was checked")
        const campaign = yield* scorecardCampaign([empty], "gold")
        expect(campaign.failed).toBe(true)
        expect(campaign.text).toContain("nothing was checked")
        const unknown = yield* scorecardCampaign([path.join(repoRoot, "examples/demo-org")], "platinum")
        expect(unknown.failed).toBe(true)
        expect(unknown.text).toContain("no level platinum")
      } finally {
        fs.rmSync(empty, { recursive: true, force: true })
      }
    }))
})
