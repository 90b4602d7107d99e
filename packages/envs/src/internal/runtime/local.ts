/**
 * The local process runtime: a service is a detached process group on this machine (its
 * container's `command` + `args`, or the directory's `npm start` script) on a free port given as
 * `PORT`, its output in `<service>.log` in the environment's directory. Every process carries the
 * instance marker, so `down` finds what a recorded pid list misses.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as path from "node:path"
import type { EnvironmentRecord, ServiceRecord } from "../../Environment.js"
import { EnvironmentError, InvalidSpec, ServiceFailed } from "../../Environment.js"
import * as Processes from "../../Processes.js"
import type { ServiceRuntime, Session, StartRequest, Started } from "../../ServiceRuntime.js"
import * as Probe from "../probe.js"

const inherited = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("OTEL_") || key.startsWith("PAVED_") || key.startsWith("npm_") || key.startsWith("VITEST")) continue
    env[key] = value
  }
  return env
}

/** The last lines of a log file ("" when there is none). */
export const tail = (file: string, lines = 20): string => {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return ""
  }
}

/** How a probe is described in a failure. */
export const describeProbe = (probe: Probe.Probe): string =>
  probe._tag === "httpGet"
    ? `GET ${probe.path}`
    : probe._tag === "exec"
    ? `exec ${probe.command.join(" ")}`
    : probe._tag === "alive"
    ? "still running"
    : "TCP connect"

/** The configuration to record: every plain variable, never a secret one. */
export const recordedConfig = (request: StartRequest) => {
  const config: Record<string, string> = {}
  for (const [key, value] of Object.entries(request.variables)) if (!request.secrets.has(key)) config[key] = value
  return { configKeys: Object.keys(request.variables).sort(), config }
}

const session = (environment: string, instance: string, directory: string, keep: Parameters<ServiceRuntime["Type"]["open"]>[0]["keep"], progress: Parameters<ServiceRuntime["Type"]["open"]>[0]["progress"]): Session => ({
  reach: () => Effect.succeed((value: string) => value),
  start: (request) =>
    Effect.gen(function*() {
      const service = request.service
      const failed = (reason: string, logFile?: string) => new ServiceFailed({ environment, ref: service.ref, reason, logFile })
      const port = yield* Processes.freePort.pipe(Effect.mapError((e) => failed(`no free port: ${e.message}`)))
      const logFile = path.join(directory, `${service.name}.log`)
      const env: Record<string, string> = {
        ...inherited(),
        ...request.variables,
        PORT: String(port),
        PAVED_ENVIRONMENT: environment,
        PAVED_ENTITY_REF: service.ref,
        [Processes.INSTANCE_VARIABLE]: instance
      }
      const [command, ...args] = service.command
      yield* progress(service.hasPorts ? `starting on port ${port}: ${service.command.join(" ")}` : `starting: ${service.command.join(" ")}`, service.ref)
      const spawned = yield* Effect.acquireRelease(
        Processes.spawnDetached({ command: command!, args, cwd: service.directory, env, logFile }).pipe(
          Effect.mapError((e) => failed(`could not start ${service.command.join(" ")}: ${e.message}`, logFile))
        ),
        (child, exit) =>
          keep(exit)
            ? Effect.void
            : Processes.stopGroup({ pgid: child.pid, startTime: child.startTime, instance }).pipe(Effect.timeout(Duration.seconds(10)), Effect.ignore)
      )
      yield* Probe.waitReady(service.probe, { port, cwd: service.directory, env }, spawned.exited, request.readyTimeout).pipe(
        Effect.mapError((notReady) => {
          const why = notReady._tag === "exited"
            ? `it exited (code ${notReady.code}) before becoming ready`
            : `its readiness probe (${describeProbe(service.probe)}) did not pass within ${Duration.format(notReady.after)}`
          const output = tail(logFile)
          return failed(output.length > 0 ? `${why}; last output:\n${output}` : why, logFile)
        })
      )
      const url = service.hasPorts ? `http://127.0.0.1:${port}` : undefined
      yield* progress(url === undefined ? "running (no ports)" : `ready at ${url}`, service.ref)
      const record: ServiceRecord = {
        ref: service.ref,
        name: service.name,
        mode: "run",
        status: "ready",
        pid: spawned.pid,
        pgid: spawned.pid,
        ...(spawned.startTime === undefined ? {} : { startTime: spawned.startTime }),
        ...(url === undefined ? {} : { port, url }),
        logFile,
        ...(service.version === undefined ? {} : { version: service.version }),
        command: service.command,
        ...recordedConfig(request)
      }
      return { record, endpoint: url === undefined ? undefined : { url, host: "127.0.0.1", port } } satisfies Started
    })
})

/** A log file's last lines, then (with `follow`) what is appended to it. */
export const fileLogs = (
  environment: string,
  file: string,
  options: { readonly lines: number; readonly follow: boolean }
): Stream.Stream<string, EnvironmentError> =>
  Stream.unwrap(Effect.gen(function*() {
    const readFrom = (offset: number) =>
      Effect.try({
        try: () => {
          const size = fs.statSync(file).size
          if (size <= offset) return { offset: size, text: "" }
          const fd = fs.openSync(file, "r")
          try {
            const buffer = Buffer.alloc(size - offset)
            fs.readSync(fd, buffer, 0, buffer.length, offset)
            return { offset: size, text: buffer.toString("utf8") }
          } finally {
            fs.closeSync(fd)
          }
        },
        catch: (e) => new EnvironmentError({ environment, operation: `reading ${file}`, reason: String(e) })
      })
    const first = yield* readFrom(0)
    const initial = first.text.split("\n").filter((l, i, all) => l.length > 0 || i < all.length - 1)
    const head = Stream.fromIterable(initial.slice(-options.lines))
    if (!options.follow) return head
    let offset = first.offset
    let partial = ""
    const more = Stream.repeatEffectWithSchedule(
      readFrom(offset).pipe(Effect.map((chunk) => {
        offset = chunk.offset
        const lines = (partial + chunk.text).split("\n")
        partial = lines.pop() ?? ""
        return lines
      })),
      Schedule.spaced(Duration.millis(250))
    ).pipe(Stream.flattenIterables)
    return Stream.concat(head, more)
  }))

/** Stops the recorded process groups of an environment, then anything else carrying its marker. */
export const stopProcesses = (record: EnvironmentRecord, instance: string, report: (subject: string, detail: string) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const groups = record.services.filter((s) => s.mode === "run" && s.pgid !== undefined).map((s) => ({ subject: s.ref, pgid: s.pgid!, startTime: s.startTime }))
    yield* Effect.forEach(groups, (g) =>
      report(g.subject, `stopping process group ${g.pgid}`).pipe(
        Effect.zipRight(Processes.stopGroup({ pgid: g.pgid, startTime: g.startTime, instance }))
      ), { concurrency: "unbounded", discard: true })
  })

/** The local process runtime. */
export const make = (): ServiceRuntime["Type"] => ({
  kind: "local",
  open: (request) =>
    Effect.gen(function*() {
      const commandless = request.services.filter((s) => s.command.length === 0)
      if (commandless.length > 0) {
        return yield* new InvalidSpec({
          reason: commandless.map((s) =>
            `${s.file}: container "${s.container}" has no command, and ${s.directory} has no package.json start script; ` +
            `the local runtime runs commands (use --runtime docker to run its image ${s.image})`
          ).join("\n")
        })
      }
      return session(request.environment, request.instance, request.directory, request.keep, request.progress)
    }),
  health: (service) =>
    Effect.gen(function*() {
      const alive = service.pid !== undefined && Processes.stillOurs(service.pid, service.startTime)
      if (!alive) return false
      return service.port === undefined ? true : yield* Processes.portOpen(service.port)
    }),
  logs: (environment, service, options) =>
    service.logFile === undefined
      ? Stream.fail(new EnvironmentError({ environment: environment.name, operation: `reading the output of ${service.ref}`, reason: "no log file is recorded" }))
      : fileLogs(environment.name, service.logFile, options),
  owned: (instance) =>
    Effect.sync(() => {
      if (instance === undefined) return []
      return [...new Set(Processes.processesOfInstance(instance).map((p) => p.pgid))].map((pgid) => ({
        kind: "process" as const,
        id: String(pgid),
        environment: "",
        instance
      }))
    }),
  remove: (instance, record) =>
    (record === undefined ? Effect.void : stopProcesses(record, instance, () => Effect.void)).pipe(Effect.zipRight(Processes.stopInstance(instance)))
})
