/**
 * Readiness probes, as Score (and Kubernetes) write them: `httpGet` (2xx/3xx is ready) and
 * `exec` (exit code 0 is ready); without a probe, an open TCP port is ready, and a worker without
 * ports is ready when it is still running half a second after it started.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import * as http from "node:http"
import { portOpen } from "../Processes.js"

/** A readiness probe of a Score container. */
export type Probe =
  | { readonly _tag: "httpGet"; readonly path: string; readonly headers: ReadonlyArray<{ readonly name: string; readonly value: string }> }
  | { readonly _tag: "exec"; readonly command: ReadonlyArray<string> }
  | { readonly _tag: "tcp" }
  | { readonly _tag: "alive" }

const httpReady = (port: number, path: string, headers: ReadonlyArray<{ readonly name: string; readonly value: string }>) =>
  Effect.async<boolean>((resume) => {
    const request = http.get({
      host: "127.0.0.1",
      port,
      path,
      timeout: 1_000,
      headers: Object.fromEntries(headers.map((h) => [h.name, h.value]))
    }, (response) => {
      response.resume()
      const status = response.statusCode ?? 0
      resume(Effect.succeed(status >= 200 && status < 400))
    })
    request.once("timeout", () => request.destroy())
    request.once("error", () => resume(Effect.succeed(false)))
    return Effect.sync(() => request.destroy())
  })

const execReady = (command: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>>) =>
  Effect.async<boolean>((resume) => {
    if (command.length === 0) {
      resume(Effect.succeed(false))
      return
    }
    const child = execFile(command[0]!, command.slice(1), { cwd, env, timeout: 5_000 }, (error) => resume(Effect.succeed(error === null)))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Runs a probe once. */
export const check = (probe: Probe, context: { readonly port: number; readonly cwd: string; readonly env: Readonly<Record<string, string>> }) => {
  switch (probe._tag) {
    case "httpGet":
      return httpReady(context.port, probe.path, probe.headers)
    case "exec":
      return execReady(probe.command, context.cwd, context.env)
    case "tcp":
      return portOpen(context.port)
    case "alive":
      return Effect.succeed(true)
  }
}

/** Why waiting ended without the service being ready. */
export type NotReady = { readonly _tag: "exited"; readonly code: number | null } | { readonly _tag: "timeout"; readonly after: Duration.Duration }

/**
 * Polls the probe until it passes, the process exits, or the timeout runs out.
 */
export const waitReady = (
  probe: Probe,
  context: { readonly port: number; readonly cwd: string; readonly env: Readonly<Record<string, string>> },
  exited: () => number | null | undefined,
  timeout: Duration.Duration
): Effect.Effect<void, NotReady> =>
  Effect.gen(function*() {
    const deadline = Date.now() + Duration.toMillis(timeout)
    // "Alive" means alive for a moment: a worker that exits at once is not ready.
    if (probe._tag === "alive") yield* Effect.sleep(Duration.millis(500))
    let delay = 20
    while (true) {
      const code = exited()
      if (code !== undefined) return yield* Effect.fail<NotReady>({ _tag: "exited", code })
      if (yield* check(probe, context)) return
      if (Date.now() >= deadline) return yield* Effect.fail<NotReady>({ _tag: "timeout", after: timeout })
      yield* Effect.sleep(Duration.millis(delay))
      delay = Math.min(delay * 2, 250)
    }
  })
