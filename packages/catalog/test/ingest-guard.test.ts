/**
 * A wrong path must never wipe a catalog (issue 18): `ingest "src/*.yaml"` then `ingest src`
 * keeps every entity, and an ingest that would orphan or delete more than `maxOrphans` of what
 * it reconciles fails with `IngestRefused` and changes nothing, on every backend. Real files,
 * read with `Catalog.load`, as the command line reads them.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogStore, Ingest } from "@paved/catalog"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { serverAvailable } from "../../../testing/servers.js"
import { pgTempLayer, sqliteTempLayer } from "./fixtures/store/layers.js"

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "paved-ingest-guard-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const component = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`

let counter = 0
/** A repository with `src/<name>.yaml` per entity (none named catalog-info.yaml). */
const repo = (names: ReadonlyArray<string>): string => {
  const dir = path.join(scratch, `repo-${++counter}`)
  fs.mkdirSync(path.join(dir, "src"), { recursive: true })
  for (const n of names) fs.writeFileSync(path.join(dir, "src", `${n}.yaml`), component(n))
  return dir
}

/** Everything a user could observe of the store. */
const snapshot = Effect.gen(function*() {
  const store = yield* CatalogStore.CatalogStore
  const page = yield* store.query({})
  return {
    entities: page.items.map((i) => [i.ref, i.orphan, i.location, i.lastChanged]),
    history: (yield* store.history({})).length,
    locations: (yield* store.locations).map((l) => [l.location, l.entityCount])
  }
})

const guardSuite = (makeLayer: () => Layer.Layer<CatalogStore.CatalogStore, unknown>) => {
  const test = (name: string, body: Effect.Effect<void, unknown, CatalogStore.CatalogStore>) =>
    it.live(name, () => Effect.provide(body, makeLayer()), 60_000)

  test("ingest \"src/*.yaml\" then ingest src keeps every entity", Effect.gen(function*() {
    const dir = repo(["cart", "shop", "search"])
    const first = yield* CatalogStore.ingest(yield* Catalog.load([`${dir}/src/*.yaml`]), { maxOrphans: 0.5 })
    expect(first.created).toHaveLength(3)
    const before = yield* snapshot
    for (const orphans of ["keep", "delete"] as const) {
      const again = yield* CatalogStore.ingest(yield* Catalog.load([path.join(dir, "src")]), { orphans, roots: [path.join(dir, "src")], maxOrphans: 0.5 })
      expect(again).toMatchObject({ created: [], updated: [], orphaned: [], deleted: [], unchanged: 3 })
    }
    expect(yield* snapshot).toEqual(before)
  }))

  for (const orphans of ["keep", "delete"] as const) {
    test(`an ingest that would ${orphans === "keep" ? "orphan" : "delete"} most of the catalog is refused and changes nothing`, Effect.gen(function*() {
      const dir = repo(["a", "b", "c", "d"])
      const src = path.join(dir, "src")
      yield* CatalogStore.ingest(yield* Catalog.load([src]), { roots: [src] })
      const before = yield* snapshot
      for (const n of ["a", "b", "c"]) fs.rmSync(path.join(src, `${n}.yaml`))
      const refused = yield* Effect.flip(CatalogStore.ingest(yield* Catalog.load([src]), { orphans, roots: [src], maxOrphans: 0.5 }))
      expect(refused).toBeInstanceOf(Ingest.IngestRefused)
      expect(refused).toMatchObject({ orphaned: 3, total: 4, maxOrphans: 0.5, strategy: orphans })
      expect(refused.message).toContain("Nothing was changed")
      expect(refused.message).toContain("component:default/a")
      expect(yield* snapshot).toEqual(before)
      // Confirmed on purpose, the same ingest goes through.
      const done = yield* CatalogStore.ingest(yield* Catalog.load([src]), { orphans, roots: [src], maxOrphans: 1 })
      expect(orphans === "keep" ? done.orphaned : done.deleted).toHaveLength(3)
    }))
  }

  test("a directory that no longer holds catalog files orphans nothing unless confirmed", Effect.gen(function*() {
    const dir = repo(["x", "y"])
    const src = path.join(dir, "src")
    yield* CatalogStore.ingest(yield* Catalog.load([src]), { roots: [src] })
    const before = yield* snapshot
    for (const n of ["x", "y"]) fs.writeFileSync(path.join(src, `${n}.yaml`), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: n\n")
    const loaded = yield* Catalog.load([src])
    expect(loaded.problems.map((p) => p.rule)).toEqual(["input/no-match"])
    const refused = yield* Effect.flip(CatalogStore.ingest(loaded, { orphans: "delete", roots: [src], maxOrphans: 0.5 }))
    expect(refused).toMatchObject({ _tag: "IngestRefused", orphaned: 2, total: 2 })
    expect(yield* snapshot).toEqual(before)
  }))

  test("a small change under the limit goes through", Effect.gen(function*() {
    const dir = repo(["p", "q", "r"])
    const src = path.join(dir, "src")
    yield* CatalogStore.ingest(yield* Catalog.load([src]), { roots: [src] })
    fs.rmSync(path.join(src, "p.yaml"))
    const report = yield* CatalogStore.ingest(yield* Catalog.load([src]), { roots: [src], maxOrphans: 0.5 })
    expect(report.orphaned).toEqual(["component:default/p"])
  }))
}

describe("ingest guard: memory", () => guardSuite(() => CatalogStore.layerMemory))
describe("ingest guard: SQLite", () => guardSuite(sqliteTempLayer))
describe.runIf(serverAvailable("postgresql"))("ingest guard: PostgreSQL", () => guardSuite(pgTempLayer))
