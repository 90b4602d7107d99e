/**
 * Ingest throughput through the HTTP receiver into SQLite, for OTLP/JSON and OTLP/protobuf,
 * with the SDK's default batch size (512 spans) and 4 concurrent exporters. The peer is the
 * store alone (the same spans inserted directly, no HTTP, no decoding): the ratio shows what the
 * receiver adds on top of the database work.
 */
import { Receiver, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as http from "node:http"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as json from "../src/internal/otlpJson.js"
import * as proto from "../src/internal/otlpProto.js"
import { makeRequests } from "./payloads.js"

const TOTAL = Number(process.env.BENCH_SPANS ?? 200_000)
const BATCH = 512
const CONCURRENCY = 4

const post = (agent: http.Agent, url: string, type: string, body: Uint8Array) =>
  new Promise<number>((resolve, reject) => {
    const req = http.request(`${url}/v1/traces`, { method: "POST", agent, headers: { "content-type": type, "content-length": body.length } }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
    })
    req.on("error", reject)
    req.end(body)
  })

const run = (encoding: "json" | "proto") =>
  Effect.gen(function*() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-bench-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
    const requests = makeRequests(TOTAL, BATCH)
    const bodies = encoding === "json" ? requests.json : requests.proto
    const type = encoding === "json" ? "application/json" : "application/x-protobuf"
    const result = yield* Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store, maxQueuedItems: 1_000_000 })
      const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
      const started = performance.now()
      const cpuBefore = process.cpuUsage()
      yield* Effect.promise(async () => {
        let next = 0
        const worker = async () => {
          while (next < bodies.length) {
            const body = bodies[next++]!
            const status = await post(agent, receiver.url, type, body)
            if (status !== 200) throw new Error(`status ${status}`)
          }
        }
        await Promise.all(Array.from({ length: CONCURRENCY }, worker))
      })
      const ms = performance.now() - started
      const cpu = process.cpuUsage(cpuBefore)
      agent.destroy()
      const found = yield* store.services({ since: "1 day" })
      const stored = found.reduce((n, s) => n + s.spans, 0)
      if (stored !== requests.spans) throw new Error(`stored ${stored} of ${requests.spans}`)
      return { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes: bodies.reduce((n, b) => n + b.length, 0) }
    }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: path.join(dir, "http.db") })))

    // Peer: the same spans straight into a fresh store (decoded outside the timing).
    const direct = yield* Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const batches = bodies.map((b) => {
        const decoded = encoding === "json" ? json.decodeTraces(Buffer.from(b).toString("utf8")) : proto.decodeTraces(Buffer.from(b))
        if (!decoded.ok) throw new Error(decoded.message)
        return decoded.value.items
      })
      const started = performance.now()
      for (const batch of batches) yield* store.insertSpans(batch)
      return performance.now() - started
    }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: path.join(dir, "direct.db") })))

    const spansPerSecond = Math.round(requests.spans / (result.ms / 1000))
    console.log(JSON.stringify({
      case: `ingest OTLP/${encoding} via HTTP into SQLite (batch ${BATCH}, ${CONCURRENCY} clients)`,
      n: requests.spans,
      ms: Math.round(result.ms),
      spansPerSecond,
      // On a shared, loaded machine wall time overstates the cost; CPU time of this process
      // (receiver and the sending clients together) is the load-independent measure.
      cpuMs: Math.round(result.cpuMs),
      spansPerCpuSecond: Math.round(requests.spans / (result.cpuMs / 1000)),
      mbPerSecond: Math.round((result.bytes / 1e6 / (result.ms / 1000)) * 10) / 10,
      peer: "same spans inserted into the store directly (no HTTP, no decode)",
      peerMs: Math.round(direct),
      ratio: Math.round((result.ms / direct) * 100) / 100,
      target: "≥ 50000 spans/s"
    }))
  }).pipe(Effect.scoped)

await Effect.runPromise(Effect.gen(function*() {
  yield* run("json")
  yield* run("proto")
}))
