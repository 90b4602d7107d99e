/**
 * Starting one service: port, variables (placeholders resolved against resource outputs, other
 * services' URLs, overlays, OTel settings), a detached process group with its output in a log
 * file, and the readiness probe. Acquired with `acquireRelease`, so a failure anywhere in `up`
 * stops it again.
 */
import type * as Provisioner from "@paved/provision/Provisioner"
import * as Placeholder from "@paved/provision/Placeholder"
import * as ResourceType from "@paved/provision/ResourceType"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as path from "node:path"
import type { ServiceRecord } from "../Environment.js"
import { ServiceFailed } from "../Environment.js"
import * as Probe from "./probe.js"
import * as Processes from "./process.js"
import type { ServiceSpec } from "./workload.js"

/** The URL and port of a service other services may reach. */
export interface Endpoint {
  readonly url: string
  readonly host: string
  readonly port: number
}

/** What starting a service needs from the environment. */
export interface StartContext {
  readonly environment: string
  readonly instance: string
  readonly directory: string
  readonly overlays: Readonly<Record<string, string>>
  readonly outputs: ReadonlyMap<string, Readonly<Record<string, Placeholder.Outputs>>>
  readonly endpoints: ReadonlyMap<string, Endpoint>
  readonly otel: (service: ServiceSpec) => Readonly<Record<string, string>>
  readonly readyTimeout: Duration.Duration
  readonly keep: (exit: Exit.Exit<unknown, unknown>) => boolean
  readonly progress: (detail: string, subject: string) => Effect.Effect<void>
}

const inherited = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("OTEL_") || key.startsWith("PAVED_") || key.startsWith("npm_") || key.startsWith("VITEST")) continue
    env[key] = value
  }
  return env
}

const tail = (file: string, lines = 20): string => {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return ""
  }
}

/** The resolved variables of a service: plain values, and the names of the secret ones. */
export const resolveVariables = (
  service: ServiceSpec,
  context: Pick<StartContext, "outputs" | "endpoints" | "overlays" | "environment">
): { readonly values: Record<string, string>; readonly secrets: ReadonlySet<string>; readonly problems: ReadonlyArray<string> } => {
  const outputs: Record<string, Placeholder.Outputs> = { ...(context.outputs.get(service.ref) ?? {}) }
  for (const [resource, target] of Object.entries(service.serviceResources)) {
    const endpoint = context.endpoints.get(target)
    if (endpoint !== undefined) outputs[resource] = { url: endpoint.url, host: endpoint.host, hostname: endpoint.host, port: String(endpoint.port) }
  }
  const metadata = { ...service.workload.metadata, environment: context.environment }
  const values: Record<string, string> = {}
  const secrets = new Set<string>()
  const problems: Array<string> = []
  for (const [key, raw] of Object.entries(service.variables)) {
    const { unresolved, value } = Placeholder.substitute(raw, metadata, outputs)
    for (const u of unresolved) problems.push(`${key}: \${${u.placeholder}}: ${u.reason}`)
    if (Redacted.isRedacted(value)) {
      secrets.add(key)
      values[key] = Redacted.value(value)
    } else values[key] = value
  }
  for (const [key, value] of Object.entries(context.overlays)) values[key] = value
  return { values, secrets, problems }
}

/** Non-secret outputs of a resource, for the record. */
export const plainOutputs = (type: string, outputs: Placeholder.Outputs): Record<string, string> => {
  const plain: Record<string, string> = {}
  for (const [key, value] of Object.entries(outputs)) {
    if (!Redacted.isRedacted(value) && !ResourceType.isSecret(type, key)) plain[key] = value
  }
  return plain
}

/**
 * Starts a service and waits until it is ready. The process group is stopped when the scope
 * closes, unless `keep` says the environment outlives it (a successful detached `up`).
 */
export const startService = (
  service: ServiceSpec,
  context: StartContext
): Effect.Effect<ServiceRecord, ServiceFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const failed = (reason: string, logFile?: string) =>
      new ServiceFailed({ environment: context.environment, ref: service.ref, reason, logFile })
    const port = yield* Processes.freePort.pipe(Effect.mapError((e) => failed(`no free port: ${e.message}`)))
    const { problems, secrets, values } = resolveVariables(service, context)
    if (problems.length > 0) return yield* failed(`unresolved placeholders: ${problems.join("; ")}`)
    const logFile = path.join(context.directory, `${service.name}.log`)
    const env: Record<string, string> = {
      ...inherited(),
      ...context.otel(service),
      ...values,
      PORT: String(port),
      PAVED_ENVIRONMENT: context.environment,
      PAVED_ENTITY_REF: service.ref,
      [Processes.INSTANCE_VARIABLE]: context.instance
    }
    const [command, ...args] = service.command
    yield* context.progress(`starting on port ${port}: ${service.command.join(" ")}`, service.ref)
    const spawned = yield* Effect.acquireRelease(
      Processes.spawnDetached({ command: command!, args, cwd: service.directory, env, logFile }).pipe(
        Effect.mapError((e) => failed(`could not start ${service.command.join(" ")}: ${e.message}`, logFile))
      ),
      (child, exit) =>
        context.keep(exit)
          ? Effect.void
          : Processes.stopGroup({ pgid: child.pid, startTime: child.startTime, instance: context.instance }).pipe(
            Effect.timeout(Duration.seconds(10)),
            Effect.ignore
          )
    )
    yield* Probe.waitReady(service.probe, { port, cwd: service.directory, env }, spawned.exited, context.readyTimeout).pipe(
      Effect.mapError((notReady) => {
        const why = notReady._tag === "exited"
          ? `it exited (code ${notReady.code}) before becoming ready`
          : `its readiness probe (${describeProbe(service.probe)}) did not pass within ${Duration.format(notReady.after)}`
        const output = tail(logFile)
        return failed(output.length > 0 ? `${why}; last output:\n${output}` : why, logFile)
      })
    )
    const url = `http://127.0.0.1:${port}`
    yield* context.progress(`ready at ${url}`, service.ref)
    const config: Record<string, string> = {}
    for (const [key, value] of Object.entries(values)) if (!secrets.has(key)) config[key] = value
    return {
      ref: service.ref,
      name: service.name,
      mode: "run",
      status: "ready",
      pid: spawned.pid,
      pgid: spawned.pid,
      ...(spawned.startTime === undefined ? {} : { startTime: spawned.startTime }),
      port,
      url,
      logFile,
      ...(service.version === undefined ? {} : { version: service.version }),
      command: service.command,
      configKeys: Object.keys(values).sort(),
      config
    } satisfies ServiceRecord
  })

const describeProbe = (probe: Probe.Probe): string =>
  probe._tag === "httpGet" ? `GET ${probe.path}` : probe._tag === "exec" ? `exec ${probe.command.join(" ")}` : "TCP connect"

/** The provisioner's progress callback, forwarded to the environment's progress. */
export const provisionProgress = (
  progress: StartContext["progress"],
  subject: string
): Provisioner.Progress => (message) => progress(message, subject)
