/**
 * The embedded S3 endpoint as a background process, for buckets that must outlive the command
 * that created them (a detached `paved env up`, `paved provision apply`). One process serves a
 * state directory's `s3/` for every environment in it: it is recorded in `s3/endpoint.json`
 * (pid, port, start time), carries the marker variable `PAVED_S3_ENDPOINT_DIR=<dir>` so that a
 * reused pid is never taken for it, and is stopped when the last bucket of the directory is
 * removed (by `env down`, `env reap` or `provision destroy`). Starting and stopping happen under
 * a lock file, so concurrent applies start one process, not two.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import * as S3Endpoint from "../../S3Endpoint.js"
import * as FileLock from "../fileLock.js"

/** The variable that marks the endpoint process with the directory it serves. */
export const MARKER = "PAVED_S3_ENDPOINT_DIR"

interface EndpointRecord {
  readonly pid: number
  readonly port: number
  readonly startTime?: string | undefined
}

const recordFile = (dir: string) => path.join(dir, "endpoint.json")
const lockFile = (dir: string) => path.join(dir, "endpoint.lock")
const logFile = (dir: string) => path.join(dir, "endpoint.log")

const readRecord = (dir: string): EndpointRecord | undefined => {
  try {
    return JSON.parse(fs.readFileSync(recordFile(dir), "utf8")) as EndpointRecord
  } catch {
    return undefined
  }
}

// The start time of a process in clock ticks since boot (Linux), to tell it from a later one with the same pid.
const startTimeOf = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
  } catch {
    return undefined
  }
}

const carriesMarker = (pid: number, dir: string): boolean => {
  if (!fs.existsSync("/proc/self/environ")) return true
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`${MARKER}=${path.resolve(dir)}`)
  } catch {
    return false
  }
}

const isOurs = (record: EndpointRecord, dir: string) =>
  FileLock.alive(record.pid) && (record.startTime === undefined || startTimeOf(record.pid) === record.startTime) && carriesMarker(record.pid, dir)

const portOpen = (port: number) =>
  Effect.async<boolean>((resume) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    socket.setTimeout(1000)
    const done = (open: boolean) => {
      socket.destroy()
      resume(Effect.succeed(open))
    }
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    socket.once("timeout", () => done(false))
  })

// The preferred port when it is free, else any free one.
const choosePort = (preferred: number | undefined) =>
  Effect.async<number>((resume) => {
    const tryPort = (port: number) => {
      const server = net.createServer()
      server.once("error", () => (port === 0 ? resume(Effect.die(new Error("no free port"))) : tryPort(0)))
      server.listen(port, "127.0.0.1", () => {
        const chosen = (server.address() as net.AddressInfo).port
        server.close(() => resume(Effect.succeed(chosen)))
      })
    }
    tryPort(preferred ?? 0)
  })

const failed = (detail: string) => new S3Endpoint.S3EndpointError({ detail })

const endpointOf = (dir: string, port: number): S3Endpoint.S3Endpoint => ({ url: `http://127.0.0.1:${port}`, port, dir })

const stop = (record: EndpointRecord) =>
  Effect.gen(function*() {
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-record.pid, sig)
      } catch {
        try {
          process.kill(record.pid, sig)
        } catch {
          // gone
        }
      }
    }
    signal("SIGTERM")
    const deadline = Date.now() + 5000
    while (FileLock.alive(record.pid) && Date.now() < deadline) yield* Effect.sleep("50 millis")
    if (FileLock.alive(record.pid)) signal("SIGKILL")
  })

/**
 * The endpoint process serving `dir` (an `s3/` directory): the recorded one when it is still
 * running, else one started now with `command` (`{dir}`: the state directory holding `dir`;
 * `{port}`: the port), on `preferredPort`
 * when that is free so that recorded outputs keep working.
 */
export const ensure = (dir: string, command: ReadonlyArray<string>, preferredPort: number | undefined): Effect.Effect<S3Endpoint.S3Endpoint, S3Endpoint.S3EndpointError> =>
  FileLock.withLock(
    lockFile(dir),
    Effect.gen(function*() {
      const recorded = readRecord(dir)
      if (recorded !== undefined && isOurs(recorded, dir) && (yield* portOpen(recorded.port))) return endpointOf(dir, recorded.port)
      if (recorded !== undefined && isOurs(recorded, dir)) yield* stop(recorded)
      const port = yield* choosePort(preferredPort ?? recorded?.port)
      const [program, ...args] = command.map((part) => part.replaceAll("{dir}", path.dirname(path.resolve(dir))).replaceAll("{port}", String(port)))
      if (program === undefined) return yield* failed("the command of the S3 endpoint process is empty")
      const log = fs.openSync(logFile(dir), "a", 0o600)
      const env: Record<string, string> = {}
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "PAVED_SECRET_KEY" && !k.startsWith("OTEL_")) env[k] = v
      env[MARKER] = path.resolve(dir)
      const child = yield* Effect.try({
        try: () => spawn(program, args, { detached: true, stdio: ["ignore", log, log], env, cwd: dir }),
        catch: (e) => failed(`cannot start ${program}: ${String(e)}`)
      })
      fs.closeSync(log)
      let exited: number | null | undefined
      child.once("exit", (code) => (exited = code))
      child.once("error", () => (exited = -1))
      child.unref()
      const deadline = Date.now() + 30_000
      while (!(yield* portOpen(port))) {
        if (exited !== undefined) return yield* failed(`the endpoint process exited (${exited}); see ${logFile(dir)}`)
        if (Date.now() > deadline) {
          yield* stop({ pid: child.pid!, port })
          return yield* failed(`the endpoint process did not listen on port ${port} within 30s; see ${logFile(dir)}`)
        }
        yield* Effect.sleep("50 millis")
      }
      const record: EndpointRecord = { pid: child.pid!, port, startTime: startTimeOf(child.pid!) }
      fs.writeFileSync(recordFile(dir), JSON.stringify(record), { mode: 0o600 })
      fs.writeFileSync(path.join(dir, "port"), String(port), { mode: 0o600 })
      return endpointOf(dir, port)
    }),
    (detail) => failed(`cannot start the S3 endpoint process: ${detail}`)
  )

/** Stops the recorded endpoint process of `dir` once no bucket is left to serve. */
export const stopIfUnused = (dir: string): Effect.Effect<void, S3Endpoint.S3EndpointError> =>
  Effect.suspend(() =>
    !fs.existsSync(recordFile(dir)) ? Effect.void : FileLock.withLock(
      lockFile(dir),
      Effect.gen(function*() {
        const recorded = readRecord(dir)
        if (recorded === undefined || S3Endpoint.readGrants(dir).length > 0) return
        if (isOurs(recorded, dir)) yield* stop(recorded)
        fs.rmSync(recordFile(dir), { force: true })
      }),
      (detail) => failed(`cannot stop the S3 endpoint process: ${detail}`)
    )
  )
