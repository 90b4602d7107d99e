/**
 * `paved doctor`: what this machine offers Paved — the Node.js version, whether `.paved/` can
 * be written, and which local servers answer on their standard ports (used when a team switches
 * from the embedded defaults to real engines).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Processes } from "@paved/envs"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../Output.js"

interface Check {
  readonly check: string
  readonly ok: boolean
  readonly detail: string
}

const servers = [
  { name: "postgresql", port: 5432 },
  { name: "mariadb", port: 3306 },
  { name: "redis", port: 6379 },
  { name: "rabbitmq", port: 5672 },
  { name: "nats", port: 4222 }
] as const

const nodeCheck = (): Check => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  const ok = major > 20 || (major === 20 && minor >= 19)
  return { check: "node", ok, detail: `${process.versions.node}${ok ? "" : " (Paved needs >= 20.19)"}` }
}

const stateDirCheck = (): Check => {
  const dir = path.resolve(".paved")
  try {
    fs.mkdirSync(dir, { recursive: true })
    fs.accessSync(dir, fs.constants.W_OK)
    return { check: "state directory", ok: true, detail: dir }
  } catch (error) {
    return { check: "state directory", ok: false, detail: `${dir}: ${String(error)}` }
  }
}

/**
 * The `doctor` command.
 *
 * @since 0.1.0
 */
export const doctor = Command.make("doctor", { format: Output.format }, ({ format }) =>
  Effect.gen(function*() {
    const local = yield* Effect.forEach(servers, (s) =>
      Processes.portOpen(s.port).pipe(Effect.map((ok): Check => ({
        check: s.name,
        ok,
        detail: ok ? `127.0.0.1:${s.port} answers` : `nothing on 127.0.0.1:${s.port} (embedded defaults still work)`
      }))), { concurrency: "unbounded" })
    const checks = [nodeCheck(), stateDirCheck(), ...local]
    if (format === "json") yield* Output.printJson({ checks })
    else yield* Output.printTable(checks, [
      { header: "check", cell: (c) => c.check },
      { header: "ok", cell: (c) => (c.ok ? "yes" : "no") },
      { header: "detail", cell: (c) => c.detail }
    ])
    if (!checks[0]!.ok || !checks[1]!.ok) return yield* new Output.UsageError({ summary: "this machine cannot run Paved" })
  })
).pipe(Command.withDescription("Check this machine: Node.js version, state directory, local servers"))
