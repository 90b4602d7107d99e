/**
 * Bench support: the receiver as a user runs it, `paved observe serve` from the built CLI
 * (`packages/cli/dist/bin.js`, which bundles this package: run `npm run build` first), in its
 * own process, so the bench's clients are another process as real exporters are. The child is
 * acquired in the caller's scope: it is stopped with SIGTERM (then SIGKILL after 10 s) when the
 * scope closes, whatever happened, and `stop` lets a case wait for its clean exit (the store
 * closed) before counting what it committed.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The built CLI, when it exists. */
export const cliBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../cli/dist/bin.js")

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100

/** User + system CPU seconds of a process so far, threads included (its WAL checkpointer too). */
const cpuSeconds = (pid: number): number => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
    else child.once("exit", (code) => resolve(code))
  })

export interface ServedReceiver {
  readonly url: string
  readonly pid: number
  /** The server process's CPU seconds so far. */
  readonly cpuSeconds: () => number
  /** SIGTERM, then waits for the exit; dies when it does not exit by itself (0 or 130) within 10 s. */
  readonly stop: () => Effect.Effect<void>
}

/**
 * Starts `paved observe serve --db <db>` on a free port and waits until the port accepts
 * connections (polled every 20 ms, up to 30 s).
 */
export const serveWithCli = (db: string): Effect.Effect<ServedReceiver, Error, Scope.Scope> =>
  Effect.gen(function*() {
    if (!fs.existsSync(cliBin)) return yield* Effect.fail(new Error(`${cliBin} is missing: run npm run build first`))
    const port = yield* Effect.promise(freePort)
    let stderr = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        // BENCH_SERVE_NODE_FLAGS: Node flags for the server, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof.
        const flags = (process.env.BENCH_SERVE_NODE_FLAGS ?? "").split(" ").filter((f) => f !== "")
        const child = spawn(process.execPath, [...flags, cliBin, "observe", "serve", "--port", String(port), "--db", db], {
          stdio: ["ignore", "ignore", "pipe"]
        })
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
        return child
      }),
      (child) =>
        Effect.promise(async () => {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill("SIGTERM")
          const done = await Promise.race([exited(child), new Promise((r) => setTimeout(() => r("timeout"), 10_000))])
          if (done === "timeout") child.kill("SIGKILL")
        })
    )
    const started = Date.now()
    while (!(yield* Effect.promise(() => accepts(port)))) {
      if (child.exitCode !== null) return yield* Effect.fail(new Error(`paved observe serve exited with ${child.exitCode}: ${stderr}`))
      if (Date.now() - started > 30_000) return yield* Effect.fail(new Error(`paved observe serve did not listen on ${port} within 30 s: ${stderr}`))
      yield* Effect.sleep("20 millis")
    }
    return {
      url: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      cpuSeconds: () => cpuSeconds(child.pid!),
      stop: () =>
        Effect.promise(async () => {
          child.kill("SIGTERM")
          const code = await Promise.race([exited(child), new Promise((r) => setTimeout(() => r("timeout"), 10_000))])
          // 130: the CLI's exit code for an interrupted command, which a stop by signal is.
          if (code !== 0 && code !== 130) throw new Error(`paved observe serve stopped with ${String(code)}: ${stderr}`)
        })
    }
  })
