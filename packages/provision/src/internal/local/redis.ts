import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Redis } from "ioredis"
import type { Instance } from "../../Provisioner.js"
import type { TypeProvisioner } from "./common.js"
import { address, attempt, urlWith } from "./common.js"

const withRedis = <A>(url: string, instance: Instance, operation: "ensure" | "remove" | "inspect", f: (r: Redis) => Promise<A>) =>
  Effect.acquireUseRelease(
    attempt(instance, operation, async () => {
      const { Redis } = await import("ioredis")
      return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 10_000, enableOfflineQueue: true })
    }),
    (r) => attempt(instance, operation, async () => {
      await r.connect()
      return f(r)
    }),
    (r) => Effect.sync(() => r.disconnect())
  )

/**
 * An ACL user that can use only keys (`~prefix:*`) and channels (`&prefix:*`) under its own
 * prefix, and no dangerous or admin commands.
 */
export const redisProvisioner = (url: string): TypeProvisioner => ({
  ensure: (instance, progress) =>
    Effect.gen(function*() {
      const name = instance.name
      const password = Redacted.value(instance.password)
      yield* progress(`redis: ACL user ${name} on ${name}:*`)
      yield* withRedis(url, instance, "ensure", (r) =>
        r.call("ACL", "SETUSER", name, "reset", "on", `>${password}`, `~${name}:*`, `&${name}:*`, "+@all", "-@dangerous", "-@admin"))
      const a = address(url, 6379)
      return {
        host: a.host,
        port: String(a.port),
        username: name,
        password: Redacted.make(password),
        prefix: `${name}:`,
        url: Redacted.make(urlWith("redis", name, password, a.host, a.port, ""))
      }
    }),
  remove: (instance, progress) =>
    Effect.zipRight(
      progress(`redis: delete ACL user ${instance.name} and its keys`),
      withRedis(url, instance, "remove", async (r) => {
        await r.call("ACL", "DELUSER", instance.name)
        let cursor = "0"
        do {
          const [next, keys] = await r.scan(cursor, "MATCH", `${instance.name}:*`, "COUNT", 500)
          if (keys.length > 0) await r.del(...keys)
          cursor = next
        } while (cursor !== "0")
      })
    ),
  inspect: (instance) =>
    withRedis(url, instance, "inspect", async (r) => {
      const user = await r.call("ACL", "GETUSER", instance.name)
      if (user === null) return [`ACL user ${instance.name} does not exist`]
      const fields = user as Array<unknown>
      const keysAt = fields.indexOf("keys")
      const keys = keysAt >= 0 ? String(fields[keysAt + 1]) : ""
      return keys.includes(`~${instance.name}:*`) ? [] : [`ACL user ${instance.name} may use keys "${keys}", not only ~${instance.name}:*`]
    })
})
