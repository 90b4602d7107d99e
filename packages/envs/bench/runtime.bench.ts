/**
 * `up` and `down` of 10 services + 5 PostgreSQL databases on the Docker runtime against the local
 * process runtime, in the same run (targets: Docker up ≤ 1.5× local up, Docker down < 3 s). The
 * same dependency-free service runs as a process and in a FROM-scratch node image built offline
 * (testing/docker.ts). `BENCH_RUNS` (default 2) pairs are measured, alternating. With
 * `BENCH_TIMELINE=1`, every progress line of every `up` and `down` goes to stderr with its offset
 * in ms, the timeline of where their time goes.
 *
 * The engine's own floor is measured in the same run: the same 10 containers of the same image
 * created and started straight through the Engine API on one bridge network, with nothing of
 * Paved around them (no provisioning, no files, no probes, no port forwarding), timed until every
 * `start` call has returned. `dockerOverFloor` says how much Paved adds to what the engine costs;
 * `floorOverLocal` says how far the engine alone is from the local runtime's whole `up`.
 *
 * Needs the PostgreSQL server on 127.0.0.1:5432 and a Docker engine.
 */
import { Catalog } from "@paved/catalog"
import { Environments, EnvStore, ServiceRuntime } from "@paved/envs"
import * as Provisioner from "@paved/provision/Provisioner"
import Docker from "dockerode"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { services, writeService } from "./preview.js"
import { nodeImage } from "../../../testing/docker.js"

const pgUrl = "postgres://postgres@127.0.0.1:5432/postgres"
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "bare-service.mjs")
const runs = Number(process.env.BENCH_RUNS ?? 2)
const timeline = process.env.BENCH_TIMELINE === "1"

const writeCatalog = (dir: string, runtime: "local" | "docker", image: string) => {
  for (const s of services) {
    const { dir: d, resources } = writeService(dir, s)
    fs.copyFileSync(script, path.join(d, "service.mjs"))
    fs.writeFileSync(path.join(d, "score.yaml"), [
      "apiVersion: score.dev/v1b1",
      `metadata: { name: ${s.name} }`,
      "containers:",
      "  main:",
      `    image: ${image}`,
      ...(runtime === "local"
        ? [`    command: ["${process.execPath}", "service.mjs"]`]
        : ["    args: [\"/app/service.mjs\"]", "    files:", "      - { target: /app/service.mjs, source: service.mjs }"]),
      "    variables:",
      `      HOST: "${runtime === "local" ? "127.0.0.1" : "0.0.0.0"}"`,
      ...(s.db ? ["      DATABASE_URL: \"${resources.db.url}\""] : []),
      "    readinessProbe: { httpGet: { path: /healthz, port: 8080 } }",
      "service:",
      "  ports:",
      "    http: { port: 8080 }",
      ...(resources.length > 0 ? ["resources:", ...resources] : [])
    ].join("\n"))
  }
}

// Create and start the services' containers with nothing around them; ms until all have started.
const engineFloor = async (image: string): Promise<number> => {
  const docker = new Docker()
  const network = await docker.createNetwork({ Name: `paved-bench-floor-${process.pid}-${Date.now()}`, Driver: "bridge" })
  const containers: Array<Docker.Container> = []
  try {
    const t0 = Date.now()
    containers.push(...await Promise.all(services.map((s) =>
      docker.createContainer({
        Image: image,
        Cmd: ["-e", "setInterval(() => {}, 1000)"],
        name: `paved-bench-floor-${process.pid}-${s.name}`,
        HostConfig: { NetworkMode: network.id }
      }))))
    await Promise.all(containers.map((c) => c.start()))
    return Date.now() - t0
  } finally {
    await Promise.all(containers.map((c) => c.remove({ force: true }).catch(() => undefined)))
    await network.remove().catch(() => undefined)
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const main = Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-runtime-bench-"))
  try {
    const image = yield* Effect.promise(() => nodeImage())
    writeCatalog(path.join(dir, "local"), "local", "bench")
    writeCatalog(path.join(dir, "docker"), "docker", image)
    const catalogs = {
      local: (yield* Catalog.load([path.join(dir, "local")])).entities,
      docker: (yield* Catalog.load([path.join(dir, "docker")])).entities
    }
    const times = { local: { up: [] as Array<number>, down: [] as Array<number> }, docker: { up: [] as Array<number>, down: [] as Array<number> } }
    const floor: Array<number> = []
    for (let i = 0; i < runs; i++) {
      floor.push(yield* Effect.promise(() => engineFloor(image)))
      for (const runtime of ["local", "docker"] as const) {
        const name = `rb-${runtime}-${process.pid}-${i}`
        const layer = runtime === "docker" ? ServiceRuntime.layerDocker() : ServiceRuntime.layerLocalProcesses
        const t0 = Date.now()
        const record = yield* Effect.scoped(Environments.up({
          name,
          catalog: catalogs[runtime],
          services: services.map((s) => s.name),
          directory: path.join(dir, "envs", name),
          readyTimeout: "60 seconds",
          ...(timeline
            ? { onProgress: (p) => Effect.sync(() => process.stderr.write(`${runtime} ${String(Date.now() - t0).padStart(5)} ${p.phase} ${p.subject}: ${p.detail}\n`)) }
            : {})
        })).pipe(Effect.provide(layer))
        times[runtime].up.push(Date.now() - t0)
        if (record.services.length !== 10 || record.resources.length !== 5) throw new Error("the bench environment is incomplete")
        const t1 = Date.now()
        yield* Environments.down(name, timeline
          ? { onProgress: (p) => Effect.sync(() => process.stderr.write(`${runtime} down ${String(Date.now() - t1).padStart(5)} ${p.phase} ${p.subject}: ${p.detail}\n`)) }
          : {})
        times[runtime].down.push(Date.now() - t1)
      }
    }
    const line = (c: string, ms: number, peerMs: number, target: string) =>
      console.log(JSON.stringify({ case: c, n: runs, ms, peer: peerMs, ratio: Math.round((ms / peerMs) * 100) / 100, target, peerName: "local process runtime", loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) }))
    line("up: 10 services, 5 postgres databases, docker", median(times.docker.up), median(times.local.up), "ratio <= 1.5")
    const floorMs = median(floor)
    console.log(JSON.stringify({
      case: "engine floor: create and start the same 10 containers through the Engine API, nothing else",
      n: runs,
      ms: floorMs,
      dockerOverFloor: Math.round((median(times.docker.up) / floorMs) * 100) / 100,
      floorOverLocal: Math.round((floorMs / median(times.local.up)) * 100) / 100,
      loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100)
    }))
    line("down: 10 services, 5 postgres databases, docker", median(times.docker.down), median(times.local.down), "ms < 3000")
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}).pipe(
  Effect.provide(Layer.mergeAll(
    EnvStore.layerSqlite({ filename: path.join(os.tmpdir(), `paved-runtime-bench-${process.pid}.db`) }),
    Provisioner.layerLocal({ dir: path.join(os.tmpdir(), `paved-runtime-bench-${process.pid}`), postgres: pgUrl })
  )),
  Effect.ensuring(Effect.sync(() => {
    fs.rmSync(path.join(os.tmpdir(), `paved-runtime-bench-${process.pid}.db`), { force: true })
    fs.rmSync(path.join(os.tmpdir(), `paved-runtime-bench-${process.pid}`), { recursive: true, force: true })
  }))
)

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
