import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { execFile } from "node:child_process"
import type { Instance } from "../../Provisioner.js"
import type { TypeProvisioner } from "./common.js"
import { address, attempt, urlWith } from "./common.js"

// rabbitmqctl needs no plugin and is on PATH wherever RabbitMQ runs; each call is a short-lived
// Erlang node, so calls are few and run with a timeout. A password never goes on the command
// line (every local user can read /proc/*/cmdline): add_user and change_password read it from
// standard input when it is left out.
const ctl = (instance: Instance, operation: "ensure" | "remove" | "inspect", args: ReadonlyArray<string>, stdin?: string) =>
  attempt(instance, operation, () =>
    new Promise<string>((resolve, reject) => {
      const child = execFile("rabbitmqctl", ["--silent", ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`rabbitmqctl ${args[0]}: ${(stderr || stdout || error.message).trim().split("\n").slice(0, 3).join(" ")}`))
        else resolve(stdout)
      })
      child.stdin?.on("error", () => undefined)
      child.stdin?.end(stdin ?? "")
    }))

const lines = (out: string) => out.split("\n").map((l) => l.split("\t")[0]!.trim()).filter((l) => l.length > 0)

/** A virtual host and a user whose permissions cover that virtual host only. */
export const amqpProvisioner = (url: string): TypeProvisioner => ({
  ensure: (instance, progress) =>
    Effect.gen(function*() {
      const name = instance.name
      const password = Redacted.value(instance.password)
      yield* progress(`rabbitmq: vhost and user ${name}`)
      // Each rabbitmqctl call starts an Erlang node (about a second), so the common path makes
      // three calls: add_vhost is idempotent, and add_user falls back to change_password.
      yield* ctl(instance, "ensure", ["add_vhost", name])
      yield* ctl(instance, "ensure", ["add_user", name], password).pipe(
        Effect.catchIf((e) => /already.exists|user_already_exists/i.test(e.detail), () => ctl(instance, "ensure", ["change_password", name], password))
      )
      yield* ctl(instance, "ensure", ["set_permissions", "-p", name, name, ".*", ".*", ".*"])
      const a = address(url, 5672)
      return {
        host: a.host,
        port: String(a.port),
        vhost: name,
        username: name,
        password: Redacted.make(password),
        url: Redacted.make(urlWith("amqp", name, password, a.host, a.port, `/${encodeURIComponent(name)}`))
      }
    }),
  remove: (instance, progress) =>
    Effect.gen(function*() {
      yield* progress(`rabbitmq: delete user and vhost ${instance.name}`)
      const gone = (e: { readonly detail: string }) => /not.exist|no_such|not_found|does not exist/i.test(e.detail)
      yield* ctl(instance, "remove", ["delete_user", instance.name]).pipe(Effect.catchIf(gone, () => Effect.succeed("")))
      yield* ctl(instance, "remove", ["delete_vhost", instance.name]).pipe(Effect.catchIf(gone, () => Effect.succeed("")))
    }),
  inspect: (instance) =>
    Effect.gen(function*() {
      const differences: Array<string> = []
      const vhosts = lines(yield* ctl(instance, "inspect", ["list_vhosts", "name"]))
      if (!vhosts.includes(instance.name)) differences.push(`vhost ${instance.name} does not exist`)
      const users = lines(yield* ctl(instance, "inspect", ["list_users"]))
      if (!users.includes(instance.name)) differences.push(`user ${instance.name} does not exist`)
      else if (vhosts.includes(instance.name)) {
        const perms = lines(yield* ctl(instance, "inspect", ["list_permissions", "-p", instance.name]))
        if (!perms.includes(instance.name)) differences.push(`user ${instance.name} has no permissions on vhost ${instance.name}`)
      }
      return differences
    })
})
