/**
 * `onProgress` of `Catalog.load` and `CatalogStore.ingest` (issue 18 item 8): one event per file
 * read with the running counts, and the write phase of an ingest. The hooks only observe: the
 * result is the same with and without them.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogStore, type Ingest } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { sqliteTempLayer } from "./fixtures/store/layers.js"

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "paved-load-progress-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const component = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`

// 40 catalog files, one Kubernetes manifest (skipped) and one invalid file.
for (let i = 0; i < 40; i++) {
  fs.mkdirSync(path.join(scratch, `svc-${i}`))
  fs.writeFileSync(path.join(scratch, `svc-${i}`, "catalog-info.yaml"), component(`svc-${i}`))
}
fs.writeFileSync(path.join(scratch, "deploy.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n")
fs.writeFileSync(path.join(scratch, "bad.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not Valid!\n")

describe("Catalog.load onProgress", () => {
  it.effect("reports every file once with running counts, and changes nothing in the result", () =>
    Effect.gen(function*() {
      const events: Array<Catalog.LoadProgress> = []
      const watched = yield* Catalog.load([scratch], { onProgress: (p) => events.push(p) })
      const plain = yield* Catalog.load([scratch])
      expect(watched.entities.map((e) => e.ref)).toEqual(plain.entities.map((e) => e.ref))
      expect(watched.problems).toEqual(plain.problems)
      expect(events).toHaveLength(42)
      expect(events.map((e) => e.files)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1))
      expect(new Set(events.map((e) => e.file)).size).toBe(42)
      // The total is the files known so far: it grows while the directory is walked.
      expect(events.every((e) => e.total >= e.files && e.total <= 42)).toBe(true)
      const last = events[events.length - 1]!
      expect(last).toMatchObject({ files: 42, total: 42, entities: 40, skipped: 1 })
      // Counts never go down.
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.entities).toBeGreaterThanOrEqual(events[i - 1]!.entities)
        expect(events[i]!.total).toBeGreaterThanOrEqual(events[i - 1]!.total)
      }
    }))
})

describe("CatalogStore.ingest onProgress", () => {
  it.scoped("says how many rows it writes, then that they are written; a second ingest writes none", () =>
    Effect.gen(function*() {
      const loaded = yield* Catalog.load([scratch])
      const store = yield* CatalogStore.CatalogStore
      const events: Array<Ingest.IngestProgress> = []
      const report = yield* store.ingest(loaded, { onProgress: (p: Ingest.IngestProgress) => events.push(p) })
      expect(report.created).toHaveLength(40)
      expect(events).toEqual([{ phase: "writing", writes: 40, unchanged: 0 }, { phase: "written", writes: 40, unchanged: 0 }])
      events.length = 0
      yield* store.ingest(loaded, { onProgress: (p: Ingest.IngestProgress) => events.push(p) })
      expect(events).toEqual([{ phase: "writing", writes: 0, unchanged: 40 }, { phase: "written", writes: 0, unchanged: 40 }])
    }).pipe(Effect.provide(sqliteTempLayer())))
})
