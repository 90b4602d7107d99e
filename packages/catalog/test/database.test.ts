/**
 * One way to open the Paved database (issue 14): `Database.parse` reads the same URLs the CLI
 * takes, `Database.layer` makes a SQLite file private before SQLite opens it and never puts a
 * PostgreSQL password in a message, and every store runs over the one `SqlClient` it gives.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogView, Database, Facts, Rule, Scorecard } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as ScoreStore from "@paved/catalog/ScoreStore"
import * as EnvStore from "@paved/envs/EnvStore"
import * as SpanStore from "@paved/observe/SpanStore"
import * as StateStore from "@paved/provision/StateStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { serverAvailable } from "../../../testing/servers.js"
import { pgTempDatabase } from "./fixtures/store/layers.js"

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "paved-database-"))
const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8)

describe("Database.parse", () => {
  it("reads PostgreSQL URLs (kept Redacted), sqlite:PATH, plain paths and memory:", () => {
    const pg = Database.parse("postgres://me:pw@db.example:5432/paved")
    expect(pg._tag).toBe("pg")
    if (pg._tag === "pg") {
      expect(Redacted.isRedacted(pg.url)).toBe(true)
      expect(Redacted.value(pg.url)).toBe("postgres://me:pw@db.example:5432/paved")
      expect(String(pg.url)).not.toContain("pw")
    }
    expect(Database.parse("POSTGRESQL://h/db")._tag).toBe("pg")
    expect(Database.parse("memory:")).toEqual({ _tag: "memory" })
    expect(Database.parse("sqlite:.paved/paved.db")).toEqual({ _tag: "sqlite", filename: ".paved/paved.db" })
    expect(Database.parse("sqlite:///var/lib/paved.db")).toEqual({ _tag: "sqlite", filename: "/var/lib/paved.db" })
    expect(Database.parse("data/paved.db")).toEqual({ _tag: "sqlite", filename: "data/paved.db" })
  })

  it("reads anything that is not postgres:// or memory: as a file path", () => {
    // Near misses are files, never a server: nothing is sent anywhere by a typo.
    expect(Database.parse("postgres:/h/db")).toEqual({ _tag: "sqlite", filename: "postgres:/h/db" })
    expect(Database.parse("mysql://h/db")).toEqual({ _tag: "sqlite", filename: "mysql://h/db" })
    expect(Database.parse("memory")).toEqual({ _tag: "sqlite", filename: "memory" })
  })

  it("describes a target without its user or password", () => {
    expect(Database.describe(Database.parse("postgres://me:pw@db.example:5432/paved"))).toBe("PostgreSQL db.example:5432/paved")
    expect(Database.describe(Database.sqlite("x.db"))).toBe("SQLite x.db")
    expect(Database.describe(Database.memory)).toBe("memory")
  })
})

// A write, so that SQLite's -wal and -shm files exist while the client is open.
const touch = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.zipRight(sql`CREATE TABLE IF NOT EXISTS t (x INTEGER)`, sql`INSERT INTO t (x) VALUES (1)`))

describe("Database.layer on SQLite", () => {
  it.live("creates the directories 0700 and the database, -wal and -shm 0600 under umask 022", () =>
    Effect.gen(function*() {
      const root = scratch()
      const previous = process.umask(0o022)
      try {
        const file = path.join(root, "nested", ".paved", "paved.db")
        yield* touch.pipe(
          Effect.zipRight(Effect.sync(() =>
            expect([path.join(root, "nested"), path.dirname(file), file, `${file}-wal`, `${file}-shm`].map(mode))
              .toEqual(["700", "700", "600", "600", "600"])
          )),
          Effect.provide(Database.layer(Database.sqlite(file)))
        )
      } finally {
        process.umask(previous)
        fs.rmSync(root, { recursive: true, force: true })
      }
    }))

  it.live("leaves an existing file's mode alone, unless asked to tighten it", () =>
    Effect.gen(function*() {
      const root = scratch()
      try {
        const dir = path.join(root, ".paved")
        const file = path.join(dir, "paved.db")
        fs.mkdirSync(dir, { mode: 0o755 })
        fs.writeFileSync(file, "")
        fs.chmodSync(dir, 0o755)
        fs.chmodSync(file, 0o644)
        yield* Effect.provide(touch, Database.layer(Database.sqlite(file)))
        expect([mode(dir), mode(file)]).toEqual(["755", "644"])
        yield* Effect.provide(touch, Database.layer(Database.sqlite(file), { tightenExisting: true }))
        expect([mode(dir), mode(file)]).toEqual(["700", "600"])
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    }))

  it.live("fails with DatabaseError naming the file when its directory cannot be created", () =>
    Effect.gen(function*() {
      const root = scratch()
      try {
        fs.writeFileSync(path.join(root, "plain-file"), "")
        const file = path.join(root, "plain-file", "paved.db")
        const error = yield* Effect.flip(Effect.provide(touch, Database.layer(Database.sqlite(file))))
        expect(error).toBeInstanceOf(Database.DatabaseError)
        expect(error).toMatchObject({ operation: "create" })
        expect(error.message).toContain(file)
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    }))
})

describe("Database.layer on PostgreSQL", () => {
  const failure = (url: string) =>
    Effect.flip(Effect.provide(touch, Database.layer(Database.parse(url))))

  it.live("never puts the password in the error (nothing listening)", () =>
    Effect.gen(function*() {
      const error = yield* failure("postgres://paved:s3cr3t-pw%21@127.0.0.1:1/paved")
      expect(error).toBeInstanceOf(Database.DatabaseError)
      expect(error.message).toContain("PostgreSQL 127.0.0.1:1/paved")
      for (const text of [error.message, String(error)]) {
        expect(text).not.toContain("s3cr3t")
        expect(text).not.toContain("paved:")
      }
    }), 30_000)

  it.live.runIf(serverAvailable("postgresql"))("never puts the password in the error (the database does not exist)", () =>
    Effect.gen(function*() {
      const error = yield* failure("postgres://postgres:s3cr3t-pw@127.0.0.1:5432/paved_no_such_database")
      expect(error).toMatchObject({ _tag: "DatabaseError", operation: "connect" })
      expect(error.message).toContain("paved_no_such_database")
      expect(error.message).not.toContain("s3cr3t")
    }), 30_000)
})

// The five stores of one database, each over the same client.
const allStores = Layer.mergeAll(
  CatalogStore.layerSqlClient,
  ScoreStore.layerSqlClient,
  StateStore.layerSqlClient,
  EnvStore.layerSqlClient,
  SpanStore.layerSqlClient
)

const component = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: cart\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"

const described = Rule.sync({
  id: "described",
  version: 1,
  title: "Described",
  check: ({ entity }) => (entity.metadata.description ?? "") === "" ? Rule.fail("Write a description") : Rule.pass()
})

// Each store migrates its tables and reads back what it wrote.
const writeAndReadEach = (dir: string) =>
  Effect.gen(function*() {
    const input = path.join(dir, "catalog-info.yaml")
    fs.writeFileSync(input, component)
    yield* CatalogStore.ingest(yield* Catalog.load([input]))
    const catalog = yield* CatalogStore.CatalogStore
    expect(Option.map(yield* catalog.get("component:default/cart"), (e) => e.owner)).toEqual(Option.some("group:default/team-a"))

    const scores = yield* ScoreStore.ScoreStore
    const view = CatalogView.fromEntities((yield* catalog.query({})).items.map((i) => i.entity))
    const report = yield* Scorecard.evaluate(Scorecard.make({ name: "docs", levels: ["bronze"], rules: [{ rule: described, level: "bronze" }] }), view).pipe(
      Effect.provide(Facts.layerEmpty)
    )
    const run = yield* scores.record(report, view)
    expect((yield* scores.runs()).map((r) => r.id)).toContain(run)

    const state = yield* StateStore.StateStore
    yield* state.journal({ env: "dev", resource: "db", action: "create", phase: "started", detail: "" })
    expect((yield* state.history("dev")).map((e) => e.phase)).toEqual(["started"])

    const envs = yield* EnvStore.EnvStore
    yield* envs.claim({
      instance: "i-1",
      record: {
        name: "pr-1",
        type: "preview",
        status: "provisioning",
        createdAt: 1_000,
        directory: path.join(dir, "pr-1"),
        overlays: {},
        changed: [],
        provisioner: {},
        telemetry: { mode: "off" },
        services: [],
        resources: []
      }
    })
    expect((yield* envs.get("pr-1"))?.instance).toBe("i-1")

    const spans = yield* SpanStore.SpanStore
    const traceId = "0".repeat(31) + "1"
    yield* spans.insertSpans([{
      traceId,
      spanId: "0".repeat(15) + "1",
      parentSpanId: "",
      service: "cart",
      namespace: "default",
      entityRef: "component:default/cart",
      name: "GET /cart",
      kind: 2,
      startUs: Date.now() * 1000 - 60_000_000,
      durationUs: 1000,
      status: 0,
      statusMessage: "",
      peer: "",
      attributes: {},
      resource: { "service.name": "cart" },
      events: []
    }])
    expect(Option.isSome(yield* spans.trace(traceId))).toBe(true)
  })

describe("every store over one SqlClient", () => {
  it.live("SQLite: the five stores migrate, write and read in one file", () =>
    Effect.gen(function*() {
      const dir = scratch()
      try {
        yield* writeAndReadEach(dir).pipe(Effect.provide(allStores.pipe(Layer.provide(Database.layer(Database.sqlite(path.join(dir, "paved.db")))))))
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }), 60_000)

  it.live.runIf(serverAvailable("postgresql"))("PostgreSQL: the five stores migrate, write and read over one connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const { name, url } = yield* pgTempDatabase
      const dir = scratch()
      // A pool of one connection: every store must work through the same one.
      const client = Database.layer(Database.pg(url), { maxConnections: 1 })
      const connections = Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name}`)
      try {
        yield* Effect.gen(function*() {
          yield* writeAndReadEach(dir)
          expect(yield* connections).toEqual([{ n: 1 }])
        }).pipe(Effect.provide(allStores.pipe(Layer.provideMerge(client))))
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })), 60_000)
})
