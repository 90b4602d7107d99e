/**
 * One error-to-exit-code table (`Output.exitCodes`): library errors reach the runner untouched
 * and exit 1 (the checked thing failed) or 2 (usage or environment), printed the same way the
 * commands' own mappings printed them before. Runs the built `paved` (npm run build first).
 */
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { runPaved, workspace } from "../../../testing/cli.js"
import * as Output from "../src/Output.js"

const { dir: work, write } = workspace("paved-cli-exit-")

const env = { PAVED_SECRET_KEY: "cd".repeat(32) }
const packages = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [])

describe("exit codes", () => {
  it("every tagged error of the packages is in the one table, as 1 or 2", () => {
    const tags = new Set<string>()
    for (const pkg of fs.readdirSync(packages)) {
      const src = path.join(packages, pkg, "src")
      if (!fs.existsSync(src)) continue
      for (const file of sourceFiles(src)) {
        for (const m of fs.readFileSync(file, "utf8").matchAll(/TaggedError(?:<[^>]*>\(\))?\(\s*"([A-Za-z]+)"/g)) tags.add(m[1]!)
      }
    }
    expect(tags.size).toBeGreaterThan(20)
    expect([...tags].filter((t) => Output.exitCodes[t] === undefined)).toEqual([])
    expect(Output.exitCodeOf(new Output.CheckFailed({ summary: "x" }))).toBe(1)
    expect(Output.exitCodeOf(new Output.UsageError({ summary: "x" }))).toBe(2)
    expect(Output.exitCodeOf(new Error("untagged"))).toBe(2)
    expect(Output.exitCodeOf("not even an error")).toBe(2)
  })

  it("a workload that cannot be read is a usage error (2) naming the file", async () => {
    write("nowork/catalog-info.yaml", [
      "apiVersion: backstage.io/v1alpha1",
      "kind: Component",
      "metadata: { name: nowork }",
      "spec: { type: service, lifecycle: production, owner: group:default/finance }"
    ].join("\n"))
    const run = await runPaved(["provision", "plan", "--env", "dev", "--catalog", path.join(work, "nowork"), "--entity", "nowork"], { cwd: work, env })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^paved: cannot read .*nowork\/score\.yaml: /m)
  })

  it("a refused apply (mandatory standards) is the checked thing failing (1), its message without the paved: prefix", async () => {
    const untagged = write("untagged/score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: web }\ncontainers: { main: { image: x } }\nresources:\n  db: { type: postgres, class: tiny }\n")
    const run = await runPaved(["provision", "apply", "--env", "prod", "--env-type", "production", "--workload", untagged, "--db", "memory:"], { cwd: work, env })
    expect(run.code, run.stderr).toBe(1)
    expect(run.stderr).toMatch(/^the plan for "prod" is refused: 2 mandatory policy violation\(s\)$/m)
  })

  it("a store error and an invalid cursor are usage or environment errors (2)", async () => {
    write("catalog/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: shop }\nspec: { type: service, lifecycle: production, owner: group:default/web }\n")
    const db = path.join(work, "store/paved.db")
    fs.mkdirSync(path.dirname(db))
    const ingested = await runPaved(["catalog", "ingest", path.join(work, "catalog"), "--db", db], { cwd: work, env })
    expect(ingested.code, ingested.stderr).toBe(0)
    const cursor = await runPaved(["catalog", "query", "--cursor", "not-a-cursor", "--db", db, "--format", "json"], { cwd: work, env })
    expect(cursor.code).toBe(2)
    expect(cursor.stderr).toContain(`paved: Invalid query "not-a-cursor": it is not a cursor returned by a previous page`)
    fs.writeFileSync(path.join(work, "store/broken.db"), "this is not a SQLite database, but long enough to be read as one ".repeat(100))
    const broken = await runPaved(["catalog", "query", "--db", path.join(work, "store/broken.db")], { cwd: work, env })
    expect(broken.code).toBe(2)
    expect(broken.stderr).toMatch(/^paved: /m)
  })

  it("no command rewraps a library error just to choose its exit code", () => {
    // The one table decides; a command turning `e` into UsageError({ summary: e.message }) (or
    // setting process.exitCode) would be a second mapping that can disagree with it.
    const cli = path.join(packages, "cli", "src")
    const offenders = [...sourceFiles(path.join(cli, "commands")), ...sourceFiles(path.join(cli, "internal"))].flatMap((file) => {
      const text = fs.readFileSync(file, "utf8")
      const rewraps = [
        ...text.matchAll(/new (?:Output\.)?(?:UsageError|CheckFailed)\(\{ summary: [\w.]+\.message \}\)/g),
        ...text.matchAll(/mapError\(\(?\w*\)? ?(?:=> )?(?:e instanceof Output\.UsageError \? e : )?usage\b/g),
        ...text.matchAll(/process\.exitCode/g)
      ]
      return rewraps.map((m) => `${path.relative(cli, file)}: ${m[0]}`)
    })
    expect(offenders).toEqual([])
  })

  it("env and check let library errors through: usage or environment errors (2), printed as before", async () => {
    write("envs/catalog/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: shop }\nspec: { type: service, lifecycle: production, owner: group:default/web }\n")
    const catalog = path.join(work, "envs/catalog")
    const db = path.join(work, "envs/paved.db")
    const ttl = await runPaved(["env", "up", "x", "--catalog", catalog, "--services", "shop", "--ttl", "soon", "--db", db], { cwd: work, env })
    expect(ttl.code).toBe(2)
    expect(ttl.stderr).toContain(`paved: TTL "soon" is not a number followed by s, m, h or d (e.g. 24h)`)
    expect((await runPaved(["catalog", "ingest", catalog, "--db", db], { cwd: work, env })).code).toBe(0)
    const diff = await runPaved(["env", "diff", "a", "b", "--db", db], { cwd: work, env })
    expect(diff.code).toBe(2)
    expect(diff.stderr).toMatch(/^paved: environment "a" does not exist/m)
    const check = await runPaved(["check", catalog, "--env-diff", "a,b", "--db", db, "--format", "json"], { cwd: work, env })
    expect(check.code).toBe(2)
    expect(check.stderr).toMatch(/^paved: environment "a" does not exist/m)
  })
})
