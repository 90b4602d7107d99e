import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as Catalog from "@paved/catalog/Catalog"
import * as Problem from "@paved/catalog/Problem"
import { Conformance, Manifest, NodeHttpService, Scaffold, TemplateRegistry, Update } from "@paved/golden"
import { Observe, Receiver, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const require = createRequire(import.meta.url)
// The generated service builds with the workspace's TypeScript and @types/node (what `npm ci`
// would install), reached through a node_modules symlink: no network.
const tsc = require.resolve("typescript/bin/tsc")
const rootNodeModules = path.resolve(path.dirname(tsc), "../..")

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const run = (cwd: string, args: ReadonlyArray<string>) =>
  Effect.async<{ code: number; output: string }>((resume) => {
    const child = execFile(process.execPath, [...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
      resume(Effect.succeed({ code, output: stdout + stderr }))
    })
    return Effect.sync(() => child.kill())
  })

const buildAndTest = (dir: string) =>
  Effect.gen(function*() {
    if (!fs.existsSync(path.join(dir, "node_modules"))) fs.symlinkSync(rootNodeModules, path.join(dir, "node_modules"), "dir")
    const build = yield* run(dir, [tsc, "-p", "tsconfig.json"])
    expect(build.output).toBe("")
    expect(build.code).toBe(0)
    const test = yield* run(dir, ["--test", "dist/test/"])
    expect(test.code, test.output).toBe(0)
    return Number(/# pass (\d+)/.exec(test.output)?.[1] ?? 0)
  })

const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), "utf8")
const edit = (dir: string, rel: string, f: (s: string) => string) => fs.writeFileSync(path.join(dir, rel), f(read(dir, rel)))

const TestLayer = Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer)

describe("golden path lifecycle", () => {
  it.scoped("generate, build and test, validate, drift, update with migration, build and test again", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "orders")
      yield* Scaffold.generate({ template: NodeHttpService.v1_0_0, answers: { name: "orders" }, out: dir })
      expect(yield* Manifest.read(dir)).toMatchObject({ template: "node-http-service", version: "1.0.0", answers: { name: "orders", port: 8080 } })

      expect(yield* buildAndTest(dir)).toBe(3)

      const { entities, problems } = yield* Catalog.load([dir])
      expect(Problem.hasErrors(problems), JSON.stringify(problems)).toBe(false)
      const component = entities.find((e) => e.ref === "component:default/orders")!
      expect(component.entity.metadata.annotations).toMatchObject({
        "paved.dev/template": "node-http-service",
        "paved.dev/template-version": "1.0.0",
        "backstage.io/source-location": "url:https://github.com/acme/orders/tree/main/"
      })
      expect(component.entity.spec).toMatchObject({ owner: "group:default/platform-team", system: "system:default/platform" })
      expect(entities.map((e) => e.ref)).toContain("resource:default/orders-db")

      const clean = yield* Conformance.checkService(dir)
      expect(clean).toMatchObject({ version: "1.0.0", latest: "1.1.0", upToDate: false, drift: false, files: [] })

      // The team's own code (seeded by the template): a new route.
      edit(dir, "src/server.ts", (s) =>
        s.replace("  })\n}\n\nexport const route", "  }),\n  \"/orders\": () => ({ status: 200, body: { orders: [] } })\n}\n\nexport const route"))
      edit(dir, "README.md", (s) => s + "\nOrders are kept for seven years.\n")
      // A file the template does not own, written against 1.0.0's /health.
      fs.writeFileSync(path.join(dir, "test/orders.test.ts"), [
        "import assert from \"node:assert/strict\"",
        "import type { IncomingMessage } from \"node:http\"",
        "import { test } from \"node:test\"",
        "import { route } from \"../src/server.js\"",
        "",
        "const get = (url: string) => route({ method: \"GET\", url } as IncomingMessage, { port: 0, databaseUrl: undefined })",
        "",
        "test(\"orders and health\", () => {",
        "  assert.equal(get(\"/orders\").status, 200)",
        "  assert.equal(get(\"/health\").status, 200)",
        "})",
        ""
      ].join("\n"))
      // Seeded and merged files are the team's: editing them, or adding a dependency, is not drift.
      edit(dir, "package.json", (s) => s.replace("\"devDependencies\"", "\"dependencies\": { \"pg\": \"^8.0.0\" },\n  \"devDependencies\""))
      const seededEdits = yield* Conformance.checkService(dir)
      expect(seededEdits).toMatchObject({ drift: false, files: [], recordedBy: "manifest" })

      // A file the template owns, edited and removed: drift, with a diff.
      edit(dir, "tsconfig.json", (s) => s.replace("\"strict\": true", "\"strict\": false"))
      fs.rmSync(path.join(dir, ".dockerignore"))
      const drifted = yield* Conformance.checkService(dir)
      expect(drifted.drift).toBe(true)
      expect(drifted.files.map((f) => [f.path, f.status])).toEqual([[".dockerignore", "missing"], ["tsconfig.json", "modified"]])
      expect(drifted.files[1]!.diff).toContain("+    \"strict\": false,")
      expect(drifted.files[1]!.diff).toMatch(/^--- node-http-service@1\.0\.0\/tsconfig\.json\n\+\+\+ tsconfig\.json\n@@ -\d+,\d+ \+\d+,\d+ @@/)
      edit(dir, "tsconfig.json", (s) => s.replace("\"strict\": false", "\"strict\": true"))
      fs.writeFileSync(path.join(dir, ".dockerignore"), "node_modules\ndist\n.paved\n")

      const dry = yield* Update.updateService(dir, { dryRun: true })
      expect(dry.written).toBe(false)
      expect((yield* Manifest.read(dir)).version).toBe("1.0.0")

      const updated = yield* Update.updateService(dir)
      expect(updated).toMatchObject({ from: "1.0.0", to: "1.1.0", conflicts: [], answers: { nodeVersion: "20", name: "orders" } })
      expect(updated.migrations).toEqual(["1.0.0 -> 1.1.0: record nodeVersion 20; move callers of /health to /healthz"])
      const actions = Object.fromEntries(updated.files.map((f) => [f.path, f.action]))
      expect(actions).toMatchObject({
        "Dockerfile": "updated",
        ".github/workflows/ci.yml": "updated",
        "catalog-info.yaml": "updated",
        "src/server.ts": "migrated",
        "test/orders.test.ts": "migrated"
      })
      expect(actions["README.md"]).toBeUndefined()
      // The seeded server is the team's: the migration moved /health to /healthz, nothing else.
      expect(read(dir, "src/server.ts")).toContain("\"/orders\": () =>")
      expect(read(dir, "src/server.ts")).toContain("\"/healthz\"")
      expect(read(dir, "README.md")).toContain("seven years")
      expect(JSON.parse(read(dir, "package.json")).dependencies).toEqual({ pg: "^8.0.0" })
      expect(read(dir, "test/orders.test.ts")).toContain("get(\"/healthz\")")
      expect(read(dir, "Dockerfile")).toContain("USER node")
      expect((yield* Manifest.read(dir)).version).toBe("1.1.0")

      const after = yield* Conformance.checkService(dir)
      expect(after).toMatchObject({ version: "1.1.0", upToDate: true, drift: false, files: [] })

      // The team's tests (1.0.0's, migrated to /healthz) plus its own orders test.
      expect(yield* buildAndTest(dir)).toBe(4)

      const again = yield* Update.updateService(dir)
      expect(again).toMatchObject({ from: "1.1.0", to: "1.1.0", files: [] })
    }).pipe(Effect.provide(TestLayer)), 120_000)

  it.scoped("conflicting edits are marked in the files and listed; nothing is silently overwritten", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "billing")
      yield* Scaffold.generate({ template: NodeHttpService.v1_0_0, answers: { name: "billing", database: false }, out: dir })
      edit(dir, "Dockerfile", (s) => s.replace("FROM node:20-slim", "FROM node:20-alpine"))
      fs.rmSync(path.join(dir, ".dockerignore"))

      const result = yield* Update.updateService(dir)
      expect(result.conflicts.map((c) => [c.path, c.action])).toEqual([["Dockerfile", "conflict"]])
      // Unchanged by 1.1.0, so the owned file the team removed stays removed (not a conflict).
      expect(result.files.find((f) => f.path === ".dockerignore")).toBeUndefined()
      const dockerfile = read(dir, "Dockerfile")
      expect(dockerfile).toContain("<<<<<<< yours\nFROM node:20-alpine")
      expect(dockerfile).toContain("=======")
      expect(dockerfile).toContain(">>>>>>> template node-http-service@1.1.0")
      expect(fs.existsSync(path.join(dir, ".dockerignore"))).toBe(false)
      // Untouched files took the new version.
      expect(read(dir, ".github/workflows/ci.yml")).toContain("paved catalog validate")

      const check = yield* Conformance.checkService(dir)
      expect(check.files.map((f) => [f.path, f.status])).toEqual([[".dockerignore", "missing"], ["Dockerfile", "modified"]])
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("the generated service exports its spans to Paved's receiver with its catalog identity", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "payments")
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "payments" }, out: dir })
      yield* buildAndTest(dir)
      const { entities } = yield* Catalog.load([dir])
      const component = entities.find((e) => e.ref === "component:default/payments")!.entity

      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      const env = Observe.otelEnvironment(component, { endpoint: receiver.url, environment: "test" })
      interface Telemetry { shutdown(): Promise<void> }
      const telemetryModule = (yield* Effect.promise(() =>
        import(/* @vite-ignore */ pathToFileURL(path.join(dir, "dist/src/telemetry.js")).href)
      )) as { Telemetry: new(env: Record<string, string>) => Telemetry }
      const serverModule = (yield* Effect.promise(() =>
        import(/* @vite-ignore */ pathToFileURL(path.join(dir, "dist/src/server.js")).href)
      )) as { createService: (config: { port: number; databaseUrl: undefined }, telemetry: Telemetry) => import("node:http").Server }
      const telemetry = new telemetryModule.Telemetry(env)
      const server = serverModule.createService({ port: 0, databaseUrl: undefined }, telemetry)
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void))).pipe(Effect.timeout("5 seconds"), Effect.ignore)
      )
      const { port } = server.address() as import("node:net").AddressInfo
      const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/readyz`))
      expect(response.status).toBe(200)
      yield* Effect.promise(() => telemetry.shutdown())

      const traces = yield* store.searchTraces({ service: "payments", since: "5 minutes" })
      expect(traces.map((t) => [t.rootService, t.rootName])).toEqual([["payments", "GET /readyz"]])
      const tree = yield* store.trace(traces[0]!.traceId)
      expect(JSON.stringify(tree)).toContain("component:default/payments")
    }).pipe(Effect.provide(Layer.mergeAll(TestLayer, SpanStore.layerMemory))), 120_000)
})
