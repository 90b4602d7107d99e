// Drift you can repair (issue 17, item 4): a resource dropped or revoked behind Paved's back is
// recreated by the next `apply` (its plan says "repair drift") or by `refresh`, with the
// recorded name and credentials, on every local resource type this machine has a server for.
import { afterAll, describe, expect, it } from "@effect/vitest"
import type { Placeholder } from "@paved/provision"
import { Provision, S3Endpoint } from "@paved/provision"
import { Effect } from "effect"
import { Redis } from "ioredis"
import * as mysql from "mysql2/promise"
import { connect } from "nats"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, one, unique } from "./fixtures.js"

const plain = (o: Placeholder.Outputs) => Provision.reveal({ o })["o"]!
const rt = makeRuntime()
const envs: Array<string> = []
afterAll(async () => {
  for (const env of envs) await rt.run(Provision.destroy(env)).catch(() => undefined)
  await rt.dispose()
})

// Applies one resource, breaks it with `dropIt`, and checks drift, the repairing plan and the result.
const repairCase = async (type: string, dropIt: (outputs: Record<string, string>) => Promise<void>, via: "apply" | "refresh" = "apply") => {
  const env = unique("rep")
  envs.push(env)
  const first = await rt.run(Provision.apply(one(env, type, "res")))
  const outputs = plain(first.outputs["res"]!)
  await dropIt(outputs)
  const drifted = await rt.run(Provision.drift(env))
  expect(drifted.length, `${type} drift after the drop`).toBeGreaterThan(0)
  if (via === "apply") {
    const again = await rt.run(Provision.apply(one(env, type, "res")))
    expect(again.plan.changes.map((c) => [c.resource, c.action])).toEqual([["res", "update"]])
    expect(again.plan.changes[0]!.reason).toMatch(/^repair drift: /)
    expect(plain(again.outputs["res"]!)).toEqual(outputs)
  } else {
    const repaired = await rt.run(Provision.refresh(env))
    expect(repaired).toEqual(drifted)
  }
  expect(await rt.run(Provision.drift(env)), `${type} drift after the repair`).toEqual([])
  // Nothing left to repair: the next plan is a no-op again.
  const settled = await rt.run(Provision.apply(one(env, type, "res")))
  expect(settled.plan.changes.map((c) => c.action)).toEqual(["no-op"])
  return outputs
}

describe("drift repair on the local backend", () => {
  it("s3: a deleted bucket and revoked key come back with the same key (apply), and through refresh", async () => {
    const s3Dir = path.join(rt.dir, "s3")
    const drop = async (o: Record<string, string>) => {
      await Effect.runPromise(S3Endpoint.revoke(s3Dir, o.bucket!))
    }
    await repairCase("s3", drop)
    await repairCase("s3", drop, "refresh")
  })

  it("volume: a removed directory comes back (apply and refresh)", async () => {
    const drop = async (o: Record<string, string>) => fs.rmSync(o.path!, { recursive: true })
    const o = await repairCase("volume", drop)
    expect(fs.statSync(o.path!).isDirectory()).toBe(true)
    await repairCase("volume", drop, "refresh")
  })

  it.runIf(serverAvailable("postgresql"))("postgres: a dropped database and role come back, and the recorded password works", async () => {
    const o = await repairCase("postgres", async (o) => {
      execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-c", `DROP DATABASE "${o.database}" WITH (FORCE)`, "-c", `DROP ROLE "${o.username}"`])
    })
    execFileSync("psql", [o.url!, "-Atc", "SELECT 1"])
  })

  it.runIf(serverAvailable("mariadb"))("mysql: a dropped database and user come back", async () => {
    const o = await repairCase("mysql", async (o) => {
      const root = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root" })
      await root.query(`DROP DATABASE \`${o.database}\``)
      await root.query(`DROP USER '${o.username}'@'%'`).catch(() => root.query(`DROP USER '${o.username}'`))
      await root.end()
    })
    const c = await mysql.createConnection({ host: o.host, port: Number(o.port), user: o.username, password: o.password, database: o.database })
    await c.query("SELECT 1")
    await c.end()
  })

  it.runIf(serverAvailable("redis"))("redis: a deleted ACL user comes back", async () => {
    const o = await repairCase("redis", async (o) => {
      const admin = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true })
      await admin.connect()
      await admin.call("ACL", "DELUSER", o.username!)
      admin.disconnect()
    })
    const user = new Redis({ host: o.host, port: Number(o.port), username: o.username, password: o.password, lazyConnect: true })
    await user.connect()
    await user.set(`${o.prefix}:k`, "v")
    user.disconnect()
  })

  it.runIf(serverAvailable("rabbitmq"))("amqp: a deleted vhost and user come back", async () => {
    await repairCase("amqp", async (o) => {
      execFileSync("rabbitmqctl", ["--silent", "delete_vhost", o.vhost!])
      execFileSync("rabbitmqctl", ["--silent", "delete_user", o.username!])
    })
  }, 120_000)

  it.runIf(serverAvailable("nats"))("queue: a deleted JetStream stream comes back", async () => {
    await repairCase("queue", async (o) => {
      const nc = await connect({ servers: "127.0.0.1:4222" })
      try {
        await (await nc.jetstreamManager()).streams.delete(o.stream!)
      } finally {
        await nc.close()
      }
    })
  })
})
