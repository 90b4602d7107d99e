import { Catalog } from "@paved/catalog"
import { Environments, EnvStore, ServiceRuntime } from "@paved/envs"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { docker as dockerClient, labelled, nodeImage } from "../../../testing/docker.js"
import { serverAvailable } from "../../../testing/servers.js"
import { databasesLike, envName, processesOf, rolesLike } from "./support.js"

const pgUrl = "postgres://postgres@127.0.0.1:5432/postgres"
const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")

// api answers /healthz once it can open a TCP connection to its database (through the address
// the runtime gave it); web calls api by its workload name on the environment's network.
const apiServer = `
const http = require("http"), net = require("net")
const db = new URL(process.env.DATABASE_URL)
const reach = () => new Promise((ok) => { const s = net.connect(Number(db.port), db.hostname); s.once("connect", () => { s.destroy(); ok(true) }); s.once("error", () => ok(false)) })
http.createServer(async (req, res) => {
  if (req.url === "/healthz") { res.writeHead((await reach()) ? 200 : 503); return res.end() }
  if (req.url === "/broken") { res.writeHead(500); return res.end() }
  res.end(JSON.stringify({ service: "api", db: db.hostname, config: require("fs").readFileSync("/etc/api/config.txt", "utf8") }))
}).listen(8080, () => console.log("api listening"))
`
const webServer = `
const http = require("http")
http.createServer((req, res) => {
  http.get(process.env.API_URL + "/hello", (r) => { let b = ""; r.on("data", (c) => b += c); r.on("end", () => res.end(JSON.stringify({ web: true, api: JSON.parse(b) }))) })
    .on("error", (e) => { res.writeHead(502); res.end(String(e)) })
}).listen(8080, () => console.log("web listening"))
`

interface Fixture { readonly image: string; readonly apiProbe?: string; readonly apiArgs?: ReadonlyArray<string>; readonly worker?: boolean }

const writeOrg = (root: string, f: Fixture) => {
  const component = (name: string, extra: string) =>
    `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/team\n${extra}`
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), text)
  }
  write("catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: org\nspec:\n  targets: [./api/catalog-info.yaml, ./web/catalog-info.yaml]\n")
  write("api/catalog-info.yaml", component("api", ""))
  write("api/server.js", apiServer)
  write("api/score.yaml", `apiVersion: score.dev/v1b1
metadata:
  name: api
containers:
  main:
    image: ${f.image}
    args: ${JSON.stringify(f.apiArgs ?? ["/app/server.js"])}
    files:
      - target: /app/server.js
        source: server.js
      - target: /etc/api/config.txt
        content: "from score files"
    variables:
      DATABASE_URL: "postgres://\${resources.db.username}:\${resources.db.password}@\${resources.db.host}:\${resources.db.port}/\${resources.db.name}"
    resources:
      limits:
        memory: 256Mi
        cpu: 500m
    readinessProbe:
      httpGet:
        path: ${f.apiProbe ?? "/healthz"}
        port: 8080
service:
  ports:
    http:
      port: 8080
resources:
  db:
    type: postgres
`)
  write("web/catalog-info.yaml", component("web", "  dependsOn: [component:default/api]\n"))
  write("web/server.js", webServer)
  write("web/score.yaml", `apiVersion: score.dev/v1b1
metadata:
  name: web
containers:
  main:
    image: ${f.image}
    args: ["/app/server.js"]
    files:
      - target: /app/server.js
        source: server.js
    variables:
      API_URL: "http://\${resources.api.hostname}:\${resources.api.port}"
service:
  ports:
    http:
      port: 8080
resources:
  api:
    type: service-port
    params:
      workload: api
      port: http
`)
}

const docker = serverAvailable("docker") && serverAvailable("postgresql")

describe.runIf(docker)("the Docker runtime", () => {
  let image = ""
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-docker-"))
  beforeAll(async () => {
    image = await nodeImage()
  }, 300_000)
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

  const run = <A, E>(
    dir: string,
    effect: Effect.Effect<A, E, EnvStore.EnvStore | Provisioner.Provisioner | ServiceRuntime.ServiceRuntime>,
    options: ServiceRuntime.DockerOptions = {}
  ) =>
    Effect.runPromiseExit(effect.pipe(Effect.provide(Layer.mergeAll(
      EnvStore.layerSqlite({ filename: path.join(dir, "paved.db") }),
      Provisioner.layerLocal({ dir, postgres: pgUrl }),
      ServiceRuntime.layerDocker(options)
    ))))

  const setup = (f: Partial<Fixture>) => {
    const dir = fs.mkdtempSync(path.join(root, "org-"))
    writeOrg(dir, { image, ...f })
    return dir
  }
  const catalogOf = (dir: string) => Effect.map(Catalog.load([dir]), (r) => r.entities)
  const leftovers = async (name: string) => ({
    docker: await labelled(`dev.paved.environment=${name}`),
    processes: processesOf(name).length,
    databases: databasesLike(`paved_${name.replaceAll("-", "_")}`).length,
    roles: rolesLike(`paved_${name.replaceAll("-", "_")}`).length
  })
  const nothing = { docker: { containers: 0, networks: 0, volumes: 0 }, processes: 0, databases: 0, roles: 0 }

  it("runs containers on a network per environment: DNS by workload name, a host database through the gateway, files, logs; down leaves nothing", async () => {
    const dir = setup({})
    const name = envName("dk")
    const progress: Array<string> = []
    const up = await run(dir, Effect.scoped(Effect.gen(function*() {
      const record = yield* Environments.up({
        name,
        catalog: yield* catalogOf(dir),
        services: ["web"],
        directory: path.join(dir, "env"),
        readyTimeout: "60 seconds",
        onProgress: (p) => Effect.sync(() => progress.push(`${p.subject.replace("component:default/", "")} ${p.detail.split(" ").slice(0, 2).join(" ")}`))
      })
      const web = record.services.find((s) => s.name === "web")!
      const body = yield* Effect.promise(() => fetch(web.url!).then((r) => r.json() as Promise<{ web: boolean; api: { service: string; db: string; config: string } }>))
      const lines = yield* Environments.logs(name, "api", { lines: 10 }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      const listed = yield* Environments.list
      return { record, body, lines, listed }
    })))
    if (Exit.isFailure(up)) throw new Error(String(up.cause))
    const { body, lines, listed, record } = up.value
    // web's container is created while api starts (its address, "api", is known before), and
    // started only once api is ready.
    expect(progress.indexOf("web creating container")).toBeLessThan(progress.indexOf("api ready at"))
    expect(progress.indexOf("web starting container")).toBeGreaterThan(progress.indexOf("api ready at"))
    // The engine runs on this machine: Score files are bound from the environment's directory.
    expect(fs.readFileSync(path.join(dir, "env", "files", "api", "etc", "api", "config.txt"), "utf8")).toBe("from score files")
    expect(record.runtime).toBe("docker")
    expect(body.web).toBe(true)
    expect(body.api.service).toBe("api")
    expect(body.api.config).toBe("from score files")
    expect(body.api.db).not.toBe("127.0.0.1")
    expect(lines.join("\n")).toContain("api listening")
    expect(listed.find((l) => l.record.name === name)?.health).toBe("healthy")
    expect((await labelled(`dev.paved.environment=${name}`)).containers).toBe(2)
    const down = await run(dir, Environments.down(name))
    expect(Exit.isSuccess(down)).toBe(true)
    expect(await leftovers(name)).toEqual(nothing)
  }, 240_000)

  it("copies Score files into the container when the engine may not see this machine's paths (files: copy)", async () => {
    const dir = setup({})
    const name = envName("dk-copy")
    const up = await run(dir, Effect.scoped(Effect.gen(function*() {
      const record = yield* Environments.up({ name, catalog: yield* catalogOf(dir), services: ["api"], directory: path.join(dir, "env"), readyTimeout: "60 seconds" })
      const api = record.services.find((s) => s.name === "api")!
      return yield* Effect.promise(() => fetch(`${api.url!}/hello`).then((r) => r.json() as Promise<{ config: string }>))
    })), { files: "copy" })
    if (Exit.isFailure(up)) throw new Error(String(up.cause))
    expect(up.value.config).toBe("from score files")
    expect(fs.existsSync(path.join(dir, "env", "files"))).toBe(false)
    expect(Exit.isSuccess(await run(dir, Environments.down(name)))).toBe(true)
    expect(await leftovers(name)).toEqual(nothing)
  }, 240_000)

  it("Ctrl-C during up (an interruption while containers start) unwinds everything", async () => {
    const dir = setup({ apiProbe: "/broken" })
    const name = envName("dk-int")
    const exit = await run(dir, Effect.gen(function*() {
      const catalog = yield* catalogOf(dir)
      const fiber = yield* Effect.fork(Effect.scoped(Environments.up({ name, catalog, services: ["web"], directory: path.join(dir, "env"), readyTimeout: "60 seconds" })))
      // Interrupt once the first container exists (api waits for a probe that never passes).
      while ((yield* Effect.promise(() => labelled(`dev.paved.environment=${name}`))).containers === 0) yield* Effect.sleep("100 millis")
      return yield* Fiber.interrupt(fiber)
    }))
    expect(Exit.isSuccess(exit) && Exit.isInterrupted(exit.value)).toBe(true)
    expect(await leftovers(name)).toEqual(nothing)
  }, 120_000)

  it("SIGKILL of up (Docker runtime, embedded PostgreSQL) and then down leaves nothing", async () => {
    const dir = setup({})
    writeOrg(path.join(dir, "org"), { image })
    const name = envName("dk-kill")
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [
        path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "--conditions=@paved/source", path.join(here, "up-child.ts"),
        dir, name, path.join(root, "template"), "docker", "web"
      ], { stdio: ["ignore", "pipe", "pipe"], detached: true })
      let out = ""
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString()
        if (out.includes("[start] component:default/api: creating container")) process.kill(-child.pid!, "SIGKILL")
      })
      child.once("exit", () => (out.includes("creating container") ? resolve() : reject(new Error(out))))
    })
    const down = await run(path.join(dir), Environments.down(name))
    if (Exit.isFailure(down)) throw new Error(String(down.cause))
    expect(await leftovers(name)).toEqual(nothing)
    expect(fs.existsSync(path.join(dir, "envs", name))).toBe(false)
  }, 240_000)

  it("reap finds what a killed run left in Docker by its labels and removes it", async () => {
    const dir = setup({})
    const name = envName("dk-left")
    const instance = `dead-${Math.random().toString(36).slice(2, 10)}`
    const labels = { "dev.paved.environment": name, "dev.paved.instance": instance }
    const d = dockerClient()
    // What an `up` killed after creating its network, a volume and a container leaves behind.
    const network = await d.createNetwork({ Name: `paved-${name}-left`, Labels: labels })
    await d.createVolume({ Name: `paved-${name}-left`, Labels: labels })
    await d.createContainer({ name: `paved-${name}-left`, Image: image, Labels: labels, HostConfig: { NetworkMode: network.id } })
    expect(await labelled(`dev.paved.environment=${name}`)).toEqual({ containers: 1, networks: 1, volumes: 1 })
    const reaped = await run(dir, Environments.reapLeftovers())
    if (Exit.isFailure(reaped)) throw new Error(String(reaped.cause))
    expect(reaped.value).toContain(instance)
    expect(await labelled(`dev.paved.environment=${name}`)).toEqual(nothing.docker)
  }, 120_000)

  it("an image that is neither local nor pullable fails before anything starts, naming the workload and the image", async () => {
    const dir = setup({ image: "paved-test/does-not-exist:1" })
    const name = envName("dk-noimg")
    const exit = await run(dir, Effect.scoped(Effect.flatMap(catalogOf(dir), (catalog) =>
      Environments.up({ name, catalog, services: ["web"], directory: path.join(dir, "env") }))))
    expect(Exit.isFailure(exit)).toBe(true)
    const text = String(Exit.isFailure(exit) ? exit.cause : "")
    expect(text).toMatch(/workload (api|web) uses image "paved-test\/does-not-exist:1", which is neither on this machine nor pullable/)
    expect(await leftovers(name)).toEqual(nothing)
  }, 120_000)

  it("a container that exits at once, and one that never gets ready, unwind everything and say what happened", async () => {
    for (const [fixture, pattern] of [
      [{ apiArgs: ["-e", "console.error('boom'); process.exit(3)"] }, /exited \(code 3\) before becoming ready; last output:\nboom/],
      [{ apiProbe: "/broken" }, /readiness probe \(GET \/broken\) did not pass within 5s/]
    ] as const) {
      const dir = setup(fixture)
      const name = envName("dk-fail")
      const exit = await run(dir, Effect.scoped(Effect.flatMap(catalogOf(dir), (catalog) =>
        Environments.up({ name, catalog, services: ["web"], directory: path.join(dir, "env"), readyTimeout: "5 seconds" }))))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(pattern)
      expect(await leftovers(name)).toEqual(nothing)
    }
  }, 240_000)
})
