/**
 * Apply then destroy 20 PostgreSQL databases on the local server through Paved (journaled,
 * encrypted outputs, concurrency 4), against the peer: the same CREATE ROLE / CREATE DATABASE /
 * DROP statements sent directly, one connection, no state.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { Provision, Request } from "@paved/provision"
import { Context, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

const url = process.env["PAVED_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"
const up = await new Promise<boolean>((resolve) => {
  const s = net.connect(new URL(url).port === "" ? 5432 : Number(new URL(url).port), new URL(url).hostname)
  s.once("connect", () => (s.destroy(), resolve(true)))
  s.once("error", () => resolve(false))
})
if (!up) {
  console.log(JSON.stringify({ case: "apply+destroy 20 postgres databases", skipped: `no PostgreSQL server at ${new URL(url).host}` }))
  process.exit(0)
}

const n = 20
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-bench-"))
const runtime = ManagedRuntime.make(Provision.layerLocal({ dir, postgres: url }))
const env = `bench${process.pid}`
const requests = Array.from({ length: n }, (_, i) => Request.make({ key: `db${i}`, type: "postgres" }))

const t0 = performance.now()
await runtime.runPromise(Provision.apply({ env, envType: "development", requests }, { concurrency: 4 }))
const t1 = performance.now()
await runtime.runPromise(Provision.destroy(env, { concurrency: 4 }))
const t2 = performance.now()
await runtime.dispose()
fs.rmSync(dir, { recursive: true, force: true })

const peer = await Effect.runPromise(Effect.scoped(Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })).pipe(
  Effect.flatMap((ctx) =>
    Effect.gen(function*() {
      const sql = Context.get(ctx, PgClient.PgClient)
      const names = Array.from({ length: n }, (_, i) => `peer_${process.pid}_${i}`)
      const s0 = performance.now()
      for (const name of names) {
        yield* sql.unsafe(`CREATE ROLE "${name}" LOGIN PASSWORD 'x${name}'`)
        yield* sql.unsafe(`CREATE DATABASE "${name}" OWNER "${name}"`)
      }
      const s1 = performance.now()
      for (const name of names) {
        yield* sql.unsafe(`DROP DATABASE "${name}" WITH (FORCE)`)
        yield* sql.unsafe(`DROP ROLE "${name}"`)
      }
      return { apply: s1 - s0, destroy: performance.now() - s1 }
    })
  )
)))

const line = (name: string, ms: number, peerMs: number) =>
  console.log(JSON.stringify({ case: name, n, ms: Math.round(ms), peer: "raw SQL, one connection, no state", peerMs: Math.round(peerMs), ratio: Math.round((ms / peerMs) * 100) / 100 }))
line("apply 20 postgres databases", t1 - t0, peer.apply)
line("destroy 20 postgres databases", t2 - t1, peer.destroy)
