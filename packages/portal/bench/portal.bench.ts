/**
 * `npm run bench -w @paved/portal`: builds the static site for synthetic organisations of 1k and
 * 10k entities (`PAVED_BENCH_SIZES=1000,10000`) from a SQLite catalog store, and prints one JSON
 * line per size: build wall and CPU time (collect + render + write), pages, and the catalog
 * page's weight gzip-compressed (HTML + search index + script + style), against the budgets
 * (15 s, 1 MB) and against the peer a client-rendered portal ships instead of the compact
 * index: every entity's JSON.
 */
import { Catalog, CatalogStore } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as zlib from "node:zlib"

process.env.NODE_ENV ??= "production"
const { Portal } = await import("@paved/portal")
const { TemplateRegistry } = await import("@paved/golden")

const sizes = (process.env.PAVED_BENCH_SIZES ?? "1000,10000").split(",").map(Number)
const tags = ["java", "go", "typescript", "python", "kafka", "grpc", "rest", "payments", "search", "ml"]
const lifecycles = ["production", "experimental", "deprecated"]

/** A synthetic organisation: teams, systems, components that depend on each other, APIs with definitions. */
const organisation = (n: number, dir: string) => {
  const teams = Math.max(5, Math.round(n / 40))
  const systems = Math.max(5, Math.round(n / 20))
  const docs: Array<string> = []
  for (let t = 0; t < teams; t++) docs.push(`apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team-${t}, description: Team number ${t} }\nspec: { type: team, children: [] }`)
  for (let s = 0; s < systems; s++) docs.push(`apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: { name: sys-${s} }\nspec: { owner: team-${s % teams} }`)
  const rest = n - teams - systems
  for (let i = 0; i < rest; i++) {
    const team = `team-${i % teams}`
    const system = `sys-${i % systems}`
    if (i % 5 === 4) {
      docs.push(`apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: { name: api-${i}, description: "The HTTP API of service ${i - 1}", tags: [${tags[i % 10]}] }\nspec:\n  type: openapi\n  lifecycle: ${lifecycles[i % 3]}\n  owner: ${team}\n  system: ${system}\n  definition: |\n    openapi: 3.0.3\n    info: { title: API ${i}, version: 1.0.0 }\n    paths:\n      /items/{id}:\n        get:\n          summary: Read an item\n          parameters: [{ name: id, in: path, required: true, schema: { type: string } }]\n          responses: { "200": { description: The item } }`)
    } else {
      const deps = [i - 1, i - 7, i - 31].filter((d) => d >= 0 && d % 5 !== 4).map((d) => `component:svc-${d}`)
      docs.push(`apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\n  description: "Synthetic service ${i} of ${team}, part of ${system}"\n  tags: [${tags[i % 10]}, ${tags[(i * 7) % 10]}]\n  links: [{ url: "https://runbooks.example.com/svc-${i}", title: Runbook }]\nspec:\n  type: service\n  lifecycle: ${lifecycles[i % 3]}\n  owner: ${team}\n  system: ${system}\n  dependsOn: [${deps.join(", ")}]${i % 5 === 3 ? `\n  providesApis: [api-${i + 1}]` : ""}`)
    }
  }
  const perFile = 200
  for (let f = 0; f * perFile < docs.length; f++) {
    fs.mkdirSync(path.join(dir, `f${f}`), { recursive: true })
    fs.writeFileSync(path.join(dir, `f${f}`, "catalog-info.yaml"), docs.slice(f * perFile, (f + 1) * perFile).join("\n---\n") + "\n")
  }
}

const gz = (text: string | Buffer) => zlib.gzipSync(text, { level: 6 }).length

for (const n of sizes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-portal-bench-"))
  try {
    const src = path.join(dir, "catalog")
    organisation(n, src)
    const db = path.join(dir, "paved.db")
    const out = path.join(dir, "site")
    const layer = CatalogStore.layerSqlite({ filename: db })
    await Effect.runPromise(Effect.gen(function*() {
      const loaded = yield* Catalog.load([src])
      const store = yield* CatalogStore.CatalogStore
      yield* store.ingest(loaded)
    }).pipe(Effect.provide(layer)))

    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const report = await Effect.runPromise(Portal.build({ out }).pipe(Effect.provide(layer), Effect.provide(TemplateRegistry.layerBuiltin)))
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)

    const read = (p: string) => fs.readFileSync(path.join(out, p))
    const parts = ["index.html", "assets/search-index.js", "assets/search.js", "assets/portal.css"].map((p) => ({ p, raw: read(p).length, gzip: gz(read(p)) }))
    const catalogGzip = parts.reduce((s, x) => s + x.gzip, 0)
    // The peer: the entity JSON a client-rendered catalog page fetches for the same list.
    const entities = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* CatalogStore.CatalogStore
      const page = yield* store.query({ limit: n + 10 })
      return page.items.map((i) => i.entity)
    }).pipe(Effect.provide(layer)))
    const peerGzip = gz(JSON.stringify(entities))
    console.log(JSON.stringify({
      bench: "portal.build",
      entities: report.entities,
      pages: report.pages,
      wallMs: Math.round(wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      withinBuildBudget: wallMs < 15_000,
      siteBytes: report.bytes,
      catalogPage: Object.fromEntries(parts.map((x) => [x.p, { raw: x.raw, gzip: x.gzip }])),
      catalogPageGzip: catalogGzip,
      withinWeightBudget: catalogGzip < 1_000_000,
      peerEntityJsonGzip: peerGzip,
      ratioToPeer: Number((catalogGzip / peerGzip).toFixed(2)),
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2)))
    }))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
