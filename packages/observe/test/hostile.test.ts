import { it } from "@effect/vitest"
import { Receiver, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as http from "node:http"
import * as zlib from "node:zlib"
import { describe, expect } from "vitest"

interface Reply {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

/** A raw POST; the upload may be cut short by the server (413) without failing the request. */
const post = (url: string, path: string, contentType: string, body: Buffer | (() => AsyncIterable<Buffer>), headers: Record<string, string> = {}) =>
  Effect.promise(() =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${url}${path}`, { method: "POST", headers: { "content-type": contentType, ...headers } }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on("error", reject)
      })
      req.on("error", () => undefined)
      if (Buffer.isBuffer(body)) req.end(body)
      else {
        void (async () => {
          for await (const chunk of body()) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r))
          req.end()
        })().catch(() => undefined)
      }
    })
  )

const validJson = (spanCount = 1, badCount = 0) => {
  const now = BigInt(Date.now()) * 1_000_000n
  const good = Array.from({ length: spanCount }, (_, i) => ({
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId: (i + 1).toString(16).padStart(16, "0"),
    name: `op ${i}`,
    kind: 2,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
    attributes: [{ key: "k", value: { intValue: "7" } }]
  }))
  const bad = Array.from({ length: badCount }, () => ({ traceId: "", spanId: "", name: "bad" }))
  return Buffer.from(JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "hostile" } }] }, scopeSpans: [{ spans: [...good, ...bad] }] }]
  }))
}

describe("Receiver against bad and hostile payloads", () => {
  it.scoped("answers every bad request with the right status and keeps serving", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store, maxBodyBytes: 1024 * 1024 })
      const { url } = receiver
      const stillServes = Effect.gen(function*() {
        const ok = yield* post(url, "/v1/traces", "application/json", validJson())
        expect(ok.status).toBe(200)
      })

      // Valid JSON with invalid spans: 200 and partialSuccess counting them.
      const partial = yield* post(url, "/v1/traces", "application/json", validJson(2, 3))
      expect(partial.status).toBe(200)
      expect(JSON.parse(partial.body.toString())).toEqual({
        partialSuccess: { rejectedSpans: "3", errorMessage: "3 rejected: invalid trace id (must be 16 non-zero bytes)" }
      })

      // gzip works; corrupt gzip is a 400.
      const gz = yield* post(url, "/v1/traces", "application/json", zlib.gzipSync(validJson()), { "content-encoding": "gzip" })
      expect(gz.status).toBe(200)
      const badGz = yield* post(url, "/v1/traces", "application/json", Buffer.from("not gzip at all"), { "content-encoding": "gzip" })
      expect(badGz.status).toBe(400)
      expect((yield* post(url, "/v1/traces", "application/json", validJson(), { "content-encoding": "br" })).status).toBe(415)

      // Truncated protobuf: a length that runs past the end of the body.
      const truncated = yield* post(url, "/v1/traces", "application/x-protobuf", Buffer.from([0x0a, 0xff, 0x01, 0x0a, 0x02]))
      expect(truncated.status).toBe(400)
      expect(truncated.headers["content-type"]).toBe("application/x-protobuf")
      const garbage = yield* post(url, "/v1/traces", "application/x-protobuf", Buffer.from([0x07, 0x00, 0xff, 0xff]))
      expect(garbage.status).toBe(400)
      // Empty protobuf is a valid empty request.
      expect((yield* post(url, "/v1/traces", "application/x-protobuf", Buffer.alloc(0))).status).toBe(200)

      // Malformed and deeply nested JSON.
      expect((yield* post(url, "/v1/traces", "application/json", Buffer.from("{\"resourceSpans\": ["))).status).toBe(400)
      expect((yield* post(url, "/v1/traces", "application/json", Buffer.from("[1,2,3]"))).status).toBe(400)
      const deep = Buffer.from("[".repeat(500_000) + "]".repeat(500_000))
      expect([200, 400]).toContain((yield* post(url, "/v1/traces", "application/json", deep)).status)
      // Attribute values nested 5000 levels deep (built as text: JSON.stringify would overflow).
      const deepValue = '{"arrayValue":{"values":['.repeat(5000) + '{"stringValue":"leaf"}' + "]}}".repeat(5000)
      const nestedText = validJson().toString().replace('[{"key":"k","value":{"intValue":"7"}}]', `[{"key":"deep","value":${deepValue}}]`)
      expect(nestedText).toContain("leaf")
      const nestedReply = yield* post(url, "/v1/traces", "application/json", Buffer.from(nestedText))
      expect(nestedReply.status).toBe(200)

      // Wrong content type and wrong method and path.
      const wrongType = yield* post(url, "/v1/traces", "text/plain", Buffer.from("hello"))
      expect(wrongType.status).toBe(415)
      expect((yield* post(url, "/v2/whatever", "application/json", validJson())).status).toBe(404)

      // 50 MB body, streamed: refused with 413 long before it is all sent.
      let sent = 0
      const big = yield* post(url, "/v1/traces", "application/json", async function*() {
        const chunk = Buffer.alloc(1024 * 1024, 0x20)
        for (let i = 0; i < 50; i++) {
          sent += chunk.length
          yield chunk
        }
      })
      expect(big.status).toBe(413)
      expect(sent).toBeLessThan(50 * 1024 * 1024)
      // Declared too large: refused from the headers.
      const declared = yield* post(url, "/v1/traces", "application/json", Buffer.alloc(2 * 1024 * 1024, 0x20))
      expect(declared.status).toBe(413)
      // A gzip bomb: small on the wire, above the limit once inflated.
      const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20))
      const bombReply = yield* post(url, "/v1/traces", "application/json", bomb, { "content-encoding": "gzip" })
      expect(bombReply.status).toBe(413)

      // Logs and metrics endpoints.
      const logs = yield* post(url, "/v1/logs", "application/json", Buffer.from(JSON.stringify({
        resourceLogs: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "hostile" } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: String(Date.now() * 1_000_000), severityText: "WARN", body: { stringValue: "careful" } }] }] }]
      })))
      expect(logs.status).toBe(200)
      expect((yield* store.logs({ service: "hostile" })).map((l) => l.body)).toEqual(["careful"])
      const metrics = yield* post(url, "/v1/metrics", "application/json", Buffer.from(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "m" }] }] }] })))
      expect(metrics.status).toBe(200)
      expect((yield* post(url, "/v1/metrics", "application/x-protobuf", Buffer.from([0x0a, 0x05, 0x01]))).status).toBe(400)

      yield* stillServes
      expect(receiver.stats().requests[413]).toBe(3)
    }).pipe(Effect.provide(SpanStore.layerMemory)))

  it.scopedLive("answers 429 with Retry-After when the write queue is full", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      // A store whose writes take a while, so requests pile up behind the first one.
      const slow: SpanStore.Service = { ...store, insertSpans: (spans) => Effect.delay(store.insertSpans(spans), "300 millis") }
      const receiver = yield* Receiver.serve({ port: 0, store: slow, maxQueuedItems: 10 })
      const replies = yield* Effect.all(
        Array.from({ length: 6 }, () => post(receiver.url, "/v1/traces", "application/json", validJson(5))),
        { concurrency: "unbounded" }
      )
      const statuses = replies.map((r) => r.status)
      expect(statuses).toContain(200)
      expect(statuses).toContain(429)
      expect(replies.find((r) => r.status === 429)!.headers["retry-after"]).toBe("1")
    }).pipe(Effect.provide(SpanStore.layerMemory)))

  it.scoped("fails with an actionable error when the port is taken", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const first = yield* Receiver.serve({ port: 0, store })
      const error = yield* Effect.flip(Receiver.serve({ port: first.port, store }))
      expect(error.message).toContain("the port is in use")
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})
