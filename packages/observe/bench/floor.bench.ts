/**
 * Ingest against the bare floor, in the same run: spans (OTLP/protobuf, batches of 512, 4
 * keep-alive clients) through the HTTP receiver into SQLite and into PostgreSQL, and metric
 * data points into SQLite; each against the same rows written by a minimal loop (better-sqlite3
 * prepared statements, or one `pg` INSERT from unnest) into the same tables with the same indexes,
 * 4096 rows per transaction. The ratio is receiver time over floor time. Prints one JSON line
 * per case with the load average, since the machine is shared.
 *
 * Each receiver runs two ways against the same floor: `in-process` (the library: `Receiver.serve`
 * in the bench process, sharing its event loop with the clients) and `paved observe serve` (the
 * user's path: the built CLI in its own process, the clients here, as exporters are; stopped
 * with SIGTERM, then the store must hold every item sent, so only committed items count). The
 * served cases' CPU is the server process's (from /proc), the in-process cases' the whole bench
 * process's. `BENCH_PATHS=in-process` or `=served` runs one of the two.
 *
 * `BENCH_CASES=spans-sqlite,spans-pg,points-sqlite` (the default) selects cases.
 * `BENCH_PREFILL=1000000` starts each SQLite span store (receivers' and floor's) with that many
 * spans already stored, as a store in use would be (default 0: an empty store).
 *
 * `BENCH_SPANS` (default 100 000) and `BENCH_POINTS` (default 200 000) size the runs; the
 * PostgreSQL cases run when a server answers on 127.0.0.1:5432 (user postgres, trust).
 */
import { Receiver, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import * as proto from "../src/internal/otlpProto.js"
import { blobIds, type IdEncoding, spanRow, textIds } from "../src/internal/spanRows.js"
import { makeRequests } from "./payloads.js"
import { cliBin, serveWithCli } from "./servedReceiver.js"

const require = createRequire(import.meta.url)
const Sqlite = require("better-sqlite3") as new (file: string) => {
  pragma(s: string): unknown
  prepare(s: string): { run(...a: ReadonlyArray<unknown>): unknown; get(...a: ReadonlyArray<unknown>): unknown }
  transaction<A>(f: (a: A) => void): (a: A) => void
  exec(s: string): void
  close(): void
}
const pg = require("pg") as { Client: new (o: { connectionString: string }) => PgClient }
interface PgClient {
  connect(): Promise<void>
  query(q: string, v?: ReadonlyArray<unknown>): Promise<{ rows: Array<Record<string, unknown>> }>
  end(): Promise<void>
}

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000)
const POINTS = Number(process.env.BENCH_POINTS ?? 200_000)
const CONCURRENCY = 4
const PATHS = (process.env.BENCH_PATHS ?? "in-process,served").split(",")
const PREFILL = Number(process.env.BENCH_PREFILL ?? 0)
const CASES = (process.env.BENCH_CASES ?? "spans-sqlite,spans-pg,points-sqlite").split(",")
const PG_URL = "postgres://postgres@127.0.0.1:5432"
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
    // Client w sends requests w, w + 4, ... in order, one at a time, as one exporter would: the
    // metric requests of a client hold only its series, so their points never arrive out of order.
    const worker = async (_: unknown, w: number) => {
      for (let i = w; i < bodies.length; i += CONCURRENCY) {
        const status = await post(agent, url, signal, bodies[i]!)
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

/** One way of running the receiver, measured: wall time and the CPU seconds of the receiver's process. */
interface Measured {
  readonly path: "in-process" | "paved observe serve"
  readonly ms: number
  readonly cpuSeconds: number
  readonly clientCpuSeconds?: number
}

/** `Receiver.serve` in this process, over the store of `layer`, the clients on the same event loop. */
const inProcess = (layer: ReturnType<typeof SpanStore.layerSqlite>, signal: string, bodies: ReadonlyArray<Uint8Array>) =>
  Effect.gen(function*() {
    const store = yield* SpanStore.SpanStore
    const receiver = yield* Receiver.serve({ port: 0, store, maxQueuedItems: 1_000_000 })
    const sent = yield* sendAll(receiver.url, signal, bodies)
    return { path: "in-process", ms: sent.ms, cpuSeconds: sent.cpuMs / 1000 } satisfies Measured
  }).pipe(Effect.scoped, Effect.provide(layer))

/**
 * `paved observe serve --db db` in its own process; once it stopped, `stored` must count
 * `expected` items, so only what was committed before the answers counts.
 */
const served = (db: string, signal: string, bodies: ReadonlyArray<Uint8Array>, expected: number, stored: () => Promise<number>) =>
  Effect.gen(function*() {
    const server = yield* serveWithCli(db)
    const cpu = server.cpuSeconds()
    const sent = yield* sendAll(server.url, signal, bodies)
    const cpuSeconds = server.cpuSeconds() - cpu
    yield* server.stop()
    const count = yield* Effect.promise(stored)
    if (count !== expected) return yield* Effect.die(new Error(`the store of paved observe serve holds ${count} of the ${expected} items sent`))
    return { path: "paved observe serve", ms: sent.ms, cpuSeconds, clientCpuSeconds: sent.cpuMs / 1000 } satisfies Measured
  }).pipe(Effect.scoped)

const wanted = (name: "in-process" | "served") => PATHS.includes(name)

/** The served path needs the built CLI; without it the case says so instead of failing the bench. */
const servedAvailable = () => {
  if (wanted("served") && !fs.existsSync(cliBin)) {
    line({ case: "paved observe serve", skipped: `${cliBin} is missing: run npm run build first` })
    return false
  }
  return wanted("served")
}

/** One line per measured path, each against the same floor. */
const report = (
  base: Record<string, unknown>,
  unit: "spans" | "points",
  n: number,
  floorMs: number,
  measured: ReadonlyArray<Measured>
) => {
  for (const m of measured) {
    line({
      ...base,
      path: m.path,
      n,
      [`${unit}PerSecond`]: Math.round(n / (m.ms / 1000)),
      cpuSeconds: Math.round(m.cpuSeconds * 100) / 100,
      cpu: m.path === "in-process" ? "bench process (receiver and clients)" : "server process (/proc)",
      [`${unit}PerCpuSecond`]: Math.round(n / m.cpuSeconds),
      ...(m.clientCpuSeconds === undefined ? {} : { clientCpuSeconds: Math.round(m.clientCpuSeconds * 100) / 100 }),
      [`floor${unit === "spans" ? "Spans" : "Points"}PerSecond`]: Math.round(n / (floorMs / 1000)),
      ratio: Math.round((m.ms / floorMs) * 100) / 100
    })
  }
}

const countSqlite = (file: string, query: string) => async () => {
  const db = new Sqlite(file)
  try {
    return Number((db.prepare(query).get() as { n: number | null }).n ?? 0)
  } finally {
    db.close()
  }
}

/**
 * A store file holding `PREFILL` spans already: copies of `rows` with random ids, so the
 * `(trace_id, span_id)` index has the size (and the random page writes) of a store in use.
 */
const prefilled = (file: string, rows: ReadonlyArray<Record<string, unknown>>) =>
  Effect.gen(function*() {
    yield* createSchema(file)
    if (PREFILL === 0) return file
    const db = new Sqlite(file)
    db.pragma("journal_mode = WAL")
    db.pragma("synchronous = NORMAL")
    const insert = db.prepare(`INSERT INTO observe_spans (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`)
    const fill = db.transaction((from: number) => {
      for (let i = from; i < Math.min(PREFILL, from + 50_000); i++) {
        const r = rows[i % rows.length]!
        insert.run(crypto.randomBytes(16), crypto.randomBytes(8), ...COLUMNS.slice(2).map((c) => r[c]))
      }
    })
    for (let i = 0; i < PREFILL; i += 50_000) fill(i)
    db.pragma("wal_checkpoint(TRUNCATE)")
    db.close()
    return file
  })

const spansSqlite = (dir: string, bodies: ReadonlyArray<Uint8Array>, n: number) =>
  Effect.gen(function*() {
    const rows = spanRows(bodies, blobIds)
    const measured: Array<Measured> = []
    if (wanted("in-process")) {
      const file = yield* prefilled(path.join(dir, "http.db"), rows)
      measured.push(yield* inProcess(SpanStore.layerSqlite({ filename: file }), "traces", bodies))
    }
    if (servedAvailable()) {
      const file = yield* prefilled(path.join(dir, "served.db"), rows)
      measured.push(yield* served(file, "traces", bodies, n + PREFILL, countSqlite(file, "SELECT COUNT(*) AS n FROM observe_spans")))
    }
    const file = yield* prefilled(path.join(dir, "floor.db"), rows)
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
    report({
      case: "spans: OTLP/protobuf via HTTP into SQLite (batch 512, 4 clients)",
      floor: "same span rows, better-sqlite3 prepared INSERT, same table and indexes, 4096 per transaction",
      target: "≥ 50000 spans/s",
      ...(PREFILL > 0 ? { storedBefore: PREFILL } : {})
    }, "spans", n, floorMs, measured)
  })

const withPg = async <A>(database: string, use: (client: PgClient) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: `${PG_URL}/${database}` })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

const spansPg = (bodies: ReadonlyArray<Uint8Array>, n: number) =>
  Effect.gen(function*() {
    const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` })
    const ok = yield* Effect.promise(() => admin.connect().then(() => true, () => false))
    if (!ok) return line({ case: "spans into PostgreSQL", skipped: "no PostgreSQL on 127.0.0.1:5432" })
    const [httpDb, floorDb, servedDb] = ["http", "floor", "served"].map((name) => `paved_bench_${name}_${process.pid}`) as [string, string, string]
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        for (const name of [httpDb, floorDb, servedDb]) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await admin.end()
      }))
    for (const name of [httpDb, floorDb, servedDb]) yield* Effect.promise(() => admin.query(`CREATE DATABASE ${name}`))
    const measured: Array<Measured> = []
    if (wanted("in-process")) measured.push(yield* inProcess(SpanStore.layerPg({ url: `${PG_URL}/${httpDb}` }), "traces", bodies))
    if (servedAvailable()) {
      measured.push(yield* served(`${PG_URL}/${servedDb}`, "traces", bodies, n, () =>
        withPg(servedDb, async (client) => Number((await client.query("SELECT COUNT(*) AS n FROM observe_spans")).rows[0]!.n))))
    }
    // The floor's schema: the store creates it, then a bare pg client fills it.
    yield* Effect.gen(function*() {
      yield* (yield* SpanStore.SpanStore).insertSpans([])
    }).pipe(Effect.provide(SpanStore.layerPg({ url: `${PG_URL}/${floorDb}` })))
    const rows = spanRows(bodies, textIds)
    const floorMs = yield* Effect.promise(() =>
      withPg(floorDb, async (client) => {
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
        return performance.now() - started
      }))
    report({
      case: "spans: OTLP/protobuf via HTTP into PostgreSQL (batch 512, 4 clients)",
      floor: "same span rows, pg INSERT ... SELECT FROM unnest (one array per column), same table and indexes, 4096 per transaction",
      target: "≥ 25000 spans/s"
    }, "spans", n, floorMs, measured)
  }).pipe(Effect.scoped)

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
/**
 * Gauge requests of `perRequest` points: request r belongs to client r % 4 (see `sendAll`) and
 * holds `series` series of that client only, each point 1 µs after the one before, so every
 * point is new (none is a stale repeat the store would skip) whatever order the clients'
 * requests are committed in.
 */
const metricRequests = (total: number, perRequest = 1000, series = 200) => {
  const bodies: Array<Buffer> = []
  const base = BigInt(Date.now() - 600_000) * 1_000_000n
  const resource = ld(1, ld(1, Buffer.concat([ld(1, Buffer.from("service.name")), ld(2, ld(1, Buffer.from("metrics-bench")))])))
  for (let r = 0; r < total / perRequest; r++) {
    const points = Array.from({ length: perRequest }, (_, i) => {
      const k = (r % CONCURRENCY) * series + (i % series)
      const attr = ld(7, Buffer.concat([ld(1, Buffer.from("k")), ld(2, ld(1, Buffer.from(`v${k}`)))]))
      return ld(1, Buffer.concat([attr, fixed64(3, base + BigInt(r) * 100_000_000n + BigInt(i) * 1000n), double(4, i)]))
    })
    const metric = ld(2, Buffer.concat([ld(1, Buffer.from("bench.gauge")), ld(5, Buffer.concat(points))]))
    bodies.push(ld(1, Buffer.concat([resource, ld(2, metric)])))
  }
  return bodies
}

const pointsSqlite = (dir: string) =>
  Effect.gen(function*() {
    const bodies = metricRequests(POINTS)
    const measured: Array<Measured> = []
    if (wanted("in-process")) measured.push(yield* inProcess(SpanStore.layerSqlite({ filename: path.join(dir, "metrics.db") }), "metrics", bodies))
    if (servedAvailable()) {
      const file = path.join(dir, "metrics-served.db")
      measured.push(yield* served(file, "metrics", bodies, POINTS, countSqlite(file, "SELECT SUM(points) AS n FROM observe_metric_minute")))
    }
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
    report({
      case: "metric data points: OTLP/protobuf gauges via HTTP into SQLite (1000 points per request, 200 series per client, 4 clients)",
      floor: "one prepared per-minute UPSERT per point into the same table, 4096 per transaction (no series identity, no hashing)",
      target: "≥ 100000 points/s"
    }, "points", POINTS, floorMs, measured)
  })

await Effect.runPromise(Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-floor-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const requests = makeRequests(SPANS, 512)
  if (CASES.includes("spans-sqlite")) yield* spansSqlite(dir, requests.proto, requests.spans)
  if (CASES.includes("spans-pg")) yield* spansPg(requests.proto, requests.spans)
  if (CASES.includes("points-sqlite")) yield* pointsSqlite(dir)
}).pipe(Effect.scoped))
