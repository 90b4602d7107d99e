import { Catalog } from "@paved/catalog"
import { Environments, EnvStore } from "@paved/envs"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { envName, listening, processesOf } from "./support.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")

// api: listens on PORT once a TCP connection to its database's host and port succeeds.
// worker: no ports at all; it just keeps running.
const writeOrg = (root: string) => {
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), text)
  }
  const component = (name: string) =>
    `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/team\n`
  write("catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: org\nspec:\n  targets: [./api/catalog-info.yaml, ./worker/catalog-info.yaml]\n")
  write("api/catalog-info.yaml", component("api"))
  write("api/server.cjs", `
const net = require("net"), http = require("http")
const db = new URL(process.env.DATABASE_URL)
const s = net.connect(Number(db.port), db.hostname)
s.once("connect", () => { s.destroy(); http.createServer((q, r) => r.end("ok")).listen(Number(process.env.PORT), "127.0.0.1") })
s.once("error", (e) => { console.error("no database: " + e.message); process.exit(2) })
`)
  write("api/score.yaml", `apiVersion: score.dev/v1b1
metadata:
  name: api
containers:
  main:
    image: .
    command: ["node", "server.cjs"]
    variables:
      DATABASE_URL: "postgres://\${resources.db.username}:\${resources.db.password}@\${resources.db.host}:\${resources.db.port}/\${resources.db.name}"
service:
  ports:
    http:
      port: 8080
resources:
  db:
    type: postgres
`)
  write("worker/catalog-info.yaml", component("worker"))
  write("worker/score.yaml", `apiVersion: score.dev/v1b1
metadata:
  name: worker
containers:
  main:
    image: .
    command: ["node", "-e", "setInterval(() => {}, 1000)"]
`)
}

const alive = (pid: number) => {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]
    return state !== undefined && state !== "Z"
  } catch {
    return false
  }
}

describe("what an environment owns", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-owned-"))
  fs.chmodSync(root, 0o755)
  writeOrg(path.join(root, "org"))
  const templateDir = path.join(root, "template")
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
  const layers = Layer.mergeAll(
    EnvStore.layerSqlite({ filename: path.join(root, "paved.db") }),
    Provisioner.layerLocal({ dir: path.join(root, "state") })
  )
  const run = <A, E>(effect: Effect.Effect<A, E, EnvStore.EnvStore | Provisioner.Provisioner>) => Effect.runPromiseExit(effect.pipe(Effect.provide(layers)))
  const catalog = Effect.map(Catalog.load([path.join(root, "org")]), (r) => r.entities)

  it("a worker without ports is ready while it runs, and has no URL", async () => {
    const name = envName("worker")
    const up = await run(Effect.scoped(Effect.flatMap(catalog, (catalog) =>
      Environments.up({ name, catalog, services: ["worker"], directory: path.join(root, "envs", name) }))))
    if (Exit.isFailure(up)) throw new Error(String(up.cause))
    const worker = up.value.services[0]!
    expect(worker.status).toBe("ready")
    expect(worker.url).toBeUndefined()
    expect(alive(worker.pid!)).toBe(true)
    expect(Exit.isSuccess(await run(Environments.down(name)))).toBe(true)
    expect(processesOf(name)).toEqual([])
  }, 60_000)

  it("a detached up with no PostgreSQL server configured owns an embedded one; down stops it and removes its data", async () => {
    const name = envName("embedded")
    const up = await run(Effect.scoped(Effect.flatMap(catalog, (catalog) =>
      Environments.up({ name, catalog, services: ["api"], directory: path.join(root, "envs", name), embeddedPostgres: { templateDir } }))))
    if (Exit.isFailure(up)) throw new Error(String(up.cause))
    // The scope of `up` is closed: the environment, its server and its service outlive it.
    const server = up.value.embeddedPostgres!
    expect(alive(server.pid!)).toBe(true)
    expect(await listening(server.port!)).toBe(true)
    expect(server.dataDir.startsWith(path.join(root, "envs", name))).toBe(true)
    const api = up.value.services[0]!
    expect(await fetch(api.url!).then((r) => r.text())).toBe("ok")
    expect(Exit.isSuccess(await run(Environments.down(name)))).toBe(true)
    expect(alive(server.pid!)).toBe(false)
    expect(await listening(server.port!)).toBe(false)
    expect(await listening(api.port!)).toBe(false)
    expect(fs.existsSync(server.dataDir)).toBe(false)
    expect(processesOf(name)).toEqual([])
  }, 120_000)

  it("a SIGKILLed detached up on the embedded defaults is cleaned by down", async () => {
    for (const phase of ["[provision] api.db: creating", "[start] component:default/api: starting"]) {
      const name = envName("killed")
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [
          path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "--conditions=@paved/source", path.join(here, "up-child.ts"), root, name, templateDir
        ], { stdio: ["ignore", "pipe", "pipe"], detached: true })
        let out = ""
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString()
          if (out.includes(phase)) {
            // The whole command (tsx and the node process it runs) dies at once, as with kill -9.
            process.kill(-child.pid!, "SIGKILL")
          }
        })
        child.once("exit", () => (out.includes(phase) ? resolve() : reject(new Error(`the child ended before "${phase}":\n${out}`))))
      })
      const down = await run(Environments.down(name))
      if (Exit.isFailure(down)) throw new Error(String(down.cause))
      expect(processesOf(name)).toEqual([])
      expect(fs.existsSync(path.join(root, "envs", name))).toBe(false)
    }
  }, 240_000)
})
