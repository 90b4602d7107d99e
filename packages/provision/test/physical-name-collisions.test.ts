/**
 * Attack of the security review (defect 2): physical names collapsed every run of other
 * characters to `_`, so `pr-1`, `PR-1`, `pr_1` and `pr.1`, `café` and `cafè`, env `a-b` with
 * workload `c` and env `a` with workload `b-c`, and the empty name shared databases, roles,
 * users, vhosts, streams and buckets; the second environment rotated the first's password and its
 * destroy dropped the first's database.
 *
 * - Property tests: different (environment, workload, resource) triples never get the same name,
 *   and every name is valid for every backend.
 * - Every collision of the review, on every local resource type, against the real servers: each
 *   member gets its own resource, and the first member's credentials still work afterwards.
 * - The library refuses names outside the rule, and refuses to adopt a physical name another
 *   environment records (a naming that is not injective cannot take over a resource).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { afterAll, describe, expect, it } from "@effect/vitest"
import type { Placeholder } from "@paved/provision"
import { EnvironmentName, PhysicalName, Provision, Provisioner, Request, SecretBox, Standards, StateStore } from "@paved/provision"
import amqp from "amqplib"
import { Context, Effect, Either, Layer, ManagedRuntime, Redacted } from "effect"
import * as fc from "effect/FastCheck"
import { Redis } from "ioredis"
import * as mysql from "mysql2/promise"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { ServerName } from "../../../testing/servers.js"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, unique } from "./fixtures.js"

const tags = { owner: "group:default/team", system: "shop", "cost-centre": "cc-1" }

// Strings from a small alphabet collide often under any lossy mapping; full strings cover the rest.
const small = (max: number) => fc.string({ unit: fc.constantFrom("a", "b", "1", "-", "_", ".", "A", "é", "è", " "), maxLength: max })
const anyText = fc.oneof(small(6), fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/))
const workloadName = fc.oneof(fc.stringMatching(/^[a-z0-9]+(?:-+[a-z0-9]+)*$/), fc.constantFrom("web", "b-c", "c", "checkout-service"))
const triple = fc.tuple(anyText, workloadName, anyText)
const keyOf = ([, workload, resource]: readonly [string, string, string]) => `${workload}.${resource}`

describe("physical names are injective and valid everywhere", () => {
  it.prop("different (environment, workload, resource) triples get different names", [triple, triple], ([x, y]) => {
    fc.pre(x[0] !== y[0] || x[1] !== y[1] || x[2] !== y[2])
    expect(PhysicalName.make(x[0], keyOf(x))).not.toBe(PhysicalName.make(y[0], keyOf(y)))
  }, { fastCheck: { numRuns: 5000 } })

  it.prop("different (environment, key) pairs of any text get different names", [anyText, anyText, anyText, anyText], ([e1, k1, e2, k2]) => {
    fc.pre(e1 !== e2 || k1 !== k2)
    expect(PhysicalName.make(e1, k1)).not.toBe(PhysicalName.make(e2, k2))
    expect(PhysicalName.mysqlUser(PhysicalName.make(e1, k1))).not.toBe(PhysicalName.mysqlUser(PhysicalName.make(e2, k2)))
    expect(PhysicalName.bucket(PhysicalName.make(e1, k1))).not.toBe(PhysicalName.bucket(PhysicalName.make(e2, k2)))
  }, { fastCheck: { numRuns: 5000 } })

  it.prop("every name is valid for PostgreSQL, MariaDB/MySQL, Redis, RabbitMQ, NATS and S3", [triple], ([t]) => {
    const name = PhysicalName.make(t[0], keyOf(t))
    expect(PhysicalName.problems(name)).toEqual([])
    expect(name.length).toBeLessThanOrEqual(63)
    expect(PhysicalName.mysqlUser(name).length).toBeLessThanOrEqual(32)
    expect(PhysicalName.bucket(name)).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/)
  }, { fastCheck: { numRuns: 5000 } })

  it("gives the review's collisions distinct names, readable where the name reads back", () => {
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["pr-1", "web.db"], ["PR-1", "web.db"], ["pr_1", "web.db"], ["pr.1", "web.db"], ["pr11", "web.db"],
      ["café", "web.db"], ["cafè", "web.db"], ["a-b", "c.db"], ["a", "b-c.db"], ["", "web.db"], ["web", "db"]
    ]
    const names = pairs.map(([env, key]) => Standards.defaultNaming(env, key, "postgres"))
    expect(new Set(names).size).toBe(pairs.length)
    expect(names[0]).toBe("paved_pr_1__web__db")
    expect(names[7]).toBe("paved_a_b__c__db")
    expect(names[8]).toBe("paved_a__b_c__db")
    for (const n of names) expect(PhysicalName.problems(n)).toEqual([])
  })

  it("has one environment-name rule with a message that says what is allowed", () => {
    for (const ok of ["pr-1", "pr11", "a-b", "a", "x".repeat(42), "feature-login-2"]) expect(EnvironmentName.validate(ok)).toBeUndefined()
    for (const bad of ["PR-1", "pr_1", "pr.1", "café", "", "-pr", "pr-", "x".repeat(43), "a b", "x'; DROP TABLE t;--"]) {
      const message = EnvironmentName.validate(bad)
      expect(message, bad).toMatch(/is not an environment name .*1-42 characters: lowercase letters a-z, digits and dashes.*"pr-123"/)
      expect(Either.isLeft(EnvironmentName.decode(bad))).toBe(true)
    }
    expect(EnvironmentName.validate("PR-1")).toContain(`use "pr-1"`)
  })
})

// ---------------------------------------------------------------------------------------------
// Every collision of the review, on every local resource type, with the real servers.

const base = unique("h")
// Each group collided before; members are (environment, key). Made unique per run.
const groups: ReadonlyArray<ReadonlyArray<readonly [string, string]>> = [
  [[`${base}-1`, "web.db"], [`${base.toUpperCase()}-1`, "web.db"], [`${base}_1`, "web.db"], [`${base}.1`, "web.db"]],
  [[`${base}é`, "web.db"], [`${base}è`, "web.db"]],
  [[`${base}-b`, "c.db"], [base, "b-c.db"]],
  [["", `${base}.db`], [base, "db"]]
]

const servers: Record<string, ServerName | undefined> = {
  postgres: "postgresql", mysql: "mariadb", redis: "redis", amqp: "rabbitmq", stream: "nats", s3: undefined, volume: undefined
}

const pgConnect = <A>(url: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.scoped(Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })).pipe(
    Effect.flatMap((ctx) => f(Context.get(ctx, PgClient.PgClient)))
  ))

const secret = (v: string | Redacted.Redacted<string> | undefined) => (Redacted.isRedacted(v) ? Redacted.value(v) : String(v))

// Logs in with a resource's own credentials: after the other members were provisioned, the first
// member's password must still be the one it was given.
const logIn = async (type: string, o: Placeholder.Outputs): Promise<void> => {
  switch (type) {
    case "postgres":
      await Effect.runPromise(pgConnect(secret(o["url"]), (sql) => sql`SELECT current_user AS u`))
      return
    case "mysql": {
      const c = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: String(o["username"]), password: secret(o["password"]), database: String(o["database"]) })
      await c.end()
      return
    }
    case "redis": {
      const r = new Redis({ host: "127.0.0.1", port: 6379, username: String(o["username"]), password: secret(o["password"]), lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 1 })
      await r.connect()
      await r.set(`${String(o["prefix"])}alive`, "1")
      await r.del(`${String(o["prefix"])}alive`)
      r.disconnect()
      return
    }
    case "amqp": {
      const c = await amqp.connect(secret(o["url"]))
      await c.close()
      return
    }
  }
}

// The value that identifies the physical resource in a type's outputs.
const identity = (type: string, o: Placeholder.Outputs): string =>
  String(type === "redis" ? o["prefix"] : type === "amqp" ? o["vhost"] : type === "stream" ? o["stream"] : type === "s3" ? o["bucket"] : type === "volume" ? o["path"] : o["database"])

describe("the review's collisions get separate resources on every local type", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-collisions-"))
  const runtime = ManagedRuntime.make(Provisioner.layerLocal({ dir, postgres: "postgres://postgres@127.0.0.1:5432/postgres" }))
  const created: Array<Provisioner.Instance> = []
  afterAll(async () => {
    const p = await runtime.runPromise(Provisioner.Provisioner)
    for (const i of created) await runtime.runPromise(p.remove(i, () => Effect.void)).catch(() => undefined)
    await runtime.dispose()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  for (const type of Object.keys(servers)) {
    const server = servers[type]
    it.runIf(server === undefined || serverAvailable(server))(type, async () => {
      const p = await runtime.runPromise(Provisioner.Provisioner)
      for (const group of groups) {
        const members = group.map(([env, key]): Provisioner.Instance => ({
          env,
          key,
          type,
          name: Standards.defaultNaming(env, key, type),
          settings: Standards.applyDefaults(Standards.defaultStandards.development, env, Request.make({ key, type })).settings,
          tags: {},
          params: {},
          password: Redacted.make(`pw${Math.random().toString(36).slice(2)}`)
        }))
        expect(new Set(members.map((m) => m.name)).size, group.map(([e, k]) => `${e}/${k}`).join(" ")).toBe(members.length)
        created.push(...members)
        // One after the other: with colliding names, a later member would take over the first's.
        const outputs: Array<Placeholder.Outputs> = []
        for (const m of members) outputs.push(await runtime.runPromise(p.ensure(m, () => Effect.void)))
        expect(new Set(outputs.map((o) => identity(type, o))).size).toBe(members.length)
        await logIn(type, outputs[0]!)
        for (const m of members) expect(await runtime.runPromise(p.inspect(m)), m.name).toEqual([])
      }
    }, 300_000)
  }
})

// ---------------------------------------------------------------------------------------------
// The library's own guards, with real applies on PostgreSQL.

const one = (env: string, key: string, standards?: Standards.Standards): Provision.Target => ({
  env,
  envType: "development",
  requests: [Request.make({ key, type: "postgres", tags })],
  ...(standards === undefined ? {} : { standards })
})

describe.runIf(serverAvailable("postgresql"))("applies keep environments apart on PostgreSQL", () => {
  const rt = makeRuntime()
  const id = unique("g")
  const envs = [`${id}-b`, id, `${id}-x`, `${id}-y`]
  afterAll(async () => {
    for (const env of envs) await rt.run(Provision.destroy(env)).catch(() => undefined)
    await rt.dispose()
  })

  it("a-b with workload c and a with workload b-c get two databases; destroying one keeps the other", async () => {
    const first = (await rt.run(Provision.apply(one(envs[0]!, "c.db")))).outputs["c.db"]!
    const second = (await rt.run(Provision.apply(one(envs[1]!, "b-c.db")))).outputs["b-c.db"]!
    expect(first["database"]).not.toBe(second["database"])
    await Effect.runPromise(pgConnect(secret(first["url"]), (sql) => sql`CREATE TABLE orders (id int)`))
    await rt.run(Provision.destroy(envs[1]!))
    const rows = await Effect.runPromise(pgConnect(secret(first["url"]), (sql) => sql`SELECT count(*)::int AS n FROM orders`))
    expect(rows).toEqual([{ n: 0 }])
  }, 120_000)

  it("refuses environment names outside the rule before creating anything", async () => {
    for (const bad of ["PR-1", "pr_1", "pr.1", "café", ""]) {
      const result = await rt.run(Effect.either(Provision.apply(one(bad, "web.db"))))
      expect(Either.isLeft(result) && result.left._tag === "ProblemsFound" && result.left.problems[0]!.rule, bad).toBe("provision/environment-name")
    }
    expect(await rt.run(Effect.flatMap(StateStore.StateStore, (s) => s.environments()))).not.toContain("PR-1")
  })

  it("refuses to adopt a physical name another environment records, and names both", async () => {
    // A naming that is not injective: every environment gets the same database.
    const shared = `paved_${id}_shared`
    const naming = () => shared
    const standards = Object.fromEntries(
      Object.entries(Standards.defaultStandards).map(([k, v]) => [k, { ...v, naming }])
    ) as unknown as Standards.Standards
    const owner = (await rt.run(Provision.apply(one(envs[2]!, "web.db", standards)))).outputs["web.db"]!
    const attempt = await rt.run(Effect.either(Provision.apply(one(envs[3]!, "web.db", standards))))
    expect(Either.isLeft(attempt)).toBe(true)
    const message = Either.isLeft(attempt) ? attempt.left.message : ""
    expect(message).toContain(shared)
    expect(message).toContain(`environment "${envs[2]}"`)
    expect(message).toContain(`environment "${envs[3]}" may not adopt it`)
    expect((await rt.run(Effect.flatMap(StateStore.StateStore, (s) => s.list(envs[3]!)))).length).toBe(0)
    // The owner's password was not rotated.
    await Effect.runPromise(pgConnect(secret(owner["url"]), (sql) => sql`SELECT 1`))

    // A second record of the same name (as the earlier naming left them) is forgotten on destroy,
    // and the resource stays with the environment that still records it.
    const box = await rt.run(SecretBox.SecretBox)
    await rt.run(Effect.flatMap(StateStore.StateStore, (s) =>
      s.begin({
        env: envs[3]!, key: "web.db", type: "postgres", class: "default", name: shared,
        settings: Standards.applyDefaults(Standards.defaultStandards.development, envs[3]!, Request.make({ key: "web.db", type: "postgres" })).settings,
        tags: {}, params: {}, status: "ready", sealedPassword: box.seal(Redacted.make("unused"))
      })))
    expect(await rt.run(Provision.destroy(envs[3]!))).toEqual(["web.db"])
    await Effect.runPromise(pgConnect(secret(owner["url"]), (sql) => sql`SELECT 1`))
    expect(await rt.run(Provision.drift(envs[2]!))).toEqual([])
  }, 120_000)
})
