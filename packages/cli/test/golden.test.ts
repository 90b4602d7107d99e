import { describe, expect, it } from "@effect/vitest"
import * as pty from "node-pty"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as YAML from "yaml"
import { pavedBin, runPaved } from "../../../testing/cli.js"

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../golden/test/fixtures/templates")

const withTemp = async (f: (dir: string) => Promise<void>) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-cli-"))
  try {
    await f(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe("paved golden", () => {
  it("lists templates with versions and parameters, including those from a directory", async () => {
    const run = await runPaved(["golden", "list", "--format", "json", "--templates", fixtures])
    expect(run.code, run.stderr).toBe(0)
    const { templates } = JSON.parse(run.stdout) as { templates: Array<{ name: string; latest: string; versions: Array<string>; parameters: Array<{ name: string; default?: unknown }> }> }
    const node = templates.find((t) => t.name === "node-http-service")!
    expect(node.versions).toEqual(["1.0.0", "1.1.0"])
    expect(node.parameters.filter((p) => p.default === undefined).map((p) => p.name)).toEqual(["name"])
    expect(templates.map((t) => t.name)).toContain("static-site")
    const table = await runPaved(["golden", "list"])
    expect(table.stdout).toMatch(/node-http-service\s+paved\s+1\.1\.0/)
  })

  it("prints the templates as a Backstage catalog file that paved catalog validate accepts", async () => {
    await withTemp(async (dir) => {
      const run = await runPaved(["golden", "list", "--backstage"])
      expect(run.code, run.stderr).toBe(0)
      const file = path.join(dir, "templates.yaml")
      fs.writeFileSync(file, run.stdout)
      const docs = YAML.parseAllDocuments(run.stdout).map((d) => d.toJS() as { kind: string; apiVersion: string; metadata: { name: string } })
      expect(docs.map((d) => [d.apiVersion, d.kind, d.metadata.name])).toEqual([["scaffolder.backstage.io/v1beta3", "Template", "node-http-service"]])
      const validate = await runPaved(["catalog", "validate", file])
      expect(validate.code, validate.stdout + validate.stderr).toBe(0)
      const listed = await runPaved(["golden", "list", "--catalog", file, "--format", "json"])
      const { templates } = JSON.parse(listed.stdout) as { templates: Array<{ source: string; name: string; latest: string }> }
      expect(templates.map((t) => [t.source, t.name, t.latest])).toEqual([["paved", "node-http-service", "1.1.0"], ["backstage", "node-http-service", "1.1.0"]])
    })
  })

  it("lists Backstage Template entities found in the catalog with their parameters", async () => {
    await withTemp(async (dir) => {
      fs.writeFileSync(path.join(dir, "template.yaml"), [
        "apiVersion: scaffolder.backstage.io/v1beta3",
        "kind: Template",
        "metadata:",
        "  name: react-app",
        "  title: React app",
        "  description: A React single-page app",
        "spec:",
        "  owner: group:default/web",
        "  type: website",
        "  parameters:",
        "    - title: Basics",
        "      required: [name]",
        "      properties:",
        "        name: { type: string, description: App name }",
        "    - title: Options",
        "      properties:",
        "        router: { type: string, enum: [none, react-router], default: none }",
        "  steps:",
        "    - { id: fetch, name: Fetch, action: fetch:template, input: { url: ./skeleton } }",
        ""
      ].join("\n"))
      const run = await runPaved(["golden", "list", "--catalog", path.join(dir, "template.yaml"), "--format", "json"])
      expect(run.code, run.stderr).toBe(0)
      const { templates } = JSON.parse(run.stdout) as { templates: Array<Record<string, unknown>> }
      expect(templates.find((t) => t.name === "react-app")).toMatchObject({
        source: "backstage",
        ref: "template:default/react-app",
        description: "A React single-page app",
        parameters: [
          { name: "name", kind: "string", required: true, description: "App name" },
          { name: "router", kind: "enum", required: false, default: "none", choices: ["none", "react-router"] }
        ]
      })
    })
  })

  it("loads templates from an ESM-only npm package and its subpath exports", async () => {
    await withTemp(async (dir) => {
      const pkg = path.join(dir, "node_modules", "@acme", "golden-paths")
      fs.mkdirSync(path.join(pkg, "more"), { recursive: true })
      fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({
        name: "@acme/golden-paths",
        type: "module",
        exports: { ".": { import: "./index.mjs" }, "./*": { import: "./more/*.mjs" } }
      }))
      const fixture = pathToFileURL(path.join(fixtures, "static-site.mjs")).href
      fs.writeFileSync(path.join(pkg, "index.mjs"), `export { staticSite } from ${JSON.stringify(fixture)}\n`)
      fs.writeFileSync(path.join(pkg, "more", "sites.mjs"), `import { staticSite } from ${JSON.stringify(fixture)}\nexport const all = [staticSite]\n`)
      const nested = path.join(dir, "services")
      fs.mkdirSync(nested)
      for (const specifier of ["@acme/golden-paths", "@acme/golden-paths/sites"]) {
        const run = await runPaved(["golden", "list", "--format", "json", "--template-package", specifier], { cwd: nested })
        expect(run.code, run.stderr).toBe(0)
        const { templates } = JSON.parse(run.stdout) as { templates: Array<{ name: string }> }
        expect(templates.map((t) => t.name)).toEqual(["node-http-service", "static-site"])
      }
      const created = await runPaved(
        ["golden", "new", "static-site", "--template-package", "@acme/golden-paths", "--param", "name=docs", "--format", "json"],
        { cwd: nested }
      )
      expect(created.code, created.stderr).toBe(0)
      expect(fs.readFileSync(path.join(nested, "docs", "index.html"), "utf8")).toContain("<h1>docs</h1>")
      const check = await runPaved(["golden", "check", "docs", "--template-package", "@acme/golden-paths"], { cwd: nested })
      expect(check.code, check.stdout + check.stderr).toBe(0)
    })
  }, 120_000)

  it("refuses missing and unsafe parameters with exit 2 and says which", async () => {
    await withTemp(async (dir) => {
      const missing = await runPaved(["golden", "new", "node-http-service"], { cwd: dir })
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain("missing parameter name")
      const unsafe = await runPaved(["golden", "new", "node-http-service", "--param", "name=../../x"], { cwd: dir })
      expect(unsafe.code).toBe(2)
      expect(unsafe.stderr).toContain("name")
      const unknown = await runPaved(["golden", "new", "node-http-service", "--param", "name=a", "--param", "colour=red"], { cwd: dir })
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain("colour")
      expect(fs.readdirSync(dir)).toEqual([])
    })
  })

  it("new -> catalog validate -> check -> drift (exit 1) -> update -> pipeline", async () => {
    await withTemp(async (dir) => {
      const created = await runPaved(
        ["golden", "new", "node-http-service", "--template-version", "1.0.0", "--param", "name=orders", "--param", "port=9000", "--format", "json"],
        { cwd: dir }
      )
      expect(created.code, created.stderr).toBe(0)
      const service = path.join(dir, "orders")
      expect(JSON.parse(created.stdout)).toMatchObject({ dir: service, version: "1.0.0", answers: { name: "orders", port: 9000 } })
      expect(JSON.parse(fs.readFileSync(path.join(service, ".paved/template.json"), "utf8"))).toMatchObject({
        template: "node-http-service",
        version: "1.0.0"
      })

      const validate = await runPaved(["catalog", "validate", service, "--format", "json"])
      expect(validate.code, validate.stdout + validate.stderr).toBe(0)

      const clean = await runPaved(["golden", "check", service, "--format", "json"])
      expect(clean.code).toBe(0)
      expect(JSON.parse(clean.stdout)).toMatchObject({ drift: false, services: [{ version: "1.0.0", latest: "1.1.0", upToDate: false }] })
      const behind = await runPaved(["golden", "check", service, "--require-latest"])
      expect(behind.code).toBe(1)

      fs.appendFileSync(path.join(service, "Dockerfile"), "LABEL team=orders\n")
      const drift = await runPaved(["golden", "check", service])
      expect(drift.code).toBe(1)
      expect(drift.stdout).toContain("Dockerfile (modified)")
      expect(drift.stdout).toContain("+LABEL team=orders")

      const update = await runPaved(["golden", "update", service, "--format", "json"])
      expect(update.code, update.stderr).toBe(0)
      const result = JSON.parse(update.stdout) as { from: string; to: string; conflicts: Array<unknown>; files: Array<{ path: string; action: string }> }
      expect(result).toMatchObject({ from: "1.0.0", to: "1.1.0", conflicts: [] })
      expect(result.files).toContainEqual({ path: "Dockerfile", action: "merged", conflicts: 0 })
      const dockerfile = fs.readFileSync(path.join(service, "Dockerfile"), "utf8")
      expect(dockerfile).toContain("USER node")
      expect(dockerfile).toContain("LABEL team=orders")

      // The pipeline's plan step, as CI runs it: the updated service meets the staging and
      // production standards of @paved/provision (owner, system, cost centre from the entity).
      for (const envType of ["staging", "production"]) {
        const plan = await runPaved([
          "provision", "plan", "--env", envType, "--env-type", envType, "--entity", "component:default/orders",
          "--catalog", "catalog-info.yaml", "--workload", "score.yaml", "--dir", path.join(dir, "state"), "--format", "json"
        ], { cwd: service })
        expect(plan.code, plan.stdout + plan.stderr).toBe(0)
      }

      const stale = await runPaved(["golden", "pipeline", service, "--check"])
      expect(stale.code, stale.stdout + stale.stderr).toBe(0)
      fs.appendFileSync(path.join(service, "score.yaml"), "  cache:\n    type: redis\n")
      const changed = await runPaved(["golden", "pipeline", service, "--check"])
      expect(changed.code).toBe(1)
      const written = await runPaved(["golden", "pipeline", service, "--format", "json"])
      expect(written.code).toBe(0)
      expect(JSON.parse(written.stdout)).toMatchObject({ written: true, jobs: ["validate", "test", "build", "plan", "preview", "deploy"] })
      const workflow = YAML.parse(fs.readFileSync(path.join(service, ".github/workflows/ci.yml"), "utf8")) as { jobs: { test: { services: Record<string, unknown> } } }
      expect(Object.keys(workflow.jobs.test.services)).toEqual(["postgres", "redis"])
    })
  }, 180_000)

  it("update with a conflicting edit exits 1 and lists the conflict", async () => {
    await withTemp(async (dir) => {
      const out = path.join(dir, "svc")
      const created = await runPaved(["golden", "new", "node-http-service", "--template-version", "1.0.0", "--param", "name=svc", "--out", out])
      expect(created.code, created.stderr).toBe(0)
      const file = path.join(out, "Dockerfile")
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("FROM node:20-slim", "FROM node:20-alpine"))
      const update = await runPaved(["golden", "update", out])
      expect(update.code).toBe(1)
      expect(update.stdout).toMatch(/Dockerfile\s+conflict/)
      expect(update.stderr).toContain("Dockerfile")
      expect(fs.readFileSync(file, "utf8")).toContain("<<<<<<< yours")
    })
  }, 120_000)

  it("prompts for missing parameters on a terminal, with the defaults preselected", async () => {
    await withTemp(async (dir) => {
      // Each prompt is answered once, when its message first appears: a name, the second
      // lifecycle choice (arrow down), and Enter (the default) for the rest.
      const answers: Record<string, string> = { name: "orders\r", lifecycle: "\u001b[B\r" }
      const pending = ["name", "description", "owner", "system", "lifecycle", "database", "repository", "nodeVersion", "costCentre"]
      const exitCode = await new Promise<number>((resolve) => {
        const term = pty.spawn(process.execPath, [pavedBin, "golden", "new", "node-http-service", "--param", "port=9000"], {
          cwd: dir,
          cols: 160,
          rows: 40,
          env: { ...process.env, NO_COLOR: "1" }
        })
        let screen = ""
        const timer = setTimeout(() => term.kill(), 60_000)
        term.onData((data) => {
          // eslint-disable-next-line no-control-regex
          screen += data.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")
          const next = pending[0]
          if (next !== undefined && screen.includes(`? ${next}: `)) {
            pending.shift()
            setTimeout(() => term.write(answers[next] ?? "\r"), 30)
          }
        })
        term.onExit(({ exitCode }) => {
          clearTimeout(timer)
          resolve(exitCode)
        })
      })
      expect(pending).toEqual([])
      expect(exitCode).toBe(0)
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "orders/.paved/template.json"), "utf8")) as { answers: Record<string, unknown> }
      expect(manifest.answers).toEqual({
        name: "orders",
        description: "A Node.js HTTP service",
        owner: "group:default/platform-team",
        system: "system:default/platform",
        lifecycle: "production",
        port: 9000,
        database: true,
        repository: "github.com/acme",
        nodeVersion: "20",
        costCentre: "engineering"
      })
    })
  }, 120_000)
})
