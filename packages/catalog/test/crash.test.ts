import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { CatalogStore } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")
const child = path.join(here, "fixtures/store/crash-child.ts")
const COUNT = 6000

interface ChildRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the ingesting child; when `killAfterMs` is set, SIGKILLs it that long after it begins. */
const runChild = (db: string, generation: number, killAfterMs?: number): Promise<ChildRun> =>
  new Promise((resolve, reject) => {
    // tsx as a loader inside this very process (its CLI would fork, and SIGKILL would miss the ingest).
    const proc = spawn(process.execPath, ["--conditions=@paved/source", "--import", "tsx", child, db, String(generation), String(COUNT)], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const guard = setTimeout(() => proc.kill("SIGKILL"), 240_000)
    proc.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
      if (killAfterMs !== undefined && stdout.includes("begin")) {
        setTimeout(() => proc.kill("SIGKILL"), killAfterMs)
      }
    })
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    proc.on("error", reject)
    proc.on("close", (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr })
    })
  })

/** Opens the file: integrity check, then which generations and how many entities it holds. */
const inspect = (db: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const integrity = yield* sql.unsafe<{ integrity_check: string }>("PRAGMA integrity_check")
    const store = yield* CatalogStore.makeSql
    const page = yield* store.query({})
    const generations = [...new Set(page.items.map((i) => i.entity.metadata.description))]
    const history = yield* store.history({ limit: 1_000_000 })
    return { integrity: integrity.map((r) => r.integrity_check), count: page.totalItems, generations, history: history.length }
  }).pipe(Effect.provide(SqliteClient.layer({ filename: db })))

describe("crash safety of SQLite ingestion", () => {
  it.live("a SIGKILLed ingest leaves the previous or the new state, never a mix", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-crash-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const db = path.join(dir, "paved.db")
      const first = yield* Effect.promise(() => runChild(db, 1))
      expect(first.code, first.stderr).toBe(0)
      let committed = 1
      let commits = 1
      let killedMidway = 0
      for (const [round, delay] of [5, 150, 600, 1500].entries()) {
        const generation = round + 2
        const run = yield* Effect.promise(() => runChild(db, generation, delay))
        expect(run.stdout).toContain("begin")
        const state = yield* inspect(db)
        expect(state.integrity).toEqual(["ok"])
        expect(state.count).toBe(COUNT)
        expect(state.generations).toHaveLength(1)
        const seen = state.generations[0]
        if (seen === `generation ${generation}`) {
          expect(run.stdout).toContain("begin")
          committed = generation
          commits++
        } else {
          expect(seen).toBe(`generation ${committed}`)
          expect(run.signal).toBe("SIGKILL")
          killedMidway++
        }
        // One created entry per entity, then one updated entry per entity per committed generation.
        expect(state.history).toBe(COUNT * commits)
      }
      expect(killedMidway).toBeGreaterThan(0)
    }).pipe(Effect.scoped), 600_000)

  it.live("ingests from two processes at once are serialised, not corrupted", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-concurrent-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const db = path.join(dir, "paved.db")
      const runs = yield* Effect.promise(() => Promise.all([runChild(db, 1), runChild(db, 2)]))
      for (const r of runs) expect(r.code, r.stderr).toBe(0)
      const state = yield* inspect(db)
      expect(state.integrity).toEqual(["ok"])
      expect(state.count).toBe(COUNT)
      expect(state.generations).toHaveLength(1)
      expect(state.history).toBe(COUNT * 2)
    }).pipe(Effect.scoped), 600_000)
})
