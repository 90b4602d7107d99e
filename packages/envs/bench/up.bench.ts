/**
 * `up` and `down` of a 10-service preview with 5 PostgreSQL databases (targets: up ≤ 15 s,
 * down ≤ 3 s on a 2-core machine), against the peer they replace: a hand-written script that
 * creates the same databases and roles, spawns the same processes in the same dependency order
 * and polls the same health endpoints (then kills them and drops the databases).
 *
 * Needs the PostgreSQL server on 127.0.0.1:5432 (user postgres, trust auth).
 */
import { Catalog } from "@paved/catalog"
import { Environments, EnvStore } from "@paved/envs"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { services, writeService } from "./preview.js"
import { createRequire } from "node:module"

// The peer uses node-postgres directly, as a hand-written script would (it has no typings here).
const pg = createRequire(import.meta.url)("pg") as {
  readonly Pool: new (options: { readonly connectionString: string; readonly max: number }) => {
    readonly query: (text: string) => Promise<unknown>
    readonly end: () => Promise<void>
  }
}

const pgUrl = "postgres://postgres@127.0.0.1:5432/postgres"
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "service.mjs")
const runs = Number(process.env.BENCH_RUNS ?? 3)

const writeCatalog = (dir: string) => {
  for (const s of services) {
    const { dir: d, resources } = writeService(dir, s)
    fs.writeFileSync(path.join(d, "score.yaml"), [
      "apiVersion: score.dev/v1b1",
      `metadata: { name: ${s.name} }`,
      "containers:",
      "  main:",
      "    image: bench",
      `    command: ["${process.execPath}", "${script}"]`,
      ...(s.db ? ["    variables:", "      DATABASE_URL: \"${resources.db.url}\""] : []),
      "    readinessProbe: { httpGet: { path: /healthz, port: 8080 } }",
      ...(resources.length > 0 ? ["resources:", ...resources] : [])
    ].join("\n"))
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const healthy = (port: number) =>
  new Promise<boolean>((resolve) => {
    http.get({ host: "127.0.0.1", port, path: "/healthz", timeout: 1000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    }).once("error", () => resolve(false))
  })

const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.exitCode !== null ? resolve() : child.once("exit", () => resolve()))

/** The peer: the script a team writes by hand for the same environment. */
const peer = async (tag: string) => {
  const admin = new pg.Pool({ connectionString: pgUrl, max: 5 })
  const started = Date.now()
  const dbs = services.filter((s) => s.db).map((s) => `bench_peer_${tag}_${s.name.replace("-", "_")}`)
  await Promise.all(dbs.map(async (db) => {
    await admin.query(`CREATE ROLE ${db} LOGIN PASSWORD 'x'`)
    await admin.query(`CREATE DATABASE ${db} OWNER ${db}`)
  }))
  const children: Array<ChildProcess> = []
  const layers = [services.slice(0, 1), services.slice(1, 5), services.slice(5)]
  for (const layer of layers) {
    await Promise.all(layer.map(async (s) => {
      const port = await freePort()
      const env: Record<string, string> = { ...process.env as Record<string, string>, PORT: String(port) }
      if (s.db) env.DATABASE_URL = `postgres://bench_peer_${tag}_${s.name.replace("-", "_")}:x@127.0.0.1:5432/bench_peer_${tag}_${s.name.replace("-", "_")}`
      const child = spawn(process.execPath, [script], { env, stdio: "ignore" })
      children.push(child)
      while (!(await healthy(port))) await new Promise((r) => setTimeout(r, 20))
    }))
  }
  const up = Date.now() - started
  const stopping = Date.now()
  await Promise.all(children.map((c) => (c.kill("SIGTERM"), exited(c))))
  await Promise.all(dbs.map(async (db) => {
    await admin.query(`DROP DATABASE ${db} WITH (FORCE)`)
    await admin.query(`DROP ROLE ${db}`)
  }))
  const down = Date.now() - stopping
  await admin.end()
  return { up, down }
}

const main = Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-envs-bench-"))
  try {
    writeCatalog(path.join(dir, "catalog"))
    const catalog = (yield* Catalog.load([path.join(dir, "catalog")])).entities
    const ups: Array<number> = []
    const downs: Array<number> = []
    const peers: Array<{ up: number; down: number }> = []
    for (let i = 0; i < runs; i++) {
      const name = `bench-${process.pid}-${i}`
      const t0 = Date.now()
      const record = yield* Effect.scoped(Environments.up({
        name,
        catalog,
        services: services.map((s) => s.name),
        directory: path.join(dir, "envs", name)
      }))
      ups.push(Date.now() - t0)
      if (record.services.length !== 10 || record.resources.length !== 5) throw new Error("the bench environment is incomplete")
      const t1 = Date.now()
      yield* Environments.down(name)
      downs.push(Date.now() - t1)
      peers.push(yield* Effect.promise(() => peer(`${process.pid}_${i}`)))
    }
    const upPeer = median(peers.map((p) => p.up))
    const downPeer = median(peers.map((p) => p.down))
    const line = (c: string, ms: number, peerMs: number, target: number) =>
      console.log(JSON.stringify({ case: c, n: runs, ms, peer: peerMs, ratio: Math.round((ms / peerMs) * 100) / 100, targetMs: target, peerName: "hand-written script" }))
    line("up: 10 services, 5 postgres databases", median(ups), upPeer, 15_000)
    line("down: 10 services, 5 postgres databases", median(downs), downPeer, 3_000)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}).pipe(
  Effect.provide(Layer.mergeAll(
    EnvStore.layerSqlite({ filename: path.join(os.tmpdir(), `paved-envs-bench-${process.pid}.db`) }),
    Provisioner.layerLocal({ dir: path.join(os.tmpdir(), `paved-envs-bench-${process.pid}`), postgres: pgUrl })
  )),
  Effect.ensuring(Effect.sync(() => {
    fs.rmSync(path.join(os.tmpdir(), `paved-envs-bench-${process.pid}.db`), { force: true })
    fs.rmSync(path.join(os.tmpdir(), `paved-envs-bench-${process.pid}`), { recursive: true, force: true })
  }))
)

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
