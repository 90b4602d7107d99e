import * as PgClient from "@effect/sql-pg/PgClient"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Provision, Request } from "@paved/provision"
import { Context, Effect, Exit, Layer, Redacted } from "effect"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, one, unique } from "./fixtures.js"

const connect = <A>(url: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.scoped(Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })).pipe(
    Effect.flatMap((ctx) => f(Context.get(ctx, PgClient.PgClient)))
  ))

const secret = (v: string | Redacted.Redacted<string> | undefined) => (Redacted.isRedacted(v) ? Redacted.value(v) : String(v))

describe.runIf(serverAvailable("postgresql"))("local backend: PostgreSQL server", () => {
  const rt = makeRuntime()
  const envA = unique("a")
  const envB = unique("b")
  afterAll(async () => {
    await rt.run(Provision.destroy(envA)).catch(() => undefined)
    await rt.run(Provision.destroy(envB)).catch(() => undefined)
    await rt.dispose()
  })

  it("creates a database and role per environment that the other environment cannot read", async () => {
    const a = await rt.run(Provision.apply(one(envA, "postgres", "db")))
    const b = await rt.run(Provision.apply(one(envB, "postgres", "db")))
    expect(a.plan.changes.map((c) => c.action)).toEqual(["create"])
    const outA = a.outputs["db"]!
    const outB = b.outputs["db"]!
    expect(Redacted.isRedacted(outA["password"])).toBe(true)
    expect(outA["database"]).not.toBe(outB["database"])
    await Effect.runPromise(connect(secret(outA["url"]), (sql) =>
      Effect.gen(function*() {
        yield* sql`CREATE TABLE orders (id int)`
        yield* sql`INSERT INTO orders VALUES (1)`
      })))
    // B's role may not connect to A's database at all.
    const crossUrl = secret(outB["url"]).replace(`/${outB["database"]}`, `/${outA["database"]}`)
    const cross = await Effect.runPromiseExit(connect(crossUrl, (sql) => sql`SELECT * FROM orders`))
    expect(Exit.isFailure(cross)).toBe(true)
    expect(String(Exit.isFailure(cross) ? cross.cause : "")).toMatch(/permission denied|not permitted|CONNECT/i)
  })

  it("is idempotent: a second apply is all no-ops and keeps the credentials", async () => {
    const before = await rt.run(Provision.outputs(envA))
    const again = await rt.run(Provision.apply(one(envA, "postgres", "db")))
    expect(again.plan.changes.map((c) => c.action)).toEqual(["no-op"])
    expect(secret(again.outputs["db"]!["password"])).toBe(secret(before["db"]!["password"]))
  })

  it("updates in place and replaces when a setting cannot change in place", async () => {
    const before = await rt.run(Provision.outputs(envA))
    const bigger = { ...one(envA, "postgres", "db"), requests: [Request.make({ key: "db", type: "postgres", tags: one(envA, "postgres").requests[0]!.tags, params: { size: "large" } })] }
    const updated = await rt.run(Provision.apply(bigger))
    expect(updated.plan.changes.map((c) => [c.action, c.reason])).toEqual([["update", "size small -> large"]])
    expect(secret(updated.outputs["db"]!["password"])).toBe(secret(before["db"]!["password"]))
    const older = { ...bigger, requests: [Request.make({ key: "db", type: "postgres", tags: bigger.requests[0]!.tags, params: { size: "large", version: "15" } })] }
    const replaced = await rt.run(Provision.apply(older))
    expect(replaced.plan.changes.map((c) => c.action)).toEqual(["replace"])
    expect(secret(replaced.outputs["db"]!["password"])).not.toBe(secret(before["db"]!["password"]))
    // The replacement is a new, empty database.
    const tables = await Effect.runPromise(connect(secret(replaced.outputs["db"]!["url"]), (sql) =>
      sql`SELECT tablename FROM pg_tables WHERE tablename = 'orders'`))
    expect(tables).toEqual([])
    const journal = await rt.run(Provision.journal(envA))
    expect(journal.filter((e) => e.phase === "completed").map((e) => e.action)).toEqual(["create", "update", "replace", "replace"])
  })

  it("finds drift when the database is dropped behind Paved's back, and apply repairs nothing until asked", async () => {
    expect(await rt.run(Provision.drift(envA))).toEqual([])
    const name = String((await rt.run(Provision.outputs(envA)))["db"]!["database"])
    await Effect.runPromise(connect("postgres://postgres@127.0.0.1:5432/postgres", (sql) => sql.unsafe(`DROP DATABASE "${name}" WITH (FORCE)`)))
    const drift = await rt.run(Provision.drift(envA))
    expect(drift).toEqual([{ resource: "db", type: "postgres", difference: `database ${name} does not exist` }])
  })

  it("destroys everything of an environment", async () => {
    const name = String((await rt.run(Provision.outputs(envB)))["db"]!["database"])
    expect(await rt.run(Provision.destroy(envB))).toEqual(["db"])
    const left = await Effect.runPromise(connect("postgres://postgres@127.0.0.1:5432/postgres", (sql) =>
      sql`SELECT datname FROM pg_database WHERE datname = ${name} UNION ALL SELECT rolname FROM pg_roles WHERE rolname = ${name}`))
    expect(left).toEqual([])
    expect(await rt.run(Provision.outputs(envB))).toEqual({})
  })
})
