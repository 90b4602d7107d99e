import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as EnvStore from "@paved/envs/EnvStore"
import type { Plan } from "@paved/provision/Plan"
import * as Provision from "@paved/provision/Provision"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { render } from "ink-testing-library"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PavedApp } from "../src/components/App.js"
import { commands, confirmPrompt } from "../src/components/keymap.js"
import { RuntimeContext, type TuiRuntime } from "../src/internal/useStream.js"
import * as App from "../src/state/app.js"
import * as ProvisionLines from "../src/state/provisionLines.js"
import * as Screen from "./screen.js"

let runtime: TuiRuntime
let tmp: string
let score: string

let service: string

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paved-tui-provision-"))
  score = path.join(tmp, "score.yaml")
  fs.writeFileSync(score, [
    "apiVersion: score.dev/v1b1",
    "metadata: { name: worker }",
    "containers:",
    "  main:",
    "    image: worker",
    "resources:",
    "  data: { type: volume }",
    "  settings: { type: environment, params: { REGION: eu-west-1 } }"
  ].join("\n"))
  const layer = Layer.mergeAll(
    CatalogStore.layerMemory,
    EnvStore.layerSqlite({ filename: path.join(tmp, "paved.db") }),
    Provision.layerLocal({ dir: tmp, stateUrl: path.join(tmp, "state.db") })
  )
  // A component that runs an HTTP server (ready on TCP connect) and needs a volume: `up` needs no server for it.
  service = path.join(tmp, "ticker")
  fs.mkdirSync(service)
  fs.writeFileSync(path.join(service, "catalog-info.yaml"), [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Component",
    "metadata:",
    "  name: ticker",
    "  annotations: { backstage.io/source-location: \"dir:.\" }",
    "spec: { type: service, lifecycle: experimental, owner: group:default/team-a }"
  ].join("\n"))
  fs.writeFileSync(path.join(service, "score.yaml"), [
    "apiVersion: score.dev/v1b1",
    "metadata: { name: ticker }",
    "containers:",
    "  main:",
    "    image: ticker",
    "    command: [\"node\"]",
    "    args: [\"-e\", \"require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')\"]",
    "resources:",
    "  data: { type: volume }"
  ].join("\n"))
  const billing = path.join(tmp, "billing")
  fs.mkdirSync(billing)
  fs.writeFileSync(path.join(billing, "catalog-info.yaml"), [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Component",
    "metadata: { name: billing }",
    "spec: { type: service, lifecycle: experimental, owner: group:default/team-a }"
  ].join("\n"))
  fs.writeFileSync(path.join(billing, "score.yaml"), [
    "apiVersion: score.dev/v1b1",
    "metadata: { name: billing }",
    "containers: { main: { image: billing, command: [node], args: [server.mjs] } }",
    "resources: { db: { type: postgres } }"
  ].join("\n"))
  // A component whose workload lives where its paved.dev/workload annotation says, not beside it.
  const ledger = path.join(tmp, "ledger")
  fs.mkdirSync(path.join(ledger, "deploy"), { recursive: true })
  fs.writeFileSync(path.join(ledger, "catalog-info.yaml"), [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Component",
    "metadata: { name: ledger, annotations: { paved.dev/workload: deploy/ledger.score.yaml } }",
    "spec: { type: service, lifecycle: experimental, owner: group:default/team-a }"
  ].join("\n"))
  fs.writeFileSync(path.join(ledger, "deploy", "ledger.score.yaml"), [
    "apiVersion: score.dev/v1b1",
    "metadata: { name: ledger }",
    "containers: { main: { image: ledger } }",
    "resources: { journal: { type: volume } }"
  ].join("\n"))
  const rt = ManagedRuntime.make(layer)
  await rt.runPromise(Effect.gen(function*() {
    const loaded = yield* Catalog.load([
      path.join(service, "catalog-info.yaml"),
      path.join(billing, "catalog-info.yaml"),
      path.join(ledger, "catalog-info.yaml")
    ])
    yield* (yield* CatalogStore.CatalogStore).ingest(loaded)
  }))
  runtime = rt as unknown as TuiRuntime
})

afterAll(async () => {
  await runtime.dispose()
  fs.rmSync(tmp, { recursive: true, force: true })
})

const { strip, type } = Screen
const waitFor = (read: () => string, predicate: (frame: string) => boolean, what: string, timeoutMs = 10_000) =>
  Screen.waitFor(read, predicate, what, timeoutMs)

const plan: Plan = {
  env: "dev",
  envType: "development",
  changes: [
    { action: "create", resource: "data", type: "volume", class: "default", reason: "new", desired: undefined, recorded: undefined },
    { action: "replace", resource: "db", type: "postgres", class: "default", reason: "version 15 → 16", desired: undefined, recorded: undefined },
    { action: "no-op", resource: "settings", type: "environment", class: "default", reason: "unchanged", desired: undefined, recorded: undefined }
  ],
  violations: [{ policy: "tags", resource: "db", enforcement: "advisory", message: "add a cost-centre tag" }]
}

describe("provisioning state (pure)", () => {
  it("renders a plan as a diff with violations", () => {
    const lines = ProvisionLines.planDiff(plan).map((l) => l.text)
    expect(lines[0]).toBe("plan for dev (development): 1 to create, 1 to replace, 1 to keep")
    expect(lines[1]).toMatch(/^\+ {3}create {2}data +volume\/default +new$/)
    expect(lines[2]).toMatch(/^-\/\+ replace db +postgres\/default +version 15 → 16$/)
    expect(lines[3]).toMatch(/^= {3}no-op/)
    expect(lines).toContain("  ! tags db: add a cost-centre tag")
  })

  it("describes apply events and parses :provision and :up", () => {
    expect(ProvisionLines.eventLine({ _tag: "StepCompleted", resource: "data", action: "create" })).toBe("+   data: create done")
    expect(ProvisionLines.provisionView("dev")).toEqual(App.view("provision", "dev score.yaml"))
    expect(ProvisionLines.provisionView("")).toMatch(/which environment/)
    expect(ProvisionLines.provisionView("Bad_Name")).toMatch(/not an environment name/)
    expect(ProvisionLines.upMutation("pr-1")).toMatch(/write :up NAME SERVICE/)
    expect(ProvisionLines.upMutation("pr-1 api web")).toEqual({ kind: "env-up", subject: "pr-1 api web", describe: "bring up environment pr-1 with api, web" })
  })

  const ctx: App.Context = {
    count: 0,
    height: 10,
    openAt: () => undefined,
    commands: commands(),
    facetValues: () => [],
    shortcuts: {},
    mutations: { a: ProvisionLines.applyMutation("dev score.yaml") }
  }
  const keys = (state: App.AppState, text: string) => [...text].reduce((s, k) => App.onKey(s, k === "\r" ? App.named("enter") : App.char(k), ctx), state)

  it("asks before a change, cancels on any other key, and refuses in read-only mode", () => {
    const asked = keys(App.initial(), "a")
    expect(asked.overlay).toEqual({ _tag: "Confirm", mutation: ctx.mutations!.a })
    expect(confirmPrompt(ctx.mutations!.a!)).toMatch(/^apply the plan for dev \(score\.yaml\)\?/)
    const cancelled = keys(asked, "x")
    expect(cancelled.overlay._tag).toBe("None")
    expect(cancelled.pending).toBeUndefined()
    expect(cancelled.message).toBe("cancelled: apply the plan for dev (score.yaml)")
    expect(keys(asked, "y").pending).toEqual(ctx.mutations!.a)
    const up = keys(App.initial(), ":up pr-1 api\r")
    expect(up.overlay).toEqual({ _tag: "Confirm", mutation: { kind: "env-up", subject: "pr-1 api", describe: "bring up environment pr-1 with api" } })
    const refused = keys(App.initial({ readonly: true }), ":up pr-1 api\r")
    expect(refused.overlay._tag).toBe("None")
    expect(refused.message).toBe("read-only mode: bring up environment pr-1 with api is disabled (started with --readonly)")
    expect(keys(App.initial({ readonly: true }), "a").message).toMatch(/^read-only mode: apply the plan/)
  })
})

describe("provisioning in the TUI", () => {
  const open = (readonly: boolean) =>
    render(
      <RuntimeContext.Provider value={runtime}>
        <PavedApp readonly={readonly} />
      </RuntimeContext.Provider>
    )

  it("refuses to apply in read-only mode", async () => {
    const app = open(true)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("catalog"), "the catalog")
      await type(app.stdin, `:provision ro ${score}\r`)
      const diff = await waitFor(frame, (f) => f.includes("plan for ro"), "the plan")
      expect(diff).not.toContain("a apply")
      app.stdin.write("a")
      await waitFor(frame, (f) => f.includes("read-only mode: apply the plan for ro"), "the refusal")
    } finally {
      app.unmount()
    }
  })

  it("shows the plan as a diff, applies only after y, with progress, then plans no changes", async () => {
    const app = open(false)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("catalog"), "the catalog")
      await type(app.stdin, `:provision dev ${score}\r`)
      const diff = await waitFor(frame, (f) => f.includes("plan for dev") && f.includes("a apply"), "the plan")
      expect(diff).toContain("plan for dev (development): 2 to create")
      expect(diff).toMatch(/\+ {3}create {2}worker\.data +volume\//)
      expect(diff).toMatch(/\+ {3}create {2}worker\.settings +environment\//)
      for (const line of diff.split("\n")) expect(line.length).toBeLessThanOrEqual(100)
      app.stdin.write("a")
      await waitFor(frame, (f) => f.includes("? This creates, changes or delet"), "the confirmation")
      app.stdin.write("x")
      await waitFor(frame, (f) => f.includes("cancelled: apply the plan for dev"), "the cancellation")
      app.stdin.write("a")
      await waitFor(frame, (f) => f.includes("any other key cancels"), "the confirmation again")
      app.stdin.write("y")
      const done = await waitFor(frame, (f) => f.includes(": done"), "the apply to finish")
      expect(done).toContain("planned 2 change(s) for dev")
      expect(done).toMatch(/\+ {3}worker\.data: create done/)
      expect(done).toContain("applied 2 change(s) to dev; 2 resource(s) ready")
      app.stdin.write("\u001b")
      const again = await waitFor(frame, (f) => f.includes("2 to keep"), "the plan after the apply")
      expect(again).toMatch(/= {3}no-op {3}worker\.data/)
    } finally {
      app.unmount()
    }
  })

  it("opens the plan of a component's score.yaml from its entity detail with p", async () => {
    const app = open(false)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("ticker"), "the catalog")
      await type(app.stdin, ":entity component:default/ticker\r")
      await waitFor(frame, (f) => f.includes("p provision"), "the entity with its provision hint")
      app.stdin.write("p")
      const diff = await waitFor(frame, (f) => f.includes("plan for dev"), "the plan")
      expect(diff).toMatch(/\+ {3}create {2}ticker\.data +volume\//)
    } finally {
      app.unmount()
    }
  })

  it("opens the plan of the workload a paved.dev/workload annotation names, as env up finds it", async () => {
    const app = open(false)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("ledger"), "the catalog")
      await type(app.stdin, ":entity component:default/ledger\r")
      await waitFor(frame, (f) => f.includes("p provision"), "the entity with its provision hint")
      app.stdin.write("p")
      const diff = await waitFor(frame, (f) => f.includes("plan for dev"), "the plan")
      expect(diff).toMatch(/\+ {3}create {2}ledger\.journal +volume\//)
    } finally {
      app.unmount()
    }
  })

  it("brings an environment up with live progress after y, and down again", async () => {
    const app = open(false)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("ticker"), "the catalog")
      await type(app.stdin, ":up pr-9 ticker\r")
      await waitFor(frame, (f) => f.includes("bring up environment pr-9 with ticker? This provisions"), "the confirmation")
      app.stdin.write("y")
      const done = await waitFor(frame, (f) => f.includes("with ticker: done") || f.includes(": failed"), "the job to finish")
      expect(done).toContain("with ticker: done")
      expect(done).toMatch(/\[provision\] .*data/)
      expect(done).toMatch(/\[start\] .*ticker/)
      expect(done).toContain("up pr-9: 1/1 services ready, 1 resources")
      await type(app.stdin, ":env pr-9\r")
      await waitFor(frame, (f) => f.includes("pr-9: preview, ready") && f.includes("d down"), "the environment")
      app.stdin.write("d")
      await waitFor(frame, (f) => f.includes("remove environment pr-9?"), "the down confirmation")
      app.stdin.write("y")
      await waitFor(frame, (f) => f.includes("remove environment pr-9: done"), "the environment removed")
    } finally {
      app.unmount()
    }
  })

  it("refuses env up in read-only mode and asks first otherwise", async () => {
    const ro = open(true)
    try {
      await waitFor(() => strip(ro.lastFrame()), (f) => f.includes("catalog"), "the catalog")
      await type(ro.stdin, ":up pr-9 api\r")
      await waitFor(() => strip(ro.lastFrame()), (f) => f.includes("read-only mode: bring up environment pr-9 with api is disabled"), "the refusal")
    } finally {
      ro.unmount()
    }
    const app = open(false)
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("catalog"), "the catalog")
      await type(app.stdin, ":up pr-9 nothing-here\r")
      await waitFor(frame, (f) => f.includes("bring up environment pr-9 with nothing-here? This provisions"), "the confirmation")
      app.stdin.write("y")
      const failed = await waitFor(frame, (f) => f.includes(": failed"), "the job to fail")
      expect(failed).toMatch(/failed: .*nothing-here/)
      // No PostgreSQL server configured: no refusal any more, the environment gets an embedded
      // server of its own; billing has no server.mjs, so it fails at start and everything unwinds.
      const configured = process.env.PAVED_POSTGRES_URL
      delete process.env.PAVED_POSTGRES_URL
      try {
        await type(app.stdin, ":up pr-10 billing\r")
        await waitFor(frame, (f) => f.includes("bring up environment pr-10 with billing?"), "the confirmation")
        app.stdin.write("y")
        const failedStart = await waitFor(frame, (f) => f.includes("with billing: failed"), "the job to fail", 60_000)
        expect(failedStart).not.toContain("needs PostgreSQL and none is configured")
        expect(failedStart).toMatch(/billing/)
      } finally {
        if (configured !== undefined) process.env.PAVED_POSTGRES_URL = configured
      }
    } finally {
      app.unmount()
    }
  }, 120_000)
})
