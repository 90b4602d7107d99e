import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { render as inkRender } from "ink"
import { render } from "ink-testing-library"
import { EventEmitter } from "node:events"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { PavedApp } from "../src/components/App.js"
import { RuntimeContext, type TuiRuntime } from "../src/internal/useStream.js"
import { displayWidth } from "../src/state/text.js"
import { strip, type, waitFor } from "./screen.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const demoOrg = path.join(repoRoot, "examples/demo-org/catalog-info.yaml")

let runtime: TuiRuntime

beforeAll(async () => {
  const rt = ManagedRuntime.make(CatalogStore.layerMemory)
  await rt.runPromise(Effect.gen(function*() {
    const loaded = yield* Catalog.load([demoOrg])
    const store = yield* CatalogStore.CatalogStore
    yield* store.ingest(loaded)
  }))
  runtime = rt as unknown as TuiRuntime
})

afterAll(async () => {
  await runtime.dispose()
})

const tree = (props: { readonly?: boolean } = {}) => (
  <RuntimeContext.Provider value={runtime}>
    <PavedApp readonly={props.readonly ?? false} />
  </RuntimeContext.Provider>
)

describe("PavedApp", () => {
  it("lists the catalog, filters as you type, opens an entity and goes back", async () => {
    const app = render(tree())
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console") && !f.includes("loading"), "the catalog list")
      expect(frame()).toMatch(/KIND\s+NAME\s+OWNER/)
      expect(frame()).toContain("/ filter")
      await type(app.stdin, "/")
      await type(app.stdin, "invoice")
      const filtered = await waitFor(frame, (f) => f.includes("/invoice") && !f.includes("admin-console"), "the filtered list")
      expect(filtered).toContain("invoice-renderer")
      expect(filtered).toMatch(/\d+ of \d+/)
      app.stdin.write("\r")
      await waitFor(frame, (f) => f.includes("filter: invoice"), "the committed filter")
      app.stdin.write("\r")
      const detail = await waitFor(frame, (f) => f.includes("relations (") && f.includes("problems ("), "the entity detail")
      expect(detail).toMatch(/paved › catalog › entity \S*invoice/)
      expect(detail).toContain("ownedBy")
      app.stdin.write("n")
      await waitFor(frame, (f) => f.includes("outgoing (") && f.includes("incoming ("), "the graph neighbours")
      app.stdin.write("\u001b")
      await waitFor(frame, (f) => f.includes("relations ("), "back to the detail")
      app.stdin.write("\u001b")
      await waitFor(frame, (f) => f.includes("filter: invoice") && f.includes("KIND"), "back to the list")
    } finally {
      app.unmount()
    }
  })

  it("shows help, the command bar with suggestions, and the owners", async () => {
    const app = render(tree({ readonly: true }))
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console"), "the catalog list")
      expect(frame()).toContain("[read-only]")
      app.stdin.write("?")
      await waitFor(frame, (f) => f.includes("filter as you type"), "the help")
      app.stdin.write("\u001b")
      await waitFor(frame, (f) => f.includes("KIND"), "the list again")
      await type(app.stdin, ":ow")
      const bar = await waitFor(frame, (f) => f.includes(":owners") && f.includes(":owner TEAM"), "suggestions")
      expect(bar).not.toContain(":catalog")
      await type(app.stdin, "ners\r")
      const owners = await waitFor(frame, (f) => f.includes("owners ("), "the owners view")
      expect(owners).toContain("commerce")
      await type(app.stdin, ":owner commerce\r")
      await waitFor(frame, (f) => f.includes("commerce owns") && /(bronze|silver|gold|no level) \d+\/\d+/.test(f), "what commerce owns, with levels")
      await type(app.stdin, ":scorecards\r")
      const cards = await waitFor(frame, (f) => f.includes("by team (none / bronze / silver / gold"), "the scorecards view")
      expect(cards).toMatch(/scorecard production-readiness: \d+ entities scored/)
    } finally {
      app.unmount()
    }
  })

  it("shows an entity's scorecard level and failing rules in its detail", async () => {
    const app = render(tree())
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console") && !f.includes("loading"), "the catalog list")
      await type(app.stdin, ":entity component:default/admin-console\r")
      await waitFor(frame, (f) => f.includes("relations ("), "the entity detail")
      // The detail is longer than the screen: page down to the scorecard section.
      for (let i = 0; i < 6; i++) app.stdin.write("\u001b[6~")
      await waitFor(frame, (f) => /scorecard production-readiness: (bronze|silver|gold|no level)/.test(f), "the scorecard section")
    } finally {
      app.unmount()
    }
  })

  it("applies a facet from the picker", async () => {
    const app = render(tree())
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console") && !f.includes("loading"), "the catalog list")
      app.stdin.write("f")
      await waitFor(frame, (f) => f.includes("[kind]"), "the facet picker")
      app.stdin.write("\r")
      const filtered = await waitFor(frame, (f) => f.includes("filter: kind:"), "a kind filter")
      const kind = /filter: kind:(\S+)/.exec(filtered)![1]!
      const rows = filtered.split("\n").slice(3, -2).filter((l) => l.trim().length > 0)
      for (const r of rows) expect(r.toLowerCase().startsWith(kind)).toBe(true)
    } finally {
      app.unmount()
    }
  })

  it("never draws a line wider than the terminal", async () => {
    for (const [columns, rows] of [[80, 24], [40, 12], [132, 40]] as const) {
      const stdout = Object.assign(new EventEmitter(), {
        columns,
        rows,
        isTTY: false,
        frames: [] as Array<string>,
        write(s: string) {
          this.frames.push(s)
          return true
        }
      })
      const stdin = Object.assign(new EventEmitter(), {
        isTTY: true,
        setRawMode() {},
        setEncoding() {},
        resume() {},
        pause() {},
        ref() {},
        unref() {},
        read: () => null
      })
      const ink = inkRender(tree(), { stdout: stdout as any, stdin: stdin as any, patchConsole: false, debug: true })
      const last = () => strip(stdout.frames.at(-1))
      try {
        await waitFor(last, (f) => / (\d+) of \1/.test(f) && !f.includes(" 0 of 0") && !f.includes("loading"), `the list at ${columns}x${rows}`)
        const lines = last().split("\n")
        expect(lines.length).toBeLessThanOrEqual(rows)
        for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(columns)
        if (columns === 40) expect(last()).toContain("…")
      } finally {
        ink.unmount()
      }
    }
  })
})

describe("live catalog", () => {
  it("shows entities ingested while it is open", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-tui-live-"))
    const rt = ManagedRuntime.make(CatalogStore.layerMemory)
    const inputs = [demoOrg]
    const ingest = (paths: ReadonlyArray<string>) =>
      rt.runPromise(Effect.gen(function*() {
        const loaded = yield* Catalog.load(paths)
        yield* (yield* CatalogStore.CatalogStore).ingest(loaded)
      }))
    await ingest(inputs)
    const app = render(
      <RuntimeContext.Provider value={rt as unknown as TuiRuntime}>
        <PavedApp />
      </RuntimeContext.Provider>
    )
    const frame = () => strip(app.lastFrame())
    try {
      await waitFor(frame, (f) => f.includes("admin-console") && !f.includes("loading"), "the catalog list")
      await type(app.stdin, "/zz-live\r")
      await waitFor(frame, (f) => f.includes("nothing matches the filter"), "an empty result")
      const extra = path.join(dir, "catalog-info.yaml")
      fs.writeFileSync(extra, [
        "apiVersion: backstage.io/v1alpha1",
        "kind: Component",
        "metadata:",
        "  name: zz-live-service",
        "spec:",
        "  type: service",
        "  owner: commerce",
        "  lifecycle: production",
        ""
      ].join("\n"))
      await ingest([...inputs, extra])
      const after = await waitFor(frame, (f) => f.includes("zz-live-service"), "the new entity", 15_000)
      expect(after).toMatch(/1 of \d+/)
    } finally {
      app.unmount()
      await rt.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
