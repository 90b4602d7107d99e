import * as PgClient from "@effect/sql-pg/PgClient"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Provision, Request } from "@paved/provision"
import { Context, Effect, Layer, Redacted } from "effect"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, unique } from "./fixtures.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")
const admin = <A>(f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(Effect.scoped(Layer.build(PgClient.layer({ url: Redacted.make("postgres://postgres@127.0.0.1:5432/postgres") })).pipe(
    Effect.flatMap((ctx) => f(Context.get(ctx, PgClient.PgClient)))
  )))

describe.runIf(serverAvailable("postgresql"))("apply after SIGKILL", () => {
  const rt = makeRuntime()
  const env = unique("k")
  const count = 8
  afterAll(async () => {
    await rt.run(Provision.destroy(env)).catch(() => undefined)
    await rt.dispose()
  })

  it("converges with no duplicate and no leaked database or role", async () => {
    // The child applies with the same .paved directory; it is killed after its second step started.
    // tsx runs as a loader inside the child itself: its CLI would fork, the SIGKILL would hit only
    // the wrapper, and the apply would go on beside the resumed one.
    const child = spawn(process.execPath, [
      "--conditions=@paved/source", "--import", "tsx", path.join(here, "resume-child.ts"), rt.dir, env, String(count)
    ], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] })
    const events: Array<{ tag: string; resource: string }> = []
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const killed = await new Promise<boolean>((resolve) => {
      let buffer = ""
      child.stdout.on("data", (d: Buffer) => {
        buffer += d.toString()
        const lines = buffer.split("\n")
        buffer = lines.pop()!
        for (const line of lines) {
          if (line === "done") continue
          events.push(JSON.parse(line))
          const completed = events.filter((e) => e.tag === "StepCompleted").length
          if (completed >= 2 && events.at(-1)!.tag === "StepStarted") {
            child.kill("SIGKILL")
          }
        }
      })
      child.on("exit", (_code, signal) => resolve(signal === "SIGKILL"))
    })
    expect(killed, `the child finished before it could be killed: ${stderr}`).toBe(true)
    const completedBefore = events.filter((e) => e.tag === "StepCompleted").length
    expect(completedBefore).toBeLessThan(count)

    const requests = Array.from({ length: count }, (_, i) => Request.make({ key: `db${i}`, type: "postgres" }))
    const plan = await rt.run(Provision.plan({ env, envType: "development", requests }))
    expect(plan.changes.filter((c) => c.action === "no-op").length).toBeGreaterThanOrEqual(completedBefore)
    const result = await rt.run(Provision.apply({ env, envType: "development", requests }))
    expect(Object.keys(result.outputs).length).toBe(count)
    expect(await rt.run(Provision.drift(env))).toEqual([])

    const names = Object.values(result.outputs).map((o) => String(o["database"])).sort()
    expect(new Set(names).size).toBe(count)
    const prefix = names[0]!.replace(/db0$/, "")
    const dbs = await admin((sql) => sql<{ datname: string }>`SELECT datname FROM pg_database WHERE datname LIKE ${prefix + "%"} ORDER BY datname`)
    const roles = await admin((sql) => sql<{ rolname: string }>`SELECT rolname FROM pg_roles WHERE rolname LIKE ${prefix + "%"} ORDER BY rolname`)
    expect(dbs.map((r) => r.datname)).toEqual(names)
    expect(roles.map((r) => r.rolname)).toEqual(names)

    // Every recorded password opens its database: the resumed step reused the recorded one.
    for (const o of Object.values(result.outputs)) {
      const url = Redacted.value(o["url"] as Redacted.Redacted<string>)
      await Effect.runPromise(Effect.scoped(Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })).pipe(
        Effect.flatMap((ctx) => Context.get(ctx, PgClient.PgClient)`SELECT 1`)
      )))
    }
    const journal = await rt.run(Effect.flatMap(Provision.journal(env), Effect.succeed))
    expect(journal.filter((e) => e.phase === "completed").length).toBeGreaterThanOrEqual(count)
  }, 120_000)
})
