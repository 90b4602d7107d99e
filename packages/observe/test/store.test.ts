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
import { Option, Redacted } from "effect"
import { createRequire } from "node:module"
import { span } from "./spans.js"

const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new (file: string) => {
  exec(sql: string): void
  prepare(sql: string): { run(...params: ReadonlyArray<unknown>): unknown; all(): ReadonlyArray<unknown> }
  close(): void
}

describe("SpanStore (SQLite file)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-"))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  let n = 0
  conformance("sqlite", () => SpanStore.layerSqlite({ filename: path.join(dir, `nested/spans-${++n}.db`) }))
})

describe("SpanStore (SQLite file written before ids were stored as bytes)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-old-"))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it.effect("converts the ids once; old spans are found by trace, and sent again they are not stored twice", () =>
    Effect.gen(function*() {
      const file = path.join(dir, "old.db")
      const root = span({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", service: "web", name: "GET /old" })
      const child = span({ traceId: root.traceId, service: "orders", name: "handle web", parent: root })
      const odd = { ...span({ traceId: "not-hex", service: "web", name: "odd" }), spanId: "s1" }
      // The schema and rows as earlier versions wrote them: ids as hex text.
      const db = new Sqlite(file)
      db.exec(`CREATE TABLE observe_spans (trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT NOT NULL,
        service TEXT NOT NULL, namespace TEXT NOT NULL, entity_ref TEXT NOT NULL, name TEXT NOT NULL, kind INTEGER NOT NULL,
        start_us BIGINT NOT NULL, duration_us BIGINT NOT NULL, status INTEGER NOT NULL, status_message TEXT NOT NULL,
        peer TEXT NOT NULL, attributes TEXT NOT NULL, resource TEXT NOT NULL, events TEXT NOT NULL);
        CREATE UNIQUE INDEX observe_spans_id ON observe_spans (trace_id, span_id);
        CREATE INDEX observe_spans_start ON observe_spans (start_us)`)
      const insert = db.prepare("INSERT INTO observe_spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      for (const s of [root, child, odd]) {
        insert.run(s.traceId, s.spanId, s.parentSpanId, s.service, s.namespace, s.entityRef, s.name, s.kind, s.startUs, s.durationUs,
          s.status, s.statusMessage, s.peer, JSON.stringify(s.attributes), JSON.stringify(s.resource), "[]")
      }
      db.close()

      yield* Effect.gen(function*() {
        const store = yield* SpanStore.SpanStore
        const tree = Option.getOrThrow(yield* store.trace(root.traceId))
        expect(tree.spans.map((s) => [s.depth, s.spanId, s.parentSpanId])).toEqual([[0, root.spanId, ""], [1, child.spanId, root.spanId]])
        expect(Option.getOrThrow(yield* store.trace("not-hex")).spans.map((s) => s.spanId)).toEqual(["s1"])
        expect((yield* store.serviceMap()).map((e) => [e.source, e.target])).toEqual([["web", "orders"]])
        yield* store.insertSpans([root, child, odd])
        expect((yield* store.searchTraces()).map((t) => t.spanCount).sort()).toEqual([1, 2])
      }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: file })))

      const after = new Sqlite(file)
      const types = after.prepare("SELECT typeof(trace_id) AS t, COUNT(*) AS n FROM observe_spans GROUP BY 1 ORDER BY 1").all()
      const indexes = after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observe_spans' ORDER BY name").all()
      after.close()
      expect(types).toEqual([{ t: "blob", n: 2 }, { t: "text", n: 1 }])
      expect(indexes).toEqual([{ name: "observe_spans_id" }, { name: "observe_spans_start" }])
    }))
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
