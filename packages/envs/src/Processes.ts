/**
 * Local processes: detached process groups with their output in log files, free ports, liveness,
 * and a stop (SIGTERM, grace period, SIGKILL) that first checks the pid still belongs to its
 * owner. One module for everything in Paved that runs or checks a local process: the
 * environments' local runtime, their telemetry and port forwarders, `paved demo` and
 * `paved doctor`.
 *
 * Ownership is checked through /proc on Linux: a process is ours when its environment carries
 * `PAVED_ENV_INSTANCE=<id>` (inherited by everything a service forks) and, for a recorded pid,
 * when its start time matches the one recorded. Elsewhere the recorded start time from `ps`
 * stands in.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as ProcessIdentity from "@paved/provision/ProcessIdentity"
import { alive, startTime } from "@paved/provision/ProcessIdentity"

/**
 * The variable that marks every process of one environment instance.
 *
 * @since 0.2.0
 */
export const INSTANCE_VARIABLE = "PAVED_ENV_INSTANCE"

const hasProc = fs.existsSync("/proc/self/stat")

/**
 * A port nobody listens on right now (bound on 127.0.0.1 by the OS, then released).
 *
 * @since 0.2.0
 */
export const freePort: Effect.Effect<number, Error> = Effect.async<number, Error>((resume) => {
  const server = net.createServer()
  server.unref()
  server.once("error", (error) => resume(Effect.fail(error)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(port > 0 ? Effect.succeed(port) : Effect.fail(new Error("the OS gave no port"))))
  })
})

/**
 * Whether something accepts TCP connections on 127.0.0.1:port.
 *
 * @since 0.2.0
 */
export const portOpen = (port: number, timeoutMs = 500, host = "127.0.0.1"): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const socket = net.connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resume(Effect.succeed(ok))
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    return Effect.sync(() => socket.destroy())
  })

/**
 * The start time of a process (clock ticks since boot on Linux, `ps` lstart elsewhere), and
 * whether it is alive (a zombie is not): `@paved/provision/ProcessIdentity`'s, which the embedded
 * PostgreSQL server's ownership checks use too.
 *
 * @since 0.2.0
 */
export { alive, startTime }

/**
 * The live processes (pid, process group) whose environment carries the instance marker.
 *
 * @since 0.2.0
 */
export const processesOfInstance = (instance: string): ReadonlyArray<{ readonly pid: number; readonly pgid: number }> => {
  if (!hasProc) return []
  const marker = Buffer.from(`${INSTANCE_VARIABLE}=${instance}\0`)
  const found: Array<{ pid: number; pgid: number }> = []
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    if (pid === process.pid) continue
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`)
      if (environ.indexOf(marker) === -1) continue
      const s = ProcessIdentity.stat(pid)
      if (s === undefined || s.state === "Z") continue
      found.push({ pid, pgid: s.pgid })
    } catch {
      // Gone, or not ours to read: either way not a process of this environment.
    }
  }
  return found
}

/**
 * What a service process needs to start.
 *
 * @since 0.2.0
 */
export interface SpawnOptions {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly logFile: string
}

/**
 * A started process: its pid (also its process group id) and start time.
 *
 * @since 0.2.0
 */
export interface Spawned {
  readonly pid: number
  readonly startTime: string | undefined
  /** Resolves with the exit code once the process ends (only while this process lives). */
  readonly exited: () => number | null | undefined
}

/**
 * Starts a process in its own process group (so a kill reaches everything it forks), with stdout
 * and stderr appended to `logFile`, detached from this process so it can outlive it.
 *
 * @since 0.2.0
 */
export const spawnDetached = (options: SpawnOptions): Effect.Effect<Spawned, Error> =>
  Effect.async<Spawned, Error>((resume) => {
    let fd: number
    try {
      fd = fs.openSync(options.logFile, "a")
    } catch (error) {
      resume(Effect.fail(error instanceof Error ? error : new Error(String(error))))
      return
    }
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", fd, fd]
    })
    fs.closeSync(fd)
    let exitCode: number | null | undefined = undefined
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal === null ? null : -1)
    })
    child.once("error", (error) => {
      exitCode = -1
      resume(Effect.fail(error))
    })
    child.once("spawn", () => {
      child.unref()
      const pid = child.pid!
      resume(Effect.succeed({ pid, startTime: startTime(pid), exited: () => exitCode }))
    })
  })

const signalGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is gone already.
  }
}

// Cheap: a signal 0 to the group says whether any member is left. Ownership was checked before
// the group was signalled; a group id cannot be reused while the group has members.
const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

const waitUntil = (check: () => boolean, timeout: Duration.DurationInput): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const deadline = Date.now() + Duration.toMillis(timeout)
    while (Date.now() < deadline) {
      if (check()) return true
      yield* Effect.sleep(Duration.millis(25))
    }
    return check()
  })

/**
 * Whether a recorded process still belongs to us: alive with the recorded start time. A pid that
 * was recycled by the OS has a different start time and is left alone.
 *
 * @since 0.2.0
 */
export const stillOurs = (pid: number, recordedStart: string | undefined): boolean =>
  alive(pid) && (recordedStart === undefined || startTime(pid) === recordedStart)

/**
 * Stops a process group: SIGTERM, a grace period, then SIGKILL. Only groups that are verifiably
 * ours are signalled: the leader with its recorded start time, or (on Linux) members carrying the
 * instance marker. Returns whether the group is gone.
 *
 * @since 0.2.0
 */
export const stopGroup = (options: {
  readonly pgid: number
  readonly startTime: string | undefined
  readonly instance: string | undefined
  readonly grace?: Duration.DurationInput
}): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const { pgid, instance } = options
    const ours = stillOurs(pgid, options.startTime) ||
      (hasProc && instance !== undefined && processesOfInstance(instance).some((p) => p.pgid === pgid))
    if (!ours) return true
    signalGroup(pgid, "SIGTERM")
    const gone = yield* waitUntil(() => !groupAlive(pgid), options.grace ?? Duration.seconds(2))
    if (gone) return true
    signalGroup(pgid, "SIGKILL")
    return yield* waitUntil(() => !groupAlive(pgid), Duration.seconds(2))
  })

/**
 * Stops every process carrying the instance marker (what a recorded pid list might miss).
 *
 * @since 0.2.0
 */
export const stopInstance = (instance: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    const groups = new Set(processesOfInstance(instance).map((p) => p.pgid))
    yield* Effect.forEach(groups, (pgid) => stopGroup({ pgid, startTime: undefined, instance }), { concurrency: "unbounded", discard: true })
  })
