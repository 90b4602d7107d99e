/**
 * Embedded PostgreSQL start time (target ≤ 3 s): a cold start that runs initdb, against a start
 * from the initialised template Paved caches under `.paved/postgres/template`, and a restart of
 * an existing data directory.
 */
import { EmbeddedPostgres } from "@paved/provision"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-bench-pg-"))
fs.chmodSync(dir, 0o755)
const templateDir = path.join(dir, "template")
const startStop = (dataDir: string) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const t0 = performance.now()
    const running = yield* EmbeddedPostgres.start({ dataDir, templateDir })
    return { ms: performance.now() - t0, timings: running.timings }
  })))

const cold = await startStop(path.join(dir, "cold"))
const fromTemplate = await startStop(path.join(dir, "copy"))
const restart = await startStop(path.join(dir, "copy"))
fs.rmSync(dir, { recursive: true, force: true })

const line = (name: string, r: { ms: number; timings: { initMs: number; startMs: number } }) =>
  console.log(JSON.stringify({
    case: name, n: 1, ms: Math.round(r.ms), initMs: r.timings.initMs, startMs: r.timings.startMs,
    peer: "cold start (initdb)", ratio: Math.round((r.ms / cold.ms) * 100) / 100
  }))
line("embedded postgres: cold start (initdb + start)", cold)
line("embedded postgres: new data dir from cached template", fromTemplate)
line("embedded postgres: restart existing data dir", restart)
