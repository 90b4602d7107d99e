import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as EnvStore from "@paved/envs/EnvStore"
import * as SpanStore from "@paved/observe/SpanStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { render } from "ink-testing-library"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { PavedApp } from "../src/components/App.js"
import { RuntimeContext, type TuiRuntime } from "../src/internal/useStream.js"
import * as Screen from "./screen.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const demoOrg = path.join(repoRoot, "examples/demo-org/catalog-info.yaml")

let runtime: TuiRuntime
let tmp: string

const span = (traceId: string, spanId: string, parent: string, service: string, name: string, offsetMs: number, durationMs: number, status = 0) => ({
  traceId,
  spanId,
  parentSpanId: parent,
  service,
  namespace: "default",
  entityRef: `component:default/${service}`,
  name,
  kind: parent === "" ? 2 : 3,
  startUs: Date.now() * 1000 - 60_000_000 + offsetMs * 1000,
  durationUs: durationMs * 1000,
  status,
  statusMessage: status === 2 ? "boom" : "",
  peer: "",
  attributes: {},
  resource: {},
  events: []
})

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paved-tui-platform-"))
  const db = path.join(tmp, "paved.db")
  const layer = Layer.mergeAll(CatalogStore.layerMemory, SpanStore.layerMemory, EnvStore.layerSqlite({ filename: db }))
  const rt = ManagedRuntime.make(layer)
  await rt.runPromise(Effect.gen(function*() {
    const loaded = yield* Catalog.load([demoOrg])
    yield* (yield* CatalogStore.CatalogStore).ingest(loaded)
    const spans = yield* SpanStore.SpanStore
    yield* spans.insertSpans([
      span("aaaa0001", "s1", "", "storefront", "GET /books", 0, 120),
      span("aaaa0001", "s2", "s1", "storefront", "SELECT books", 10, 40),
      span("aaaa0001", "s3", "s1", "catalog-api", "search", 60, 50, 2)
    ])
    const envs = yield* EnvStore.EnvStore
    yield* envs.claim({
      instance: "i-1",
      record: {
        name: "pr-42",
        type: "preview",
        owner: "web",
        status: "ready",
        createdAt: Date.now(),
        expiresAt: Date.now() + 3 * 3600_000,
        directory: tmp,
        overlays: {},
        changed: ["component:default/storefront"],
        provisioner: {},
        telemetry: { mode: "off" },
        services: [{
          ref: "component:default/storefront",
          name: "storefront",
          mode: "run",
          status: "ready",
          url: "http://127.0.0.1:4100",
          logFile: path.join(tmp, "storefront.log"),
          command: ["node", "server.js"],
          configKeys: [],
          config: {}
        }],
        resources: []
      }
    })
    fs.mkdirSync(path.join(tmp, "pr-7"))
    yield* envs.claim({
      instance: "i-7",
      record: {
        name: "pr-7",
        type: "preview",
        status: "ready",
        createdAt: Date.now(),
        directory: path.join(tmp, "pr-7"),
        overlays: {},
        changed: [],
        provisioner: {},
        telemetry: { mode: "off" },
        services: [],
        resources: []
      }
    })
  }))
  fs.writeFileSync(path.join(tmp, "storefront.log"), "starting\nlistening on 4100\n")
  runtime = rt as unknown as TuiRuntime
})

afterAll(async () => {
  await runtime.dispose()
  fs.rmSync(tmp, { recursive: true, force: true })
})

const { strip, type } = Screen
const waitFor = (read: () => string, predicate: (frame: string) => boolean, what: string) =>
  Screen.waitFor(read, predicate, what, 8_000)

describe("PavedApp over the other packages", () => {
  it("shows RED, the service map and traces, and a trace as a waterfall", async () => {
    const app = render(
      <RuntimeContext.Provider value={runtime}>
        <PavedApp />
      </RuntimeContext.Provider>
    )
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console"), "the catalog")
      await type(app.stdin, ":traces\r")
      const traces = await waitFor(frame, (f) => f.includes("recent traces (1)"), "the traces view")
      expect(traces).toMatch(/RED per service \(1\)\n {2}storefront .* p95 /)
      expect(traces).toContain("storefront → catalog-api")
      expect(traces).toContain("storefront: GET /books")
      // Move to the trace line and open it.
      for (let i = 0; i < 10; i++) app.stdin.write("j")
      await new Promise((r) => setTimeout(r, 50))
      app.stdin.write("\r")
      const tree = await waitFor(frame, (f) => f.includes("█"), "the waterfall")
      expect(tree).toMatch(/█+\s+120\.0ms storefront: GET \/books/)
      expect(tree).toMatch(/ {2}catalog-api: search ✗ boom/)
      await type(app.stdin, ":traces catalog-api\r")
      // Wait for the one service's data (an earlier frame may still show the previous view's).
      const one = await waitFor(frame, (f) => f.includes("traces catalog-api") && f.includes("service map (1 edges)"), "the traces of one service")
      expect(one).toContain("service map (1 edges)")
      expect(one).toContain("recent traces (1)")
      await type(app.stdin, ":traces nobody\r")
      await waitFor(frame, (f) => f.includes("traces nobody") && f.includes("recent traces (0)"), "no traces for an unknown service")
    } finally {
      app.unmount()
    }
  })

  it("lists environments with TTL and opens one with its services and log tail", async () => {
    const app = render(
      <RuntimeContext.Provider value={runtime}>
        <PavedApp />
      </RuntimeContext.Provider>
    )
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console"), "the catalog")
      await type(app.stdin, ":envs\r")
      const envs = await waitFor(frame, (f) => f.includes("environments (2)"), "the environments view")
      expect(envs).toMatch(/pr-42\s+preview\s+ready\s+1\/1 services ready\s+3h left/)
      // The first environment is selected at first: Enter opens it.
      app.stdin.write("\r")
      const env = await waitFor(frame, (f) => f.includes("log storefront"), "the environment detail")
      expect(env).toContain("http://127.0.0.1:4100")
      expect(env).toContain("listening on 4100")
    } finally {
      app.unmount()
    }
  })
})

describe("changes from the TUI", () => {
  const open = (readonly: boolean) =>
    render(
      <RuntimeContext.Provider value={runtime}>
        <PavedApp readonly={readonly} />
      </RuntimeContext.Provider>
    )

  it("refuses to bring an environment down in read-only mode", async () => {
    const app = open(true)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console"), "the catalog")
      await type(app.stdin, ":env pr-7\r")
      await waitFor(frame, (f) => f.includes("pr-7: preview, ready"), "the environment")
      expect(frame()).not.toContain("d down")
      app.stdin.write("d")
      await waitFor(frame, (f) => f.includes("read-only mode: remove environment pr-7 is disabled"), "the refusal")
    } finally {
      app.unmount()
    }
  })

  it("brings an environment down after a confirmation, showing its progress", async () => {
    const app = open(false)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console"), "the catalog")
      await type(app.stdin, ":env pr-7\r")
      await waitFor(frame, (f) => f.includes("pr-7: preview, ready") && f.includes("d down"), "the environment")
      app.stdin.write("d")
      await waitFor(frame, (f) => f.includes("remove environment pr-7?"), "the confirmation")
      app.stdin.write("n")
      await waitFor(frame, (f) => f.includes("cancelled: remove environment pr-7"), "the cancellation")
      app.stdin.write("d")
      await waitFor(frame, (f) => f.includes("remove environment pr-7?"), "the confirmation again")
      app.stdin.write("y")
      const done = await waitFor(frame, (f) => f.includes("remove environment pr-7: done"), "the job to finish")
      expect(done).toContain("removed pr-7: 0 services, 0 resources")
      expect(fs.existsSync(path.join(tmp, "pr-7"))).toBe(false)
      app.stdin.write("\u001b")
      await waitFor(frame, (f) => f.includes("no environment named pr-7"), "the environment gone")
    } finally {
      app.unmount()
    }
  })
})
