/**
 * The embedded store's files are the owner's alone (security review, defect 20): a new store
 * directory is created 0700 and the database 0600, and SQLite's `-wal` and `-shm` files follow
 * the database's mode, whatever the process umask allows.
 */
import { afterAll, expect, it } from "@effect/vitest"
import { Catalog, CatalogStore } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "paved-store-files-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8)

it.live("a new SQLite store is 0700 (directory) and 0600 (database, -wal, -shm) under a permissive umask", () =>
  Effect.gen(function*() {
    const previous = process.umask(0o022)
    try {
      const dir = path.join(scratch, "nested", ".paved")
      const db = path.join(dir, "paved.db")
      const input = path.join(scratch, "catalog-info.yaml")
      fs.writeFileSync(input, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n")
      yield* Effect.gen(function*() {
        yield* CatalogStore.ingest(yield* Catalog.load([input]))
        // While the store is open, WAL mode keeps the -wal and -shm files.
        expect(fs.existsSync(`${db}-wal`)).toBe(true)
        expect([mode(dir), mode(path.join(scratch, "nested")), mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(["700", "700", "600", "600", "600"])
      }).pipe(Effect.provide(CatalogStore.layerSqlite({ filename: db })))
    } finally {
      process.umask(previous)
    }
  }))
