/**
 * Checkpoints of the SQLite writer's WAL, off the event loop. A checkpoint copies the WAL's
 * pages into the database file and syncs it; run by the writer's own connection (SQLite's
 * autocheckpoint) that sync blocked the event loop, and with it every request of the receiver,
 * for about a sixth of the ingest time. A worker thread with its own connection checkpoints
 * instead, whenever another connection has committed since it last looked.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"

// CommonJS, run by the worker: better-sqlite3 is loaded from the path the writer resolved.
const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads")
const Sqlite = require(workerData.driver)
const db = new Sqlite(workerData.filename, { timeout: 10000 })
db.pragma("synchronous = NORMAL")
db.pragma("wal_autocheckpoint = 0")
let seen = -1
const timer = setInterval(() => {
  try {
    const version = db.pragma("data_version", { simple: true })
    if (version === seen) return
    seen = version
    db.pragma("wal_checkpoint(PASSIVE)")
  } catch (error) {
    // Busy or failing now: the next tick tries again, and the writer's autocheckpoint is the backstop.
  }
}, workerData.everyMs)
parentPort.once("message", () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/**
 * How often the worker looks for new commits. Each checkpoint copies every page the commits
 * since the last one touched, once: the index pages that each commit dirties again are copied
 * less often at 250 ms than at 100 ms (the receiver's CPU per span was no higher than with the
 * writer's autocheckpoint every ~40 MiB, its spans/s higher).
 */
const EVERY_MS = 250

/** Starts the worker on first use (a store opened only to read never starts one). */
export interface WalCheckpointer {
  readonly start: () => void
}

/**
 * The checkpointer of a WAL database file, started by its first `start()` and stopped (its
 * connection closed) with the scope. It never keeps the process alive by itself, and a worker
 * that fails leaves the writer's own autocheckpoint to do the work.
 */
export const walCheckpointer = (filename: string): Effect.Effect<WalCheckpointer, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => ({ running: undefined as { worker: Worker; exited: Promise<void> } | undefined })),
      (state) => state.running === undefined ? Effect.void : stop(state.running)
    ),
    (state) => ({
      start: () => {
        if (state.running !== undefined) return
        try {
          const worker = new Worker(SOURCE, {
            eval: true,
            workerData: { driver: createRequire(import.meta.url).resolve("better-sqlite3"), filename, everyMs: EVERY_MS }
          })
          const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()))
          // An error ends the worker; unhandled, it would end the process.
          worker.on("error", () => undefined)
          worker.unref()
          state.running = { worker, exited }
        } catch {
          // No worker (resource limits): the writer's autocheckpoint remains.
        }
      }
    })
  )

const stop = ({ exited, worker }: { readonly worker: Worker; readonly exited: Promise<void> }) =>
  Effect.promise(() => {
    worker.postMessage("close")
    return exited
  }).pipe(
    Effect.timeoutOption("5 seconds"),
    Effect.flatMap((done) => (done._tag === "Some" ? Effect.void : Effect.promise(() => worker.terminate())))
  )
