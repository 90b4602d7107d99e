/**
 * RED over 1M stored spans (20 services x 10 operations over the last hour), read from the
 * per-minute rollups. The peer is the exact answer computed from the raw spans table (the
 * indexed `start_us` range, grouped, percentiles from sorted durations): what a store without
 * rollups has to do.
 */
import { SpanStore } from "@paved/observe"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Span } from "@paved/observe"

const N = Number(process.env.BENCH_SPANS ?? 1_000_000)
const BATCH = 5000

const spansAt = (from: number, count: number, nowUs: number): Array<Span.SpanRecord> =>
  Array.from({ length: count }, (_, k) => {
    const i = from + k
    const service = `svc-${i % 20}`
    return {
      traceId: i.toString(16).padStart(32, "0"),
      spanId: (i + 1).toString(16).padStart(16, "0"),
      parentSpanId: "",
      service,
      namespace: "default",
      entityRef: `component:default/${service}`,
      name: `GET /op-${(i >> 5) % 10}`,
      kind: 2,
      startUs: nowUs - Math.floor(((i * 2654435761) % N) / N * 3_500_000_000),
      durationUs: 200 + ((i * 7919) % 50_000),
      status: i % 97 === 0 ? 2 : 0,
      statusMessage: "",
      peer: "",
      attributes: { "http.route": "/op" },
      resource: { "service.name": service },
      events: []
    }
  })

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const value = yield* effect
    return { value, ms: performance.now() - started }
  })

const program = Effect.gen(function*() {
  const store = yield* SpanStore.SpanStore
  const sql = yield* SqlClient.SqlClient
  const nowUs = Date.now() * 1000
  const load = yield* timed(Effect.gen(function*() {
    for (let i = 0; i < N; i += BATCH) yield* store.insertSpans(spansAt(i, Math.min(BATCH, N - i), nowUs))
  }))
  console.error(`loaded ${N} spans in ${Math.round(load.ms)} ms (${Math.round(N / (load.ms / 1000))} spans/s)`)
  // Warm once, then take the best of 5 (the machine is shared).
  yield* store.red({ since: "1 hour" })
  let best = Number.POSITIVE_INFINITY
  let rows = 0
  for (let k = 0; k < 5; k++) {
    const run = yield* timed(store.red({ since: "1 hour" }))
    best = Math.min(best, run.ms)
    rows = run.value.length
  }
  const fromUs = nowUs - 3_600_000_000
  const peer = yield* timed(Effect.gen(function*() {
    const raw = yield* sql<{ entity_ref: string; name: string; duration_us: number; status: number }>`
      SELECT entity_ref, name, duration_us, status FROM observe_spans WHERE start_us >= ${fromUs}`
    const groups = new Map<string, Array<number>>()
    for (const r of raw) {
      const key = `${r.entity_ref} ${r.name}`
      const list = groups.get(key) ?? []
      list.push(r.duration_us)
      groups.set(key, list)
    }
    for (const list of groups.values()) list.sort((a, b) => a - b)
    return groups.size
  }))
  const sqlPeer = yield* timed(sql`
    SELECT entity_ref, name, COUNT(*) AS n, SUM(CASE WHEN status = 2 THEN 1 ELSE 0 END) AS errors, AVG(duration_us) AS mean
    FROM observe_spans WHERE start_us >= ${fromUs} GROUP BY entity_ref, name`)
  console.log(JSON.stringify({
    case: "RED per service and operation over the last hour, 1M spans stored (SQLite)",
    n: N,
    rows,
    ms: Math.round(best * 10) / 10,
    peer: "exact RED from the raw spans (indexed range scan, percentiles by sorting)",
    peerMs: Math.round(peer.ms),
    ratio: Math.round((best / peer.ms) * 1000) / 1000,
    sqlCountOnlyMs: Math.round(sqlPeer.ms),
    target: "≤ 500 ms"
  }))
})

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-red-"))
const filename = path.join(dir, "red.db")
await Effect.runPromise(
  program.pipe(
    Effect.provide(SpanStore.layerSqlite({ filename })),
    Effect.provide(SqliteClient.layer({ filename })),
    Effect.scoped,
    Effect.ensuring(Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  )
)
