import { describe, expect, it } from "@effect/vitest"
import { CatalogView, type Entity, EntityRef, Facts, Rule, Scorecard, ScoreStore } from "@paved/catalog"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"

const component = (description: string | undefined): Entity.Entity => ({
  apiVersion: "backstage.io/v1alpha1",
  kind: "Component",
  metadata: { name: "svc", ...(description === undefined ? {} : { description }) },
  spec: { owner: "team", type: "service" }
})

const described = (minLength: number) =>
  Rule.sync({
    id: "described",
    version: minLength,
    title: "Described",
    check: ({ entity }) =>
      (entity.metadata.description ?? "").length >= minLength ? Rule.pass() : Rule.fail(`Write a description of at least ${minLength} characters`)
  })

const card = (minLength: number) => Scorecard.make({ name: "docs", levels: ["bronze"], rules: [{ rule: described(minLength), level: "bronze" }] })

const DAY = 86_400_000

// Three evaluations: the data changes (a description is added), then the rule changes (it
// asks for more), then nothing changes.
const scenario = Effect.gen(function*() {
  const store = yield* ScoreStore.ScoreStore
  const run = (minLength: number, description: string | undefined) =>
    Effect.gen(function*() {
      yield* TestClock.adjust(DAY)
      const view = CatalogView.fromEntities([component(description)])
      const report = yield* Scorecard.evaluate(card(minLength), view)
      yield* store.record(report, view)
    })
  yield* run(5, undefined)
  yield* run(5, "Serves search")
  yield* run(50, "Serves search")
  yield* run(50, "Serves search")
  const ref = EntityRef.of(component(undefined))
  const history = yield* store.history(ref)
  expect(history.map((h) => h.level)).toEqual([null, "bronze", null, null])
  expect(history[0]!.changes).toEqual([])
  expect(history[1]!.changes).toEqual([{ rule: "described", from: "fail", to: "pass", cause: "data" }])
  expect(history[1]!.dataChanged).toBe(true)
  expect(history[1]!.levelChanged).toBe(true)
  expect(history[2]!.changes).toEqual([{ rule: "described", from: "pass", to: "fail", cause: "rule" }])
  expect(history[2]!.results[0]).toMatchObject({ version: "50", message: "Write a description of at least 50 characters" })
  expect(history[3]!.changes).toEqual([])
  expect(history[3]!.evaluatedAt).toBe(new Date(4 * DAY).toISOString())
  const runs = yield* store.runs()
  expect(runs.map((r) => r.entities)).toEqual([1, 1, 1, 1])
  const limited = yield* store.history(ref, { limit: 2 })
  expect(limited.map((h) => h.evaluatedAt)).toEqual([new Date(3 * DAY).toISOString(), new Date(4 * DAY).toISOString()])
}).pipe(Effect.provide(Facts.layerEmpty))

describe("score history on SQLite", () => {
  it.scoped("records every evaluation and tells a data change from a rule change", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "paved-score-"))),
        (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true }))
      )
      const filename = path.join(dir, "nested", "paved.db")
      yield* scenario.pipe(Effect.provide(ScoreStore.layerSqlite({ filename })))
      expect(fs.existsSync(filename)).toBe(true)
      // Reopening migrates nothing twice and keeps the history.
      const again = yield* Effect.flatMap(ScoreStore.ScoreStore, (s) => s.runs()).pipe(
        Effect.provide(ScoreStore.layerSqlite({ filename }))
      )
      expect(again).toHaveLength(4)
    }))
})

describe.runIf(serverAvailable("postgresql"))("score history on PostgreSQL", () => {
  const admin = "postgres://postgres@127.0.0.1:5432/postgres"
  const database = uniqueName("paved_score").toLowerCase()
  const adminLayer = PgClient.layer({ url: Redacted.make(admin) })
  const exec = (statement: string) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(Effect.provide(adminLayer), Effect.scoped)

  it.scoped("records every evaluation and tells a data change from a rule change", () =>
    Effect.gen(function*() {
      yield* Effect.acquireRelease(
        exec(`CREATE DATABASE ${database}`).pipe(Effect.orDie),
        () => exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).pipe(Effect.timeout("20 seconds"), Effect.ignore)
      )
      const store = ScoreStore.layerPg({ url: `postgres://postgres@127.0.0.1:5432/${database}` })
      yield* scenario.pipe(Effect.provide(Layer.fresh(store)))
      const again = yield* Effect.flatMap(ScoreStore.ScoreStore, (s) => s.runs()).pipe(Effect.provide(Layer.fresh(store)))
      expect(again).toHaveLength(4)
    }))
})
