import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Redis } from "ioredis"
import { load } from "../../OptionalDependency.js"
import type { Instance } from "../../Provisioner.js"
import type { TypeProvisioner } from "./common.js"
import { address, attempt, urlWith } from "./common.js"

const withRedis = <A>(url: string, instance: Instance, operation: "ensure" | "remove" | "inspect", f: (r: Redis) => Promise<A>) =>
  Effect.acquireUseRelease(
    attempt(instance, operation, async () => {
      const { Redis } = await load("ioredis", "the redis provisioner", () => import("ioredis"))
      return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 10_000, enableOfflineQueue: true })
    }),
    (r) => attempt(instance, operation, async () => {
      await r.connect()
      return f(r)
    }),
    (r) => Effect.sync(() => r.disconnect())
  )

/**
 * The commands of a Paved Redis user, as ACL rules after its key and channel patterns. Redis ACL
 * key patterns only bind commands that name keys; commands that act on the whole keyspace or on
 * server-wide state ignore them. So the rules allow the data-type, pub/sub, transaction and
 * scripting categories (scripts run with the caller's ACL, key patterns included) plus a few
 * connection commands, and then remove every command that reaches past the prefix: listing or
 * counting keys (SCAN, KEYS, RANDOMKEY, DBSIZE), emptying databases (FLUSHDB, FLUSHALL, SWAPDB,
 * MOVE), server-wide Lua (FUNCTION *, FCALL, SCRIPT FLUSH/KILL/DEBUG), channel introspection
 * (PUBSUB CHANNELS/NUMSUB/...), MIGRATE and debugging commands. CONFIG, INFO, CLIENT LIST/KILL,
 * MONITOR, ACL and the other admin commands are not in the allowed categories. One Redis server
 * is shared; SELECT is allowed, and a key in any database still needs the prefix.
 */
export const aclCommands: ReadonlyArray<string> = [
  "-@all",
  ...["read", "write", "keyspace", "string", "hash", "list", "set", "sortedset", "stream", "bitmap", "hyperloglog", "geo", "pubsub", "transaction", "scripting"]
    .map((c) => `+@${c}`),
  ...["ping", "echo", "hello", "auth", "quit", "reset", "select", "wait", "client|setname", "client|getname", "client|id", "client|info", "client|reply"]
    .map((c) => `+${c}`),
  ...[
    "keys", "scan", "randomkey", "dbsize", "flushdb", "flushall", "swapdb", "move", "migrate", "restore-asking", "pfdebug",
    "function", "fcall", "fcall_ro", "script|flush", "script|kill", "script|debug", "pubsub"
  ].map((c) => `-${c}`)
]

/** An ACL user that can use only keys (`~prefix:*`) and channels (`&prefix:*`) under its own prefix. */
export const redisProvisioner = (url: string): TypeProvisioner => ({
  ensure: (instance, progress) =>
    Effect.gen(function*() {
      const name = instance.name
      const password = Redacted.value(instance.password)
      yield* progress(`redis: ACL user ${name} on ${name}:*`)
      yield* withRedis(url, instance, "ensure", (r) =>
        r.call("ACL", "SETUSER", name, "reset", "on", `>${password}`, `~${name}:*`, `&${name}:*`, ...aclCommands))
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
      const differences: Array<string> = []
      if (keys !== `~${instance.name}:*`) differences.push(`ACL user ${instance.name} may use keys "${keys}", not only ~${instance.name}:*`)
      // DRYRUN answers "OK" when allowed and a sentence saying why not otherwise.
      const dryRun = (...command: Array<string>) => r.call("ACL", "DRYRUN", instance.name, ...command).then((answer) => answer === "OK", () => false)
      for (const command of [["SCAN", "0"], ["FLUSHALL"], ["FUNCTION", "FLUSH"], ["KEYS", "*"]]) {
        if (await dryRun(...command)) differences.push(`ACL user ${instance.name} may run ${command[0]}, which reaches other environments' keys`)
      }
      return differences
    })
})
