/**
 * Ingest against the bare floor, in the same run: spans (OTLP/protobuf, batches of 512, 4
 * keep-alive clients) through the HTTP receiver into SQLite and into PostgreSQL, and metric
 * data points into SQLite; each against the same rows written by a minimal loop (better-sqlite3
 * prepared statements, or one `pg` INSERT from unnest) into the same tables with the same indexes,
 * 4096 rows per transaction. The ratio is receiver time over floor time. Prints one JSON line
 * per case with the load average, since the machine is shared.
 *
 * `BENCH_SPANS` (default 100 000) and `BENCH_POINTS` (default 200 000) size the runs; the
 * PostgreSQL case runs when a server answers on 127.0.0.1:5432 (user postgres, trust).
 */
import { Receiver, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as http from "node:http"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import * as proto from "../src/internal/otlpProto.js"
import { blobIds, type IdEncoding, spanRow, textIds } from "../src/internal/spanRows.js"
import { makeRequests } from "./payloads.js"

const require = createRequire(import.meta.url)
const Sqlite = require("better-sqlite3") as new (file: string) => {
  pragma(s: string): unknown
  prepare(s: string): { run(...a: ReadonlyArray<unknown>): unknown }
  transaction<A>(f: (a: A) => void): (a: A) => void
  exec(s: string): void
  close(): void
}
const pg = require("pg") as { Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(q: string, v?: ReadonlyArray<unknown>): Promise<unknown>; end(): Promise<void> } }

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000)
const POINTS = Number(process.env.BENCH_POINTS ?? 200_000)
const CONCURRENCY = 4
const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100)

const post = (agent: http.Agent, url: string, signal: string, body: Uint8Array) =>
  new Promise<number>((resolve, reject) => {
    const req = http.request(`${url}/v1/${signal}`, { method: "POST", agent, headers: { "content-type": "application/x-protobuf", "content-length": body.length } }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
    })
    req.on("error", reject)
    req.end(body)
  })

const sendAll = (url: string, signal: string, bodies: ReadonlyArray<Uint8Array>) =>
  Effect.promise(async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const started = performance.now()
    const cpu = process.cpuUsage()
    let next = 0
    const worker = async () => {
      while (next < bodies.length) {
        const status = await post(agent, url, signal, bodies[next++]!)
        if (status !== 200) throw new Error(`status ${status}`)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const used = process.cpuUsage(cpu)
    agent.destroy()
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
  })

const PG_TYPES: Partial<Record<string, string>> = { kind: "int", start_us: "bigint", duration_us: "bigint", status: "int" }

const COLUMNS = ["trace_id", "span_id", "parent_span_id", "service", "namespace", "entity_ref", "name", "kind", "start_us", "duration_us", "status", "status_message", "peer", "attributes", "resource", "events"] as const

/** The rows the store writes: ids as bytes on SQLite, as hex text on PostgreSQL. */
const spanRows = (bodies: ReadonlyArray<Uint8Array>, ids: IdEncoding) => {
  const resources = new Map<object, string>()
  return bodies.flatMap((b) => {
    const decoded = proto.decodeTraces(Buffer.from(b))
    if (!decoded.ok) throw new Error(decoded.message)
    return decoded.value.items.map((s) => spanRow(s, resources, ids))
  })
}

/** Creates the store's tables (and indexes) in a fresh file through the store itself. */
const createSchema = (file: string) =>
  Effect.gen(function*() {
    const store = yield* SpanStore.SpanStore
    yield* store.insertSpans([])
  }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: file })))

const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ ...fields, loadavg: load() }))

const spansSqlite = (dir: string, bodies: ReadonlyArray<Uint8Array>, n: number) =>
  Effect.gen(function*() {
    const http = yield* Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store, maxQueuedItems: 1_000_000 })
      return yield* sendAll(receiver.url, "traces", bodies)
    }).pipe(Effect.scoped, Effect.provide(SpanStore.layerSqlite({ filename: path.join(dir, "http.db") })))
    const rows = spanRows(bodies, blobIds)
    const file = path.join(dir, "floor.db")
    yield* createSchema(file)
    const db = new Sqlite(file)
    db.pragma("journal_mode = WAL")
    db.pragma("synchronous = NORMAL")
    db.pragma("cache_size = -65536")
    const insert = db.prepare(`INSERT INTO observe_spans (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")}) ON CONFLICT (trace_id, span_id) DO NOTHING`)
    const write = db.transaction((chunk: ReadonlyArray<Record<string, unknown>>) => {
      for (const r of chunk) insert.run(...COLUMNS.map((c) => r[c]))
    })
    const started = performance.now()
    for (let i = 0; i < rows.length; i += 4096) write(rows.slice(i, i + 4096))
    const floorMs = performance.now() - started
    db.close()
    line({
      case: "spans: OTLP/protobuf via HTTP into SQLite (batch 512, 4 clients)",
      n,
      spansPerSecond: Math.round(n / (http.ms / 1000)),
      spansPerCpuSecond: Math.round(n / (http.cpuMs / 1000)),
      floor: "same span rows, better-sqlite3 prepared INSERT, same table and indexes, 4096 per transaction",
      floorSpansPerSecond: Math.round(n / (floorMs / 1000)),
      ratio: Math.round((http.ms / floorMs) * 100) / 100,
      target: "≥ 50000 spans/s"
    })
  })

const spansPg = (bodies: ReadonlyArray<Uint8Array>, n: number) =>
  Effect.gen(function*() {
    const admin = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" })
    const ok = yield* Effect.promise(() => admin.connect().then(() => true, () => false))
    if (!ok) return line({ case: "spans into PostgreSQL", skipped: "no PostgreSQL on 127.0.0.1:5432" })
    const names = [`paved_bench_http_${process.pid}`, `paved_bench_floor_${process.pid}`]
    for (const name of names) yield* Effect.promise(() => admin.query(`CREATE DATABASE ${name}`))
    const result = yield* Effect.gen(function*() {
      const http = yield* Effect.gen(function*() {
        const store = yield* SpanStore.SpanStore
        const receiver = yield* Receiver.serve({ port: 0, store, maxQueuedItems: 1_000_000 })
        return yield* sendAll(receiver.url, "traces", bodies)
      }).pipe(Effect.scoped, Effect.provide(SpanStore.layerPg({ url: `postgres://postgres@127.0.0.1:5432/${names[0]}` })))
      // The floor's schema: the store creates it, then a bare pg client fills it.
      yield* Effect.gen(function*() {
        yield* (yield* SpanStore.SpanStore).insertSpans([])
      }).pipe(Effect.provide(SpanStore.layerPg({ url: `postgres://postgres@127.0.0.1:5432/${names[1]}` })))
      const rows = spanRows(bodies, textIds)
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${names[1]}` })
      const floorMs = yield* Effect.promise(async () => {
        await client.connect()
        const started = performance.now()
        // One array per column through unnest: a fixed statement that PostgreSQL parses and
        // plans cheaply (a 500-row VALUES list cost the server twice the CPU per span).
        const insert = `INSERT INTO observe_spans (${COLUMNS.join(",")}) SELECT * FROM unnest(${
          COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[c] ?? "text"}[]`).join(",")
        }) ON CONFLICT (trace_id, span_id) DO NOTHING`
        for (let i = 0; i < rows.length; i += 4096) {
          const chunk = rows.slice(i, i + 4096) as ReadonlyArray<Record<string, unknown>>
          await client.query("BEGIN")
          await client.query(insert, COLUMNS.map((c) => chunk.map((r) => r[c])))
          await client.query("COMMIT")
        }
        const ms = performance.now() - started
        await client.end()
        return ms
      })
      return { http, floorMs }
    }).pipe(Effect.ensuring(Effect.promise(async () => {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    })))
    line({
      case: "spans: OTLP/protobuf via HTTP into PostgreSQL (batch 512, 4 clients)",
      n,
      spansPerSecond: Math.round(n / (result.http.ms / 1000)),
      spansPerCpuSecond: Math.round(n / (result.http.cpuMs / 1000)),
      floor: "same span rows, pg INSERT ... SELECT FROM unnest (one array per column), same table and indexes, 4096 per transaction",
      floorSpansPerSecond: Math.round(n / (result.floorMs / 1000)),
      ratio: Math.round((result.http.ms / result.floorMs) * 100) / 100,
      target: "≥ 25000 spans/s"
    })
  })

// A minimal protobuf writer for metric requests: gauges of `series` series, `perRequest` points each.
const varint = (n: number): Array<number> => {
  const out: Array<number> = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
const ld = (field: number, payload: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(payload.length)]), payload])
const fixed64 = (field: number, value: bigint) => {
  const b = Buffer.alloc(9)
  b[0] = (field << 3) | 1
  b.writeBigUInt64LE(value, 1)
  return b
}
const double = (field: number, value: number) => {
  const b = Buffer.alloc(9)
  b[0] = (field << 3) | 1
  b.writeDoubleLE(value, 1)
  return b
}
const metricRequests = (total: number, perRequest = 1000, series = 200) => {
  const bodies: Array<Buffer> = []
  const base = BigInt(Date.now() - 600_000) * 1_000_000n
  const resource = ld(1, ld(1, Buffer.concat([ld(1, Buffer.from("service.name")), ld(2, ld(1, Buffer.from("metrics-bench")))])))
  for (let r = 0; r < total / perRequest; r++) {
    const points = Array.from({ length: perRequest }, (_, i) => {
      const k = (r * perRequest + i) % series
      const attr = ld(7, Buffer.concat([ld(1, Buffer.from("k")), ld(2, ld(1, Buffer.from(`v${k}`)))]))
      return ld(1, Buffer.concat([attr, fixed64(3, base + BigInt(r) * 100_000_000n + BigInt(i)), double(4, i)]))
    })
    const metric = ld(2, Buffer.concat([ld(1, Buffer.from("bench.gauge")), ld(5, Buffer.concat(points))]))
    bodies.push(ld(1, Buffer.concat([resource, ld(2, metric)])))
  }
  return bodies
}

const pointsSqlite = (dir: string) =>
  Effect.gen(function*() {
    const bodies = metricRequests(POINTS)
    const http = yield* Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store, maxQueuedItems: 1_000_000 })
      return yield* sendAll(receiver.url, "metrics", bodies)
    }).pipe(Effect.scoped, Effect.provide(SpanStore.layerSqlite({ filename: path.join(dir, "metrics.db") })))
    const file = path.join(dir, "metrics-floor.db")
    yield* createSchema(file)
    const db = new Sqlite(file)
    db.pragma("journal_mode = WAL")
    db.pragma("synchronous = NORMAL")
    const upsert = db.prepare(`INSERT INTO observe_metric_minute (series_id, minute, points, value, min, max, total, count, buckets)
      VALUES (?, ?, 1, ?, ?, ?, ?, 0, '') ON CONFLICT (series_id, minute) DO UPDATE SET points = points + 1, value = excluded.value,
      min = MIN(min, excluded.min), max = MAX(max, excluded.max), total = total + excluded.total`)
    const decoded = bodies.flatMap((b) => {
      const d = proto.decodeMetrics(b)
      if (!d.ok) throw new Error(d.message)
      return d.value.items
    })
    const write = db.transaction((chunk: ReadonlyArray<(typeof decoded)[number]>) => {
      for (const p of chunk) upsert.run(String(p.attributes["k"]), Math.floor(p.timeUs / 60_000_000), p.value, p.value, p.value, p.value)
    })
    const started = performance.now()
    for (let i = 0; i < decoded.length; i += 4096) write(decoded.slice(i, i + 4096))
    const floorMs = performance.now() - started
    db.close()
    line({
      case: "metric data points: OTLP/protobuf gauges via HTTP into SQLite (1000 points per request, 200 series, 4 clients)",
      n: POINTS,
      pointsPerSecond: Math.round(POINTS / (http.ms / 1000)),
      pointsPerCpuSecond: Math.round(POINTS / (http.cpuMs / 1000)),
      floor: "one prepared per-minute UPSERT per point into the same table, 4096 per transaction (no series identity, no hashing)",
      floorPointsPerSecond: Math.round(POINTS / (floorMs / 1000)),
      ratio: Math.round((http.ms / floorMs) * 100) / 100,
      target: "≥ 100000 points/s"
    })
  })

await Effect.runPromise(Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-floor-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const requests = makeRequests(SPANS, 512)
  yield* spansSqlite(dir, requests.proto, requests.spans)
  yield* spansPg(requests.proto, requests.spans)
  yield* pointsSqlite(dir)
}).pipe(Effect.scoped))
