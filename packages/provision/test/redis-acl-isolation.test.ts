/**
 * Attack of the security review (defect 7): Redis ACL key patterns bind only commands that name
 * keys, so SCAN, RANDOMKEY, DBSIZE, FUNCTION *, SCRIPT FLUSH and friends let one environment's
 * user list, count, read or wipe what belongs to another. Two environments are provisioned on the
 * real server; A attacks B, and A's ordinary work still has to succeed.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Provision, Request } from "@paved/provision"
import { Redacted } from "effect"
import { Redis } from "ioredis"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, unique } from "./fixtures.js"

const tags = { owner: "group:default/team", system: "shop", "cost-centre": "cc-1" }
const target = (env: string): Provision.Target => ({
  env,
  envType: "development",
  requests: [Request.make({ key: "web.cache", type: "redis", tags })]
})

const client = (outputs: Provision.ApplyResult["outputs"][string]) =>
  new Redis({
    host: "127.0.0.1",
    port: 6379,
    username: String(outputs["username"]),
    password: Redacted.value(outputs["password"] as Redacted.Redacted<string>),
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    // INFO is denied to environment users (it shows every database's key counts).
    enableReadyCheck: false
  })

describe.runIf(serverAvailable("redis"))("Redis ACLs isolate environments sharing one server", () => {
  const rt = makeRuntime()
  const [envA, envB] = [unique("a"), unique("b")]
  const library = `lib${unique("b")}`
  const admin = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true })
  afterAll(async () => {
    for (const name of [library, `${library}x`]) await admin.call("FUNCTION", "DELETE", name).catch(() => undefined)
    admin.disconnect()
    await rt.run(Provision.destroy(envA)).catch(() => undefined)
    await rt.run(Provision.destroy(envB)).catch(() => undefined)
    await rt.dispose()
  })

  it("A cannot list, count, read or delete B's keys and functions; A's own commands work", async () => {
    const outA = (await rt.run(Provision.apply(target(envA)))).outputs["web.cache"]!
    const outB = (await rt.run(Provision.apply(target(envB)))).outputs["web.cache"]!
    const [a, b] = [client(outA), client(outB)]
    await Promise.all([a.connect(), b.connect(), admin.connect()])
    try {
      const prefixA = String(outA["prefix"])
      const prefixB = String(outB["prefix"])
      await b.set(`${prefixB}session:alice`, "token-of-alice")
      // B's Lua library (loaded by an operator: environments cannot load functions themselves).
      await expect(b.call("FUNCTION", "LOAD", `#!lua name=${library}x\nredis.register_function('f', function() return 1 end)`))
        .rejects.toThrow(/NOPERM/)
      await admin.call("FUNCTION", "LOAD", `#!lua name=${library}\nredis.register_function('${library}get', function(k) return redis.call('GET', k[1]) end)`)

      const denied: ReadonlyArray<ReadonlyArray<string>> = [
        ["SCAN", "0"],
        ["SCAN", "0", "MATCH", `${prefixB}*`],
        ["KEYS", "*"],
        ["RANDOMKEY"],
        ["DBSIZE"],
        ["FLUSHDB"],
        ["FLUSHALL"],
        ["SWAPDB", "0", "1"],
        ["FUNCTION", "LIST", "WITHCODE"],
        ["FUNCTION", "DUMP"],
        ["FUNCTION", "DELETE", library],
        ["FUNCTION", "FLUSH"],
        ["FCALL", `${library}get`, "1", `${prefixB}session:alice`],
        ["SCRIPT", "FLUSH"],
        ["SCRIPT", "KILL"],
        ["CONFIG", "GET", "*"],
        ["INFO", "keyspace"],
        ["CLIENT", "LIST"],
        ["PUBSUB", "CHANNELS"],
        ["MONITOR"],
        ["ACL", "LIST"],
        ["GET", `${prefixB}session:alice`],
        ["DEL", `${prefixB}session:alice`]
      ]
      for (const [command, ...args] of denied) {
        await expect(a.call(command!, ...args), `${command} ${args.join(" ")}`).rejects.toThrow(/NOPERM|denied|permission/i)
      }
      // Scripts run with A's ACL: another prefix's key or a denied command is refused inside them.
      await expect(a.eval("return redis.call('GET', KEYS[1])", 1, `${prefixB}session:alice`)).rejects.toThrow(/NOPERM|access|permission/i)
      await expect(a.eval(`return redis.call('GET', '${prefixB}session:alice')`, 0)).rejects.toThrow(/access|permission|NOPERM/i)
      await expect(a.eval("return redis.call('SCAN', '0')", 0)).rejects.toThrow(/can't run|NOPERM|permission/i)

      // B's key and function survived every attempt.
      expect(await b.get(`${prefixB}session:alice`)).toBe("token-of-alice")
      expect(JSON.stringify(await admin.call("FUNCTION", "LIST", "LIBRARYNAME", library))).toContain(library)

      // A's ordinary work on its own prefix.
      expect(await a.set(`${prefixA}k`, "v", "EX", 60)).toBe("OK")
      expect(await a.get(`${prefixA}k`)).toBe("v")
      expect(await a.ttl(`${prefixA}k`)).toBeGreaterThan(0)
      expect(await a.expire(`${prefixA}k`, 120)).toBe(1)
      await a.hset(`${prefixA}h`, { f: "1", g: "2" })
      expect(await a.hgetall(`${prefixA}h`)).toEqual({ f: "1", g: "2" })
      expect(await a.incr(`${prefixA}n`)).toBe(1)
      await a.lpush(`${prefixA}l`, "x", "y")
      expect(await a.lrange(`${prefixA}l`, 0, -1)).toEqual(["y", "x"])
      await a.zadd(`${prefixA}z`, 1, "one")
      expect(await a.zrange(`${prefixA}z`, 0, -1)).toEqual(["one"])
      expect(await a.exists(`${prefixA}k`)).toBe(1)
      expect(await a.multi().set(`${prefixA}t`, "1").get(`${prefixA}t`).exec()).toEqual([[null, "OK"], [null, "1"]])
      expect(await a.eval("return redis.call('GET', KEYS[1])", 1, `${prefixA}k`)).toBe("v")
      expect(await a.ping()).toBe("PONG")
      expect(await a.select(0)).toBe("OK")
      // Pub/sub on its own channels.
      const subscriber = client(outA)
      await subscriber.connect()
      const received = new Promise<string>((resolve) => subscriber.on("message", (_channel: string, message: string) => resolve(message)))
      await subscriber.subscribe(`${prefixA}events`)
      await a.publish(`${prefixA}events`, "hello")
      expect(await received).toBe("hello")
      await expect(subscriber.subscribe(`${prefixB}events`)).rejects.toThrow(/NOPERM|permission/i)
      subscriber.disconnect()
      expect(await a.del(`${prefixA}k`, `${prefixA}h`, `${prefixA}n`, `${prefixA}l`, `${prefixA}z`, `${prefixA}t`)).toBe(6)
      expect(await rt.run(Provision.drift(envA))).toEqual([])
    } finally {
      a.disconnect()
      b.disconnect()
    }
  }, 120_000)
})
