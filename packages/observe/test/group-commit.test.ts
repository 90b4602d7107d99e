import { it } from "@effect/vitest"
import { Receiver, SpanStore } from "@paved/observe"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { describe, expect } from "vitest"

/** One span as OTLP/JSON, its own trace. */
const oneSpan = (i: number) => {
  const now = BigInt(Date.now()) * 1_000_000n
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "grouped" } }] },
      scopeSpans: [{
        spans: [{
          traceId: (i + 1).toString(16).padStart(32, "0"),
          spanId: (i + 1).toString(16).padStart(16, "0"),
          name: `op ${i}`,
          kind: 2,
          startTimeUnixNano: String(now),
          endTimeUnixNano: String(now + 1_000_000n)
        }]
      }]
    }]
  })
}

/**
 * A write side whose commits wait for the test to end them, one gate per commit, and that
 * logs when each commit starts and ends; `fail` makes the second commit (and any retry) fail.
 */
const gatedWriter = (events: Array<string>, gates: ReadonlyArray<Deferred.Deferred<void>>, fail: boolean): SpanStore.Writer => {
  let commits = 0
  return {
    insertSpans: (spans) =>
      Effect.gen(function*() {
        const n = commits++
        events.push(`begin ${spans.length}`)
        yield* Deferred.await(gates[Math.min(n, gates.length - 1)]!)
        if (fail && n > 0) {
          events.push(`failed ${spans.length}`)
          return yield* new SpanStore.SpanStoreError({ operation: `store ${spans.length} spans`, cause: new Error("disk I/O error") })
        }
        events.push(`commit ${spans.length}`)
      }),
    insertLogs: () => Effect.void,
    insertMetrics: () => Effect.succeed({ rejected: 0, reason: "" }),
    prune: () => Effect.succeed({ spans: 0, logs: 0 })
  }
}

const post = (url: string, body: string, events: Array<string>) =>
  Effect.promise(async () => {
    const res = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body })
    await res.arrayBuffer()
    events.push(`reply ${res.status}`)
    return { status: res.status, retryAfter: res.headers.get("retry-after") }
  })

/** Waits (polling) until `events` holds `entry`. */
const seen = (events: ReadonlyArray<string>, entry: string) =>
  Effect.gen(function*() {
    while (!events.includes(entry)) yield* Effect.sleep("10 millis")
  }).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error(`never saw "${entry}" in ${JSON.stringify(events)}`) }))

/** Sends one request and holds its commit open, then four more that queue behind it. */
const queueFourBehindOne = (fail: boolean) =>
  Effect.gen(function*() {
    const events: Array<string> = []
    const gates = [yield* Deferred.make<void>(), yield* Deferred.make<void>()]
    const receiver = yield* Receiver.serve({ port: 0, store: gatedWriter(events, gates, fail) })
    const first = yield* Effect.fork(post(receiver.url, oneSpan(0), events))
    yield* seen(events, "begin 1")
    const rest = yield* Effect.fork(Effect.all([1, 2, 3, 4].map((i) => post(receiver.url, oneSpan(i), events)), { concurrency: "unbounded" }))
    // The four are read and queued while the first commit is held open (generously timed, as
    // the receiver does not tell when a request is queued).
    yield* Effect.sleep("1 second")
    yield* Deferred.succeed(gates[0]!, undefined)
    expect((yield* Fiber.join(first)).status).toBe(200)
    yield* seen(events, "begin 4")
    yield* Effect.sleep("200 millis")
    const answeredBeforeCommit = events.filter((e) => e.startsWith("reply")).length
    yield* Deferred.succeed(gates[1]!, undefined)
    const replies = yield* Fiber.join(rest)
    return { events, replies, answeredBeforeCommit }
  })

describe("Receiver group commit", () => {
  it.scopedLive("requests queued behind a commit share the next one, and each is answered only after it", () =>
    Effect.gen(function*() {
      const { answeredBeforeCommit, events, replies } = yield* queueFourBehindOne(false)
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200])
      // Only the first request had been answered while the group's commit was open.
      expect(answeredBeforeCommit).toBe(1)
      expect(events.filter((e) => !e.startsWith("reply"))).toEqual(["begin 1", "commit 1", "begin 4", "commit 4"])
      expect(events.slice(events.indexOf("commit 4"))).toEqual(["commit 4", ...Array(4).fill("reply 200")])
    }))

  it.scopedLive("a replayed request (alone or in the same commit as the original) stores and counts nothing twice", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      const events: Array<string> = []
      const body = oneSpan(7)
      const together = yield* Effect.all([post(receiver.url, body, events), post(receiver.url, body, events)], { concurrency: "unbounded" })
      const again = yield* post(receiver.url, body, events)
      expect([...together, again].map((r) => r.status)).toEqual([200, 200, 200])
      expect((yield* store.searchTraces({ service: "grouped" })).map((t) => t.spanCount)).toEqual([1])
      expect((yield* store.red({ service: "grouped" })).map((r) => r.count)).toEqual([1])
    }).pipe(Effect.provide(SpanStore.layerMemory)))

  it.scopedLive("when a group's commit fails, every request in it fails (503, retryable), none before the failure", () =>
    Effect.gen(function*() {
      const { answeredBeforeCommit, events, replies } = yield* queueFourBehindOne(true)
      expect(answeredBeforeCommit).toBe(1)
      expect(replies.map((r) => r.status)).toEqual([503, 503, 503, 503])
      expect(replies.every((r) => r.retryAfter === "2")).toBe(true)
      // The group failed; each request was then tried alone and failed alone.
      expect(events.filter((e) => !e.startsWith("reply"))).toEqual([
        "begin 1", "commit 1", "begin 4", "failed 4", ...Array(4).fill(["begin 1", "failed 1"]).flat()
      ])
      expect(events.indexOf("failed 4")).toBeLessThan(events.indexOf("reply 503"))
    }))
})
