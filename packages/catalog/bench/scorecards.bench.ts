/**
 * Scorecard benchmarks (one JSON line per case):
 * - `evaluate`: 10 built-in rules over 100k entities (target ≤ 5 s on 2 cores). Peer: the same
 *   rules run as Effects for every entity and rule, without the plain-function fast path.
 * - `history`: an entity's history after 30 stored evaluations (target ≤ 100 ms). Peer: the
 *   same query forced to scan (`NOT INDEXED`), i.e. the table without our index.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { BuiltinRules, CatalogView, type Entity, Facts, Rule, Scorecard, ScoreStore } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const N = Number(process.env.PAVED_BENCH_ENTITIES ?? 100_000)
const HISTORY_ENTITIES = 5_000
const RUNS = 30

const entities = (n: number, seed = 0): ReadonlyArray<Entity.Entity> => {
  const out: Array<Entity.Entity> = []
  const groups = Math.max(1, Math.floor(n / 100))
  for (let g = 0; g < groups; g++) {
    out.push({ apiVersion: "backstage.io/v1alpha1", kind: "Group", metadata: { name: `team-${g}` }, spec: { type: "team", children: [] } })
    out.push({ apiVersion: "backstage.io/v1alpha1", kind: "User", metadata: { name: `user-${g}` }, spec: { memberOf: [`team-${g}`] } })
  }
  for (let i = 0; i < n; i++) {
    const odd = (i + seed) % 3 === 0
    out.push({
      apiVersion: "backstage.io/v1alpha1",
      kind: "Component",
      metadata: {
        name: `svc-${i}`,
        ...(odd ? {} : { description: `Service ${i}` }),
        annotations: odd ? {} : { "backstage.io/source-location": `url:https://git.example.com/svc-${i}`, "pagerduty.com/service-id": `P${i}` },
        links: odd ? [] : [{ url: `https://runbooks.example.com/${i}`, type: "runbook" }]
      },
      spec: {
        type: "service",
        lifecycle: i % 50 === 0 ? "deprecated" : "production",
        owner: i % 97 === 0 ? "team-missing" : `team-${i % groups}`,
        system: "core",
        dependsOn: i > 0 ? [`component:svc-${i - 1}`] : []
      }
    })
  }
  return out
}

const rules = [
  BuiltinRules.hasOwner,
  BuiltinRules.ownerExists,
  BuiltinRules.ownerHasMembers,
  BuiltinRules.hasDescription,
  BuiltinRules.hasLifecycle,
  BuiltinRules.hasSystem,
  BuiltinRules.hasSourceLocation,
  BuiltinRules.hasOnCall,
  BuiltinRules.hasRunbook,
  BuiltinRules.noDeprecatedDependency
]
const levels = ["bronze", "silver", "gold"]
const card = (list: ReadonlyArray<Rule.Rule>) =>
  Scorecard.make({ name: "bench", levels, rules: list.map((rule, i) => ({ rule, level: levels[i % 3]!, points: 1 })) })

const time = async <A>(f: () => Promise<A>): Promise<{ ms: number; value: A }> => {
  const start = performance.now()
  const value = await f()
  return { ms: performance.now() - start, value }
}

const line = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + "\n")

const evaluateCase = async () => {
  const view = CatalogView.fromEntities(entities(N))
  const run = (c: Scorecard.Scorecard) => Effect.runPromise(Scorecard.evaluate(c, view).pipe(Effect.provide(Facts.layerEmpty)))
  // Best of three after a warm-up: on a shared 2-core machine, GC and neighbours add noise.
  const best = async (c: Scorecard.Scorecard) => {
    await run(c)
    let ms = Infinity
    for (let i = 0; i < 3; i++) ms = Math.min(ms, (await time(() => run(c))).ms)
    return { ms }
  }
  const ours = await best(card(rules))
  // The peer: every rule as an Effect (no `check`), as a rule written only with Rule.make runs.
  const effectOnly = rules.map((r) => Rule.make({ id: r.id, version: r.version, title: r.title, appliesTo: r.appliesTo, evaluate: r.evaluate }))
  const peer = await best(card(effectOnly))
  line({ case: "evaluate 10 rules", n: N, ms: Math.round(ours.ms), peer: "all rules via Effect", peerMs: Math.round(peer.ms), ratio: +(peer.ms / ours.ms).toFixed(2), targetMs: 5000 })
}

const historyCase = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-score-bench-"))
  const filename = path.join(dir, "paved.db")
  const client = SqliteClient.layer({ filename })
  const store = Layer.provideMerge(ScoreStore.layerSqlClient, client)
  try {
    const program = Effect.gen(function*() {
      const s = yield* ScoreStore.ScoreStore
      const sql = yield* SqlClient.SqlClient
      let recordMs = 0
      for (let r = 0; r < RUNS; r++) {
        yield* TestClock.adjust("1 hour")
        const view = CatalogView.fromEntities(entities(HISTORY_ENTITIES, r % 2))
        const report = yield* Scorecard.evaluate(card(rules), view)
        const start = performance.now()
        yield* s.record(report, view)
        recordMs += performance.now() - start
      }
      const ref = "component:default/svc-4242" as never
      yield* s.history(ref)
      const reps = 20
      let start = performance.now()
      let points = 0
      for (let i = 0; i < reps; i++) points = (yield* s.history(ref)).length
      const ms = (performance.now() - start) / reps
      start = performance.now()
      for (let i = 0; i < reps; i++) {
        yield* sql`SELECT run_id, results FROM paved_score_results NOT INDEXED WHERE entity_ref = ${ref} ORDER BY evaluated_at DESC LIMIT 100`
      }
      const peerMs = (performance.now() - start) / reps
      line({ case: "history of one entity", n: RUNS, rows: RUNS * HISTORY_ENTITIES, points, ms: +ms.toFixed(2), peer: "table scan (NOT INDEXED)", peerMs: +peerMs.toFixed(2), ratio: +(peerMs / ms).toFixed(1), targetMs: 100 })
      line({ case: "record one evaluation", n: HISTORY_ENTITIES, ms: Math.round(recordMs / RUNS) })
    })
    await Effect.runPromise(program.pipe(Effect.provide(Facts.layerEmpty), Effect.provide(store), Effect.provide(TestContext.TestContext), Effect.scoped))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await evaluateCase()
await historyCase()
