/**
 * What the environment suites share: the fixture catalog, a temporary state directory, and the
 * checks that nothing was left behind (processes, ports, databases, files).
 */
import { Catalog } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const shop = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "shop")

export const loadShop = Effect.map(Catalog.load([shop]), (r) => r.entities)

export const pgUrl = "postgres://postgres@127.0.0.1:5432/postgres"

/** A temporary directory removed when the scope closes. */
export const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), prefix))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

/** An environment name that no parallel run uses. */
export const envName = (prefix: string) => `${prefix}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 6)}`

/** Pids of live processes whose environment says they belong to the named environment. */
export const processesOf = (environment: string): ReadonlyArray<number> => {
  const marker = Buffer.from(`PAVED_ENVIRONMENT=${environment}\0`)
  const pids: Array<number> = []
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    try {
      const environ = fs.readFileSync(`/proc/${name}/environ`)
      const state = fs.readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]?.[0]
      if (environ.indexOf(marker) !== -1 && state !== "Z") pids.push(Number(name))
    } catch {
      // gone
    }
  }
  return pids
}

/** Whether something listens on 127.0.0.1:port. */
export const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** The databases on the local server whose name starts with the prefix. */
export const databasesLike = (prefix: string): ReadonlyArray<string> =>
  execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-Atc", `SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%' ORDER BY 1`])
    .toString().split("\n").filter((l) => l.length > 0)

/** The roles on the local server whose name starts with the prefix. */
export const rolesLike = (prefix: string): ReadonlyArray<string> =>
  execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-Atc", `SELECT rolname FROM pg_roles WHERE rolname LIKE '${prefix}%' ORDER BY 1`])
    .toString().split("\n").filter((l) => l.length > 0)

/** GETs a JSON document. */
export const getJson = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, body: await response.json() as Record<string, unknown> }
  })
