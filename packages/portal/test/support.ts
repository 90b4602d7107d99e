/**
 * Test support for the portal suites: the Chromium gate (skip with a reason locally, fail
 * under PAVED_REQUIRE_SERVERS=1, like testing/servers.ts), a browser launched the way CI can
 * run it, a static file server over a built site, and the demo organisation in a SQLite store
 * with traces that show its undeclared dependency.
 */
import { Catalog, CatalogStore, CatalogView } from "@paved/catalog"
import { type Span, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser } from "playwright-core"
import { chromium } from "playwright-core"

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM = "/usr/bin/chromium"

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

/** The demo organisation. */
export const demoOrg = path.join(repoRoot, "examples", "demo-org")

/** The organisation before its reorg (where `search` still existed). */
export const beforeReorg = path.join(demoOrg, "history", "before-reorg", "org.yaml")

/** Where the screenshots go (gitignored). */
export const artifacts = path.join(repoRoot, "packages", "portal", "test", "artifacts")

let checked: boolean | undefined

/**
 * Whether Chromium is installed. Throws when it is not and PAVED_REQUIRE_SERVERS=1 (CI);
 * otherwise prints why the browser suite is skipped.
 */
export const chromiumAvailable = (): boolean => {
  if (checked !== undefined) return checked
  let ok = false
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK)
    ok = true
  } catch {
    ok = false
  }
  checked = ok
  if (!ok) {
    const why = `chromium is not installed at ${CHROMIUM}; install it with: apt-get install -y chromium`
    if (process.env.PAVED_REQUIRE_SERVERS === "1") throw new Error(`PAVED_REQUIRE_SERVERS=1 but ${why}`)
    console.warn(`[paved tests] skipping the browser suite: ${why}`)
  }
  return ok
}

/** Launches Chromium headless, as root in a container can run it. */
export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
  })

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript" }

/** A plain static file server over `dir` on 127.0.0.1 (no CSP, no headers that would mask an escaping bug). */
export const serveDirectory = (dir: string): Promise<{ readonly url: string; readonly close: () => Promise<void> }> =>
  new Promise((resolve) => {
    const root = path.resolve(dir)
    const server = http.createServer((req, res) => {
      let p = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)
      if (p.endsWith("/")) p += "index.html"
      const file = path.join(root, p)
      if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end("not found")
        return
      }
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" })
      fs.createReadStream(file).pipe(res)
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())))
      })
    })
  })

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("")

/**
 * One trace in which the storefront calls catalog-api over HTTP: a server span in the
 * storefront, its client span, and catalog-api's server span under it. The catalog does not
 * declare that dependency, so drift reports it.
 */
export const storefrontCallsCatalogApi = (at: number): ReadonlyArray<Span.SpanRecord> => {
  const traceId = hex(32)
  const root = hex(16)
  const client = hex(16)
  const span = (p: Partial<Span.SpanRecord> & Pick<Span.SpanRecord, "spanId" | "service" | "name" | "kind">): Span.SpanRecord => ({
    traceId,
    parentSpanId: "",
    namespace: "default",
    entityRef: `component:default/${p.service}`,
    startUs: at * 1000,
    durationUs: 12_000,
    status: 0,
    statusMessage: "",
    peer: "",
    attributes: {},
    resource: {},
    events: [],
    ...p
  })
  return [
    span({ spanId: root, service: "storefront", name: "GET /books", kind: 2 }),
    span({ spanId: client, parentSpanId: root, service: "storefront", name: "GET", kind: 3, peer: "catalog-api", durationUs: 8000 }),
    span({ spanId: hex(16), parentSpanId: client, service: "catalog-api", name: "GET /books", kind: 2, durationUs: 6000 })
  ]
}

/**
 * The demo organisation ingested into a SQLite store at `file`, with a few traces in the same
 * database. Returns the previous snapshot for ownership health.
 */
export const seedDemoStore = (file: string) =>
  Effect.gen(function*() {
    const store = yield* CatalogStore.CatalogStore
    // The root Location file, which reaches every file of the organisation (and not history/).
    const loaded = yield* Catalog.load([path.join(demoOrg, "catalog-info.yaml")])
    yield* store.ingest(loaded, { orphans: "delete", roots: [demoOrg] })
    const spans = yield* SpanStore.SpanStore
    const now = Date.now()
    for (let i = 0; i < 5; i++) yield* spans.insertSpans(storefrontCallsCatalogApi(now - 60_000 + i * 1000))
    const previous = yield* Catalog.load([beforeReorg])
    return CatalogView.fromEntities(previous.entities.map((e) => e.entity))
  }).pipe(
    Effect.provide(CatalogStore.layerSqlite({ filename: file })),
    Effect.provide(SpanStore.layerSqlite({ filename: file }))
  )
