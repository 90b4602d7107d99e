/**
 * Attack of the security review (defect 20, state database part): `.paved/paved.db` was 0644 in a
 * 0755 directory, so every local user could read what each environment is called and the sealed
 * secrets (and, before defect 8's fix, clear ones). The state store must create `.paved` 0700 and
 * the database with its -wal and -shm files 0600, and tighten an existing `.paved` and database.
 */
import { describe, expect, it } from "@effect/vitest"
import { Provision, StateStore } from "@paved/provision"
import { Context, Effect, Layer, ManagedRuntime } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { unique } from "./fixtures.js"

const mode = (file: string) => fs.statSync(file).mode & 0o777

const record = (filename: string, env: string) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const store = Context.get(yield* Layer.build(StateStore.layerSqlite({ filename })), StateStore.StateStore)
    yield* store.journal({ env, resource: "r", action: "create", phase: "started", detail: "" })
    // While the store is open, SQLite's write-ahead log and shared-memory files exist.
    return fs.readdirSync(path.dirname(filename)).filter((f) => f.startsWith(path.basename(filename))).map((f) => [f, mode(path.join(path.dirname(filename), f))] as const)
  })))

describe("the state database is private to its owner", () => {
  it("creates .paved 0700 and the database, -wal and -shm 0600 under a permissive umask", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-modes-"))
    const previous = process.umask(0o002)
    try {
      const filename = path.join(root, ".paved", "paved.db")
      const files = await record(filename, unique("m"))
      expect(mode(path.join(root, ".paved"))).toBe(0o700)
      expect(files.map(([f]) => f).sort()).toEqual(["paved.db", "paved.db-shm", "paved.db-wal"])
      for (const [f, m] of files) expect(m, f).toBe(0o600)
      expect(mode(filename)).toBe(0o600)
    } finally {
      process.umask(previous)
      fs.rmSync(root, { recursive: true, force: true })
    }
  })

  it("tightens a .paved directory and database that an earlier version left readable", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-modes-"))
    try {
      const dir = path.join(root, ".paved")
      fs.mkdirSync(dir, { mode: 0o755 })
      fs.chmodSync(dir, 0o755)
      const filename = path.join(dir, "paved.db")
      await record(filename, unique("m"))
      fs.chmodSync(filename, 0o644)
      fs.chmodSync(dir, 0o755)
      const files = await record(filename, unique("m"))
      expect(mode(dir)).toBe(0o700)
      for (const [f, m] of files) expect(m, f).toBe(0o600)
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })

  it("Provision.layerLocal keeps its whole .paved private (database and secret key)", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-modes-"))
    const dir = path.join(root, ".paved")
    const runtime = ManagedRuntime.make(Provision.layerLocal({ dir }))
    try {
      await runtime.runPromise(Provision.apply({ env: unique("m"), envType: "development", requests: [Provision.request({ key: "cfg", type: "environment", params: { A: "1" } })] }))
      expect(mode(dir)).toBe(0o700)
      for (const f of fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile())) expect(mode(path.join(dir, f)), f).toBe(0o600)
    } finally {
      await runtime.dispose()
      fs.rmSync(root, { recursive: true, force: true })
    }
  })
})
