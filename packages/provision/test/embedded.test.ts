import * as PgClient from "@effect/sql-pg/PgClient"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { EmbeddedPostgres, Provision } from "@paved/provision"
import { Context, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { one, unique } from "./fixtures.js"

const query = <A>(url: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(Effect.scoped(Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })).pipe(
    Effect.flatMap((ctx) => f(Context.get(ctx, PgClient.PgClient)))
  )))
const revealed = (v: unknown) => Redacted.value(v as Redacted.Redacted<string>)

describe("embedded PostgreSQL", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-embedded-"))
  fs.chmodSync(dir, 0o755)
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it.scoped("initialises once into a template, then starts new data directories from it", () =>
    Effect.gen(function*() {
      const templateDir = path.join(dir, "template")
      const first = yield* Effect.scoped(EmbeddedPostgres.start({ dataDir: path.join(dir, "one"), templateDir }))
      expect(first.timings.initialisedFrom).toBe("initdb")
      const second = yield* EmbeddedPostgres.start({ dataDir: path.join(dir, "two"), templateDir })
      expect(second.timings.initialisedFrom).toBe("template")
      const rows = yield* Effect.promise(() => query(second.url, (sql) => sql<{ server_version: string }>`SHOW server_version`))
      expect(rows[0]!.server_version).toMatch(/^\d+/)
    }), 120_000)

  it("backs the local backend when no server is configured, with password-checked isolation", async () => {
    const stateDir = path.join(dir, "paved")
    const runtime = ManagedRuntime.make(Provision.layerLocal({ dir: stateDir, postgres: "embedded" }))
    const [envA, envB] = [unique("a"), unique("b")]
    try {
      const a = (await runtime.runPromise(Provision.apply(one(envA, "postgres", "db")))).outputs["db"]!
      const b = (await runtime.runPromise(Provision.apply(one(envB, "postgres", "db")))).outputs["db"]!
      await query(revealed(a["url"]), (sql) => sql`CREATE TABLE secrets (v text)`)
      // B's credentials open neither A's database, nor A's role with B's password.
      const crossDb = revealed(b["url"]).replace(`/${b["database"]}`, `/${a["database"]}`)
      await expect(query(crossDb, (sql) => sql`SELECT 1`)).rejects.toThrow()
      const wrongPassword = `postgres://${a["username"]}:${encodeURIComponent(revealed(b["password"]))}@${a["host"]}:${a["port"]}/${a["database"]}`
      await expect(query(wrongPassword, (sql) => sql`SELECT 1`)).rejects.toThrow()
      expect(await runtime.runPromise(Provision.drift(envA))).toEqual([])
      await runtime.runPromise(Provision.destroy(envA))
      await runtime.runPromise(Provision.destroy(envB))
    } finally {
      await runtime.dispose()
    }
  }, 120_000)
})
