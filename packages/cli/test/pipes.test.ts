/**
 * The `paved` command as scripts use it: the built binary through real pipes. JSON output is
 * complete (over 1 MB, whatever the exit code), help is plain and fits 80 columns, usage errors
 * say what to do, list options take every form, stores are never created where they should not
 * be, destructive commands need --yes, and control characters from data never reach the
 * terminal.
 */
import { Lists } from "@paved/cli"
import { describe, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { pavedBin, runPaved } from "../../../testing/cli.js"

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "paved-pipes-"))

// A catalog of `n` components whose owner does not exist: one warning each, so --strict exits 1.
// Files of 100 entities each (one file may hold only so many documents).
const bigCatalog = (dir: string, n: number): void => {
  for (let f = 0; f * 100 < n; f++) bigFile(path.join(dir, `part-${f}.yaml`), f * 100, Math.min(n, f * 100 + 100))
}

const bigFile = (file: string, from: number, to: number): void => {
  const docs: Array<string> = []
  for (let i = from; i < to; i++) {
    docs.push([
      "apiVersion: backstage.io/v1alpha1",
      "kind: Component",
      "metadata:",
      `  name: service-${i}`,
      `  description: A service with a long enough description to make the output large, number ${i}`,
      "spec:",
      "  type: service",
      "  lifecycle: production",
      `  owner: group:default/missing-team-${i}`
    ].join("\n"))
  }
  fs.writeFileSync(file, docs.join("\n---\n") + "\n")
}

// Runs paved with stdout a pipe read in small pieces, slowly at first, so a process that exits
// before stdout drains loses data.
const throughPipe = (args: ReadonlyArray<string>, cwd: string): Promise<{ code: number | null; stdout: Buffer }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pavedBin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "ignore"] })
    const chunks: Array<Buffer> = []
    child.stdout.pause()
    setTimeout(() => child.stdout.resume(), 1500)
    child.stdout.on("data", (d: Buffer) => chunks.push(d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(chunks) }))
  })

describe("paved through pipes", () => {
  it("prints JSON over 1 MB completely through a pipe when the command exits 1", async () => {
    const dir = scratch()
    bigCatalog(dir, 4000)
    const run = await throughPipe(["catalog", "validate", ".", "--strict", "--format", "json"], dir)
    expect(run.code).toBe(1)
    expect(run.stdout.length).toBeGreaterThan(1_000_000)
    const doc = JSON.parse(run.stdout.toString("utf8")) as { problems: ReadonlyArray<unknown>; entities: ReadonlyArray<unknown> }
    expect(doc.entities.length).toBe(4000)
    expect(doc.problems.length).toBeGreaterThanOrEqual(4000)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 180_000)

  it("feeds a shell pipeline into node JSON.parse, keeping the exit code", () => {
    const dir = scratch()
    bigCatalog(dir, 4000)
    const script = `"${process.execPath}" "${pavedBin}" catalog validate . --strict --format json | ` +
      `"${process.execPath}" -e 'const t = require("fs").readFileSync(0, "utf8"); const d = JSON.parse(t); console.log(t.length, d.entities.length)'; ` +
      `echo "status \${PIPESTATUS[0]} \${PIPESTATUS[1]}"`
    const r = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
    const [size, entities] = r.stdout.split("\n")[0]!.split(" ").map(Number)
    expect(size).toBeGreaterThan(1_000_000)
    expect(entities).toBe(4000)
    expect(r.stdout).toContain("status 1 0")
    fs.rmSync(dir, { recursive: true, force: true })
  }, 180_000)

  it("prints one JSON document on stdout for every command with --format json", async () => {
    const dir = scratch()
    const org = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/demo-org")
    fs.writeFileSync(path.join(dir, "score.yaml"), "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\ncontainers:\n  web:\n    image: nginx\nresources:\n  db:\n    type: postgres\n")
    fs.writeFileSync(path.join(dir, "bad.yaml"), "apiVersion: score.dev/v1b1\nmetadata: [\n")
    const db = path.join(dir, "store.db")
    const commands: ReadonlyArray<ReadonlyArray<string>> = [
      ["doctor"],
      ["catalog", "validate", org],
      ["catalog", "ingest", org, "--db", db],
      ["catalog", "query", "--db", db, "--limit", "5"],
      ["catalog", "facets", "kind", "--db", db],
      ["catalog", "history", "component:default/storefront", "--db", db],
      ["catalog", "graph", "--cycles", "--db", db],
      ["score", "--db", db],
      ["provision", "plan", "--env", "dev", "--workload", "score.yaml"],
      ["provision", "plan", "--env", "dev", "--workload", "bad.yaml"],
      ["observe", "traces", "--db", db],
      ["observe", "red", "--db", db],
      ["observe", "map", "--db", db],
      ["env", "list", "--db", db],
      ["golden", "list"]
    ]
    for (const args of commands) {
      const run = await throughPipe([...args, "--format", "json"], dir)
      expect([0, 1], `${args.join(" ")} exited ${run.code}`).toContain(run.code)
      expect(() => JSON.parse(run.stdout.toString("utf8")), `${args.join(" ")}: ${run.stdout.toString("utf8").slice(0, 200)}`).not.toThrow()
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }, 600_000)
})

describe("paved help", () => {
  it("is plain text without a terminal and with NO_COLOR, coloured with FORCE_COLOR", async () => {
    for (const env of [{ NO_COLOR: "" }, { NO_COLOR: "1" }]) {
      for (const args of [["--help"], ["catalog", "--help"], ["catalog", "validate", "--help"]]) {
        const run = await runPaved(args, { env })
        expect(run.code).toBe(0)
        expect(run.stdout).not.toContain("\u001b")
      }
    }
    const forced = await runPaved(["catalog", "validate", "--help"], { env: { NO_COLOR: "", FORCE_COLOR: "1" } })
    expect(forced.stdout).toContain("\u001b[1m")
  }, 120_000)

  it("fits 80 columns, names the full command, shows an example and brackets optional options", async () => {
    const groups = ["catalog", "score", "provision", "env", "observe", "golden", "ui", "demo", "doctor"]
    for (const args of [["--help"], ...groups.map((g) => [g, "--help"]), ["catalog", "validate", "--help"], ["provision", "plan", "--help"]]) {
      const run = await runPaved(args)
      expect(run.code, args.join(" ")).toBe(0)
      for (const line of run.stdout.split("\n")) expect(line.length, `${args.join(" ")}: ${line}`).toBeLessThanOrEqual(80)
    }
    const validate = await runPaved(["catalog", "validate", "--help"])
    expect(validate.stdout).toContain("Usage: paved catalog validate [PATH...] [options]")
    expect(validate.stdout).toContain("Example:\n  paved catalog validate")
    expect(validate.stdout).not.toContain("A true or false value")
    const plan = await runPaved(["provision", "plan", "--help"])
    expect(plan.stdout).toMatch(/Usage: paved provision plan --env TEXT/)
    expect(plan.stdout).toContain("--workload FILE")
  }, 300_000)

  it("answers --version and --help without loading a command", async () => {
    const version = await runPaved(["--version"])
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    const help = await runPaved([])
    expect(help.stdout).toContain("Commands:")
  }, 60_000)
})

describe("paved usage errors", () => {
  it("names the option, suggests the close one and points at --help (exit 2)", async () => {
    const unknown = await runPaved(["catalog", "validate", "--foo", "."])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("paved catalog validate: unknown option '--foo'")
    expect(unknown.stderr).toContain("Run 'paved catalog validate --help'")
    const typo = await runPaved(["catalog", "query", "--fitler", "kind=component"])
    expect(typo.stderr).toContain("Did you mean '--filter'?")
    const choice = await runPaved(["catalog", "validate", "--format", "yaml"])
    expect(choice.code).toBe(2)
    expect(choice.stderr).toContain("--format takes one of table, json, not 'yaml'")
    const sub = await runPaved(["catalog", "validat"])
    expect(sub.code).toBe(2)
    expect(sub.stderr).toContain("Did you mean 'validate'?")
    const required = await runPaved(["provision", "plan"])
    expect(required.code).toBe(2)
    expect(required.stderr).toContain("paved provision plan: missing required option --env")
  }, 120_000)
})

describe("paved list options", () => {
  it("split repeated flags, commas, whitespace and - for standard input", () => {
    expect(Lists.split(["a", "b,c", "d e\nf"], () => "")).toEqual(["a", "b", "c", "d", "e", "f"])
    expect(Lists.split(["-", "x"], () => "one.ts\ntwo.ts\n")).toEqual(["one.ts", "two.ts", "x"])
  })

  it("take several values after one flag and values from standard input", async () => {
    const dir = scratch()
    for (const name of ["aa", "bb", "cc"]) {
      fs.writeFileSync(path.join(dir, `${name}.yaml`), `apiVersion: score.dev/v1b1\nmetadata:\n  name: ${name}\ncontainers:\n  ${name}:\n    image: nginx\nresources:\n  db:\n    type: postgres\n`)
    }
    const resources = (stdout: string) => (JSON.parse(stdout) as { changes: ReadonlyArray<{ resource: string }> }).changes.map((c) => c.resource).sort()
    const spaced = await runPaved(["provision", "plan", "--env", "dev", "--workload", "aa.yaml", "bb.yaml", "--format", "json"], { cwd: dir })
    expect(spaced.code, spaced.stderr).toBe(0)
    expect(resources(spaced.stdout)).toEqual(["aa.db", "bb.db"])
    const piped = await runPaved(["provision", "plan", "--env", "dev", "--workload", "-", "--format", "json"], { cwd: dir, input: "aa.yaml\nbb.yaml cc.yaml\n" })
    expect(resources(piped.stdout)).toEqual(["aa.db", "bb.db", "cc.db"])
    const commas = await runPaved(["provision", "plan", "--env", "dev", "--workload", "aa.yaml,cc.yaml", "--format", "json"], { cwd: dir })
    expect(resources(commas.stdout)).toEqual(["aa.db", "cc.db"])
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)
})

describe("paved state files", () => {
  it("a --db whose directory does not exist is an error, and no directory is created", async () => {
    const dir = scratch()
    const missing = path.join(dir, "no", "such", "dir", "x.db")
    for (const args of [["catalog", "query", "--db", missing], ["catalog", "ingest", ".", "--db", missing]]) {
      const run = await runPaved(args, { cwd: dir })
      expect(run.code, args.join(" ")).toBe(2)
      expect(run.stderr).toContain(missing)
    }
    expect(fs.existsSync(path.join(dir, "no"))).toBe(false)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it("read-only commands create no files; the first write creates .paved/ with a .gitignore", async () => {
    const dir = scratch()
    fs.writeFileSync(path.join(dir, "score.yaml"), "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\ncontainers:\n  web:\n    image: nginx\nresources:\n  db:\n    type: postgres\n")
    const plan = await runPaved(["provision", "plan", "--env", "dev", "--workload", "score.yaml"], { cwd: dir, env: { PAVED_DB_URL: "" } })
    expect(plan.code, plan.stderr).toBe(0)
    const query = await runPaved(["catalog", "query"], { cwd: dir, env: { PAVED_DB_URL: "" } })
    expect(query.code).toBe(2)
    expect(query.stderr).toContain("run paved catalog ingest first")
    await runPaved(["env", "list"], { cwd: dir, env: { PAVED_DB_URL: "" } })
    expect(fs.readdirSync(dir)).toEqual(["score.yaml"])
    fs.writeFileSync(path.join(dir, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: ada\nspec:\n  memberOf: []\n")
    const ingest = await runPaved(["catalog", "ingest", "catalog-info.yaml"], { cwd: dir, env: { PAVED_DB_URL: "" } })
    expect(ingest.code, ingest.stderr).toBe(0)
    expect(fs.readFileSync(path.join(dir, ".paved", ".gitignore"), "utf8")).toMatch(/^\*$/m)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it("destructive commands refuse without --yes when not on a terminal (exit 2)", async () => {
    const dir = scratch()
    const destroy = await runPaved(["provision", "destroy", "--env", "dev"], { cwd: dir })
    expect(destroy.code).toBe(2)
    expect(destroy.stderr).toContain("pass --yes")
    const down = await runPaved(["env", "down", "dev"], { cwd: dir })
    expect(down.code).toBe(2)
    expect(down.stderr).toContain("pass --yes")
    expect(fs.readdirSync(dir)).toEqual([])
    fs.rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it("provision takes --db like every command; --state still works and says it is deprecated", async () => {
    const dir = scratch()
    fs.writeFileSync(path.join(dir, "score.yaml"), "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\ncontainers:\n  web:\n    image: nginx\nresources:\n  db:\n    type: postgres\n")
    const viaState = await runPaved(["provision", "plan", "--env", "dev", "--workload", "score.yaml", "--state", path.join(dir, "state.db")], { cwd: dir })
    expect(viaState.code, viaState.stderr).toBe(0)
    expect(viaState.stderr).toContain("--state is deprecated; use --db")
    const missing = await runPaved(["provision", "plan", "--env", "dev", "--workload", "score.yaml", "--db", path.join(dir, "nope", "x.db")], { cwd: dir })
    expect(missing.code).toBe(2)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 60_000)
})

describe("paved and terminal escapes", () => {
  it("shows ESC, BEL and C1 controls from catalog fields as visible characters in tables", async () => {
    const dir = scratch()
    fs.writeFileSync(path.join(dir, "catalog-info.yaml"), [
      "apiVersion: backstage.io/v1alpha1",
      "kind: Component",
      "metadata:",
      "  name: evil",
      "spec:",
      "  type: \"service\\e[2J\\e]0;PWNED\\a\\e]52;c;cm0gLXJmIH4K\\a\\u009b31m\"",
      "  lifecycle: production",
      "  owner: user:default/ada",
      "---",
      "apiVersion: backstage.io/v1alpha1",
      "kind: User",
      "metadata:",
      "  name: ada",
      "spec:",
      "  memberOf: []",
      ""
    ].join("\n"))
    const db = path.join(dir, "x.db")
    const ingest = await runPaved(["catalog", "ingest", "catalog-info.yaml", "--db", db], { cwd: dir })
    expect(ingest.code, ingest.stderr).toBe(0)
    const query = await runPaved(["catalog", "query", "--db", db], { cwd: dir })
    expect(query.code).toBe(0)
    expect(query.stdout).toContain("evil")
    // eslint-disable-next-line no-control-regex
    expect(query.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
    expect(query.stdout).toContain("service␛[2J␛]0;PWNED␇␛]52;c;cm0gLXJmIH4K␇\\x9b31m")
    const json = await runPaved(["catalog", "query", "--db", db, "--format", "json"], { cwd: dir })
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain("service\\u001b[2J")
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)
})
