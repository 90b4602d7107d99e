/**
 * `paved ui` end to end: the BUILT binary in a real pseudo-terminal (node-pty, 80x24), with
 * @xterm/headless reading the screen as a person would see it. Keys are typed one at a time,
 * each time waiting for the screen to change.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as EnvStore from "@paved/envs/EnvStore"
import * as SpanStore from "@paved/observe/SpanStore"
import xterm from "@xterm/headless"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as pty from "node-pty"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { pavedBin, runPaved } from "../../../testing/cli.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const fixtures = [path.join(repoRoot, "examples/demo-org/catalog-info.yaml")]

/** A program running in a pseudo-terminal, and the screen an xterm shows for it. */
interface Screen {
  readonly text: () => string
  readonly lines: () => ReadonlyArray<string>
  readonly wrappedLines: () => number
  readonly type: (keys: string) => void
  readonly waitFor: (predicate: (screen: string) => boolean, what: string, timeoutMs?: number) => Promise<string>
  readonly exited: Promise<number>
  readonly kill: () => void
}

const openScreen = (args: ReadonlyArray<string>, cwd: string, cols = 80, rows = 24): Screen => {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true })
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "CI" && k !== "CONTINUOUS_INTEGRATION" && k !== "NO_COLOR") env[k] = v
  const child = pty.spawn(process.execPath, [pavedBin, ...args], {
    name: "xterm-256color",
    cols,
    rows,
    cwd,
    env: { ...env, TERM: "xterm-256color" }
  })
  child.onData((d) => term.write(d))
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)))
  const lines = () => {
    const buffer = term.buffer.active
    const out: Array<string> = []
    for (let i = 0; i < rows; i++) out.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? "")
    return out
  }
  const text = () => lines().join("\n")
  return {
    text,
    lines,
    wrappedLines: () => {
      const buffer = term.buffer.active
      let n = 0
      for (let i = 0; i < rows; i++) if (buffer.getLine(buffer.viewportY + i)?.isWrapped === true) n++
      return n
    },
    type: (keys) => child.write(keys),
    waitFor: async (predicate, what, timeoutMs = 15_000) => {
      const until = Date.now() + timeoutMs
      for (;;) {
        // Let xterm finish parsing what has arrived before reading.
        await new Promise<void>((r) => term.write("", () => r()))
        const screen = text()
        if (predicate(screen)) return screen
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`)
        await new Promise((r) => setTimeout(r, 25))
      }
    },
    exited,
    kill: () => {
      try {
        child.kill()
      } catch {
        // already gone
      }
      term.dispose()
    }
  }
}

/** Types `keys` one at a time, waiting after each for the screen to change. */
const typeSlowly = async (screen: Screen, keys: string) => {
  for (const k of keys) {
    const before = screen.text()
    screen.type(k)
    await screen.waitFor((s) => s !== before, `the screen to change after typing "${k}"`)
  }
}

let tmp: string

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paved-ui-"))
})

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe("paved ui", () => {
  it("refuses to run without a terminal (exit 2, says what to use)", async () => {
    const run = await runPaved(["ui", ...fixtures], { cwd: tmp })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/needs an interactive terminal/)
    expect(run.stderr).toMatch(/--format json/)
  })

  it("filters the catalog, opens an entity, goes back and quits (80x24 pseudo-terminal)", async () => {
    const screen = openScreen(["ui", ...fixtures], tmp)
    try {
      const first = await screen.waitFor((s) => s.includes("admin-console") && / (\d+) of \1/.test(s), "the catalog list")
      expect(first).toMatch(/KIND\s+NAME\s+OWNER/)
      expect(first).toContain("/ filter")
      expect(screen.lines()[23]).toContain("q quit")
      await typeSlowly(screen, "/invoice")
      const filtered = await screen.waitFor((s) => s.includes("/invoice") && !s.includes("admin-console"), "the filtered list")
      expect(filtered).toContain("invoice-renderer")
      const matches = Number(/ (\d+) of \d+/.exec(filtered)![1])
      expect(matches).toBeGreaterThan(0)
      expect(matches).toBeLessThan(10)
      await typeSlowly(screen, "\r")
      await screen.waitFor((s) => s.includes("filter: invoice"), "the committed filter")
      await typeSlowly(screen, "\r")
      const detail = await screen.waitFor((s) => s.includes("relations (") && s.includes("ownedBy"), "the entity detail")
      expect(detail).toMatch(/paved › catalog › entity \S*invoice/)
      expect(screen.wrappedLines()).toBe(0)
      await typeSlowly(screen, "\u001b")
      await screen.waitFor((s) => s.includes("filter: invoice") && s.includes("KIND"), "back to the filtered list")
      screen.type("q")
      expect(await screen.exited).toBe(0)
    } finally {
      screen.kill()
    }
  })

  it("opens over a SQLite store with --db, in read-only mode", async () => {
    const db = path.join(tmp, "catalog.db")
    await Effect.runPromise(Effect.gen(function*() {
      const loaded = yield* Catalog.load(fixtures)
      const store = yield* CatalogStore.CatalogStore
      yield* store.ingest(loaded)
    }).pipe(Effect.provide(CatalogStore.layerSqlite({ filename: db }))))
    const screen = openScreen(["ui", "--db", db, "--readonly"], tmp)
    try {
      const first = await screen.waitFor((s) => s.includes("admin-console"), "the catalog list from the store")
      expect(first).toContain("[read-only]")
      await typeSlowly(screen, ":own")
      await screen.waitFor((s) => s.includes(":owners"), "the command suggestions")
      await typeSlowly(screen, "ers\r")
      await screen.waitFor((s) => s.includes("owners ("), "the owners view")
      expect(screen.wrappedLines()).toBe(0)
      screen.type("\u0003")
      expect(await screen.exited).toBe(0)
    } finally {
      screen.kill()
    }
  })

  it("shows spans and environments kept in stores of their own (--telemetry-db, --envs-db, as paved demo --keep prints)", async () => {
    const dir = path.join(tmp, "demo")
    fs.mkdirSync(dir)
    const files = { catalog: path.join(dir, "catalog.db"), telemetry: path.join(dir, "telemetry.db"), envs: path.join(dir, "envs.db") }
    await Effect.runPromise(Effect.gen(function*() {
      yield* (yield* CatalogStore.CatalogStore).ingest(yield* Catalog.load(fixtures))
      const start = Date.now() * 1000 - 30_000_000
      const span = { namespace: "default", kind: 2, status: 0, statusMessage: "", peer: "", attributes: {}, resource: {}, events: [] }
      yield* (yield* SpanStore.SpanStore).insertSpans([
        { ...span, traceId: "beef0001", spanId: "s1", parentSpanId: "", service: "storefront", entityRef: "component:default/storefront", name: "GET /kept", startUs: start, durationUs: 61_700 }
      ])
      yield* (yield* EnvStore.EnvStore).claim({
        instance: "demo-instance",
        record: {
          name: "demo",
          type: "preview",
          status: "ready",
          createdAt: Date.now(),
          directory: dir,
          overlays: {},
          changed: [],
          provisioner: {},
          telemetry: { mode: "off" },
          services: [],
          resources: []
        }
      })
    }).pipe(Effect.provide(Layer.mergeAll(
      CatalogStore.layerSqlite({ filename: files.catalog }),
      SpanStore.layerSqlite({ filename: files.telemetry }),
      EnvStore.layerSqlite({ filename: files.envs })
    ))))
    const screen = openScreen(["ui", "--db", files.catalog, "--telemetry-db", files.telemetry, "--envs-db", files.envs, "--readonly"], tmp)
    try {
      await screen.waitFor((s) => s.includes("admin-console"), "the catalog list from the store")
      await typeSlowly(screen, ":envs\r")
      const envs = await screen.waitFor((s) => s.includes("environments (1)"), "the environment from envs.db")
      expect(envs).toMatch(/demo\s+preview/)
      await typeSlowly(screen, ":traces\r")
      const traces = await screen.waitFor((s) => s.includes("recent traces (1)"), "the span from telemetry.db")
      expect(traces).toContain("storefront: GET /kept")
      screen.type("\u0003")
      expect(await screen.exited).toBe(0)
    } finally {
      screen.kill()
    }
  })

  it("refuses a --telemetry-db that does not exist (exit 2) instead of creating it", async () => {
    const missing = path.join(tmp, "nowhere", "telemetry.db")
    const screen = openScreen(["ui", "--db", path.join(tmp, "catalog.db"), "--telemetry-db", missing], tmp)
    try {
      await screen.waitFor((s) => s.includes("no store at"), "the usage error")
      expect(await screen.exited).toBe(2)
      expect(fs.existsSync(path.dirname(missing))).toBe(false)
    } finally {
      screen.kill()
    }
  })
})
