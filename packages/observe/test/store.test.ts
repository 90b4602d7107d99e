import { SpanStore } from "@paved/observe"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { afterAll, describe, expect } from "vitest"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"
import { conformance } from "./store.conformance.js"
import { PgClient } from "@effect/sql-pg"
import { Redacted } from "effect"

describe("SpanStore (SQLite file)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-"))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  let n = 0
  conformance("sqlite", () => SpanStore.layerSqlite({ filename: path.join(dir, `nested/spans-${++n}.db`) }))
})

describe("SpanStore (memory)", () => {
  conformance("memory", () => SpanStore.layerMemory)
})

describe("SpanStore (SQLite \":memory:\")", () => {
  conformance("sqlite :memory:", () => SpanStore.layerSqlite({ filename: ":memory:" }))

  // The name used to be resolved as a path: a file called ":memory:" appeared in the working
  // directory. Other packages may create that file too, so check that none of ours is in it.
  const strayFiles = () => [":memory:", ":memory:-wal"].map((name) => path.resolve(name)).filter((file) => fs.existsSync(file))
  const holdsSpans = (file: string) => fs.readFileSync(file).includes("observe_spans")

  it.effect("sqlite :memory: writes no file named :memory: in the working directory", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      yield* store.insertSpans([])
      expect(strayFiles().filter(holdsSpans)).toEqual([])
    }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: ":memory:" })), Effect.tap(() => expect(strayFiles().filter(holdsSpans)).toEqual([]))))
})

describe.runIf(serverAvailable("postgresql"))("SpanStore (PostgreSQL)", () => {
  const admin = PgClient.layer({ url: Redacted.make("postgres://postgres@127.0.0.1:5432/postgres") })
  const databases: Array<string> = []
  const withDatabase = <A, E>(f: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
    Effect.runPromise(Effect.provide(Effect.flatMap(PgClient.PgClient, f), admin) as Effect.Effect<A, E>)
  afterAll(async () => {
    for (const db of databases) await withDatabase((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`))
  })
  conformance("postgresql", () => {
    const db = uniqueName("paved_observe").toLowerCase()
    databases.push(db)
    return Layer.unwrapEffect(
      Effect.promise(() => withDatabase((sql) => sql.unsafe(`CREATE DATABASE ${db}`))).pipe(
        Effect.as(SpanStore.layerPg({ url: Redacted.make(`postgres://postgres@127.0.0.1:5432/${db}`) }))
      )
    )
  })
})
