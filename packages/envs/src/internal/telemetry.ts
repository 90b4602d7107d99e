/**
 * Where an environment's services send telemetry: nowhere, a shared OTLP endpoint, a receiver
 * in this process (lives as long as the environment's scope), or a receiver process started for
 * the environment (outlives a detached `up`; stopped by `down`).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as path from "node:path"
import type { TelemetryRecord } from "../Environment.js"
import { EnvironmentError } from "../Environment.js"
import * as Processes from "../Processes.js"

/** The telemetry choice of an environment (see `Environments.Telemetry`). */
export type Telemetry =
  | { readonly _tag: "Off" }
  | { readonly _tag: "Shared"; readonly endpoint: string }
  | {
    readonly _tag: "InProcess"
    /** Starts a receiver for the scope and gives its base URL (e.g. `Receiver.serve` from `@paved/observe`). */
    readonly serve: Effect.Effect<{ readonly url: string }, unknown, Scope.Scope>
  }
  | {
    readonly _tag: "Process"
    /**
     * The receiver's command; `{port}` and `{dir}` are replaced by a free port and the
     * environment's directory, e.g. `["paved", "observe", "serve", "--port", "{port}", "--db", "{dir}/telemetry.db"]`.
     */
    readonly command: ReadonlyArray<string>
    readonly spanStore?: string | undefined
  }

/** Starts (or points at) the environment's telemetry endpoint. */
export const start = (
  telemetry: Telemetry,
  context: {
    readonly environment: string
    readonly instance: string
    readonly directory: string
    readonly keep: (exit: Exit.Exit<unknown, unknown>) => boolean
  }
): Effect.Effect<TelemetryRecord, EnvironmentError, Scope.Scope> => {
  const failed = (reason: string) => new EnvironmentError({ environment: context.environment, operation: "starting telemetry", reason })
  switch (telemetry._tag) {
    case "Off":
      return Effect.succeed({ mode: "off" })
    case "Shared":
      return Effect.succeed({ mode: "shared", endpoint: telemetry.endpoint })
    case "InProcess":
      return telemetry.serve.pipe(
        Effect.map((r): TelemetryRecord => ({ mode: "embedded", endpoint: r.url })),
        Effect.mapError((e) => failed(e instanceof Error ? e.message : String(e)))
      )
    case "Process":
      return Effect.gen(function*() {
        const port = yield* Processes.freePort.pipe(Effect.mapError((e) => failed(e.message)))
        const [command, ...args] = telemetry.command.map((part) =>
          part.replaceAll("{port}", String(port)).replaceAll("{dir}", context.directory)
        )
        if (command === undefined) return yield* failed("the receiver command is empty")
        const logFile = path.join(context.directory, "telemetry.log")
        const env: Record<string, string> = {}
        for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("OTEL_")) env[k] = v
        env[Processes.INSTANCE_VARIABLE] = context.instance
        env.PAVED_ENVIRONMENT = context.environment
        const spawned = yield* Effect.acquireRelease(
          Processes.spawnDetached({ command, args, cwd: context.directory, env, logFile }).pipe(Effect.mapError((e) => failed(e.message))),
          (child, exit) =>
            context.keep(exit)
              ? Effect.void
              : Processes.stopGroup({ pgid: child.pid, startTime: child.startTime, instance: context.instance }).pipe(
                Effect.timeout(Duration.seconds(10)),
                Effect.ignore
              )
        )
        const deadline = Date.now() + 45_000
        while (!(yield* Processes.portOpen(port))) {
          if (spawned.exited() !== undefined) return yield* failed(`the receiver exited; see ${logFile}`)
          if (Date.now() > deadline) return yield* failed(`the receiver did not listen on port ${port} within 45s; see ${logFile}`)
          yield* Effect.sleep(Duration.millis(50))
        }
        return {
          mode: "embedded",
          endpoint: `http://127.0.0.1:${port}`,
          pid: spawned.pid,
          ...(spawned.startTime === undefined ? {} : { startTime: spawned.startTime }),
          ...(telemetry.spanStore === undefined ? {} : { spanStore: telemetry.spanStore.replaceAll("{dir}", context.directory) })
        } satisfies TelemetryRecord
      })
  }
}
