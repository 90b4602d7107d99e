/**
 * The embedded OTLP/HTTP receiver: `POST /v1/traces`, `/v1/logs` and `/v1/metrics` in JSON or
 * protobuf (optionally gzip), written to a store's write side through one batching writer that
 * commits every request queued meanwhile in one transaction per signal.
 *
 * Every request is answered as the OTLP specification asks: 200 once the data is committed
 * (with `partialSuccess` when items were rejected), 400 for data that does not decode or that
 * the database refuses, 413 above the body limit (reading stops there) or above 100 000 metric
 * data points, 415 for other content types, 429 with `Retry-After` when
 * the write queue is full, 503 with `Retry-After` when the store fails. Malformed or hostile
 * payloads are answered, never fatal.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as http from "node:http"
import { type Batch, makeHandler, type WriteOutcome } from "./internal/otlpHttp.js"
import type { MetricPoint } from "./Metric.js"
import type { LogRecord, SpanRecord } from "./Span.js"
import type * as SpanStore from "./SpanStore.js"

/**
 * The receiver could not start (most often: the port is taken).
 *
 * @since 0.1.0
 */
export class ReceiverError extends Data.TaggedError("ReceiverError")<{
  readonly host: string
  readonly port: number
  readonly cause: unknown
}> {
  override get message(): string {
    const code = (this.cause as { code?: unknown } | undefined)?.code
    const hint = code === "EADDRINUSE" ? " (the port is in use: pick another with --port, or 0 for any free port)" : ""
    return `The OTLP receiver could not listen on ${this.host}:${this.port}${hint}: ${String(this.cause)}`
  }
}

/**
 * Options of {@link serve}.
 *
 * @since 0.1.0
 */
export interface ServeOptions {
  /** Where spans, logs and metrics go: the write side of a store (a full store will do). */
  readonly store: SpanStore.Writer
  /** Default 4318 (the OTLP/HTTP port); 0 picks a free port. */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** Largest accepted body, after decompression; default 8 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** Spans and logs waiting to be written beyond which requests get 429; default 100 000. */
  readonly maxQueuedItems?: number | undefined
  /** When given, applied once at start and then every `pruneEvery` (default 1 minute). */
  readonly retention?: SpanStore.Retention | undefined
  readonly pruneEvery?: Duration.DurationInput | undefined
}

/**
 * A running receiver. `url` is the base URL to give an OTLP exporter
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`).
 *
 * @since 0.1.0
 */
export interface Receiver {
  readonly url: string
  readonly host: string
  readonly port: number
  /** Requests answered so far, by HTTP status, and items accepted. */
  readonly stats: () => { readonly requests: Readonly<Record<number, number>>; readonly accepted: number }
}

interface Pending {
  readonly batch: Batch
  readonly done: (outcome: WriteOutcome) => void
}

/**
 * Whether a store failure is about the data (a value the database refuses: PostgreSQL's class
 * 22 "data exception" and 23 "integrity constraint", SQLite's TOOBIG/MISMATCH/CONSTRAINT), so
 * retrying the same request can never succeed: it is answered 400, not 503.
 */
const isDataError = (error: unknown): boolean => {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 8; depth++) {
    const code = (cause as { code?: unknown }).code
    if (typeof code === "string" && (/^2[23][0-9A-Z]{3}$/.test(code) || /^SQLITE_(TOOBIG|MISMATCH|CONSTRAINT)/.test(code))) return true
    cause = (cause as { cause?: unknown }).cause
  }
  return false
}

/** Writes the pending requests' items, one transaction per signal. */
const write = (store: SpanStore.Writer, pending: ReadonlyArray<Pending>) => {
  const spans: Array<SpanRecord> = []
  const logs: Array<LogRecord> = []
  const points: Array<MetricPoint> = []
  for (const { batch } of pending) {
    if (batch.signal === "traces") for (const s of batch.items) spans.push(s)
    else if (batch.signal === "logs") for (const l of batch.items) logs.push(l)
    else for (const p of batch.items) points.push(p)
  }
  return Effect.all([store.insertSpans(spans), store.insertLogs(logs), store.insertMetrics(points)]).pipe(
    Effect.map(([, , metrics]) => metrics)
  )
}

const failed = (error: SpanStore.SpanStoreError): WriteOutcome => ({
  ok: false,
  status: isDataError(error.cause) ? 400 : 503,
  message: error.message
})

/** One turn of the event loop: lets sockets with data waiting be read and decoded. */
const nextTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** How the writer groups requests into one commit (see {@link writer}). */
interface Grouping {
  /** Bodies being read right now: more data is on its way. */
  readonly reading: () => number
  /** Items queued or being written. */
  readonly queued: () => number
}

/** A group stops growing at this many items... */
const GROUP_ITEMS = 16_384
/** ...or after waiting this long for more requests. */
const GROUP_WAIT_MS = 4

/**
 * Drains the queue: everything waiting goes into one transaction per signal (many requests
 * per commit). Since the database is written on this thread, nothing can arrive while a commit
 * runs; so once a request is waiting, the writer lets the event loop turn for as long as other
 * requests are mid-upload or new ones were queued in the last turn (at most
 * {@link GROUP_WAIT_MS}, up to {@link GROUP_ITEMS} items). Concurrent exporters then share one
 * commit, whose cost hardly depends on its size (random ids dirty index pages, not rows); a
 * lone exporter waits one idle turn. It also waits (within the same bound) until as many
 * requests are queued as the last group held: when a commit is asynchronous (PostgreSQL), a
 * request arriving during it would otherwise be committed alone just before the exporters the
 * commit answered send again, and groups alternated between one request and the rest. Every request is answered only once the commit holding it
 * is done. When that commit fails, the requests are written again one by one, so a request the
 * store refuses fails alone (400 when the database refused its data) and never takes the
 * others queued with it down.
 */
const writer = (store: SpanStore.Writer, queue: Queue.Queue<Pending>, grouping: Grouping, release: (n: number) => void) => {
  // Requests in the last group: the exporters answered by its commit are likely sending again.
  let lastGroup = 1
  return Effect.gen(function*() {
    const first = yield* Queue.take(queue)
    const started = Date.now()
    let waiting = yield* Queue.size(queue)
    while (grouping.queued() < GROUP_ITEMS && Date.now() - started < GROUP_WAIT_MS) {
      yield* nextTurn
      const now = yield* Queue.size(queue)
      if (now === waiting && grouping.reading() === 0 && now + 1 >= lastGroup) break
      waiting = now
    }
    const rest = yield* Queue.takeAll(queue)
    const pending = [first, ...rest]
    lastGroup = pending.length
    const items = pending.reduce((n, p) => n + p.batch.items.length, 0)
    const together = yield* Effect.either(write(store, pending))
    if (together._tag === "Right") {
      // Points refused for the series limit cannot be told apart per request: each request
      // whose points opened no series got them all stored; report the count to all senders.
      const metrics = together.right
      for (const p of pending) p.done({ ok: true, rejected: p.batch.signal === "metrics" ? Math.min(metrics.rejected, p.batch.items.length) : 0, reason: metrics.reason })
    } else if (pending.length === 1) {
      first.done(failed(together.left))
    } else {
      for (const p of pending) {
        const alone = yield* Effect.either(write(store, [p]))
        p.done(alone._tag === "Right"
          ? { ok: true, rejected: p.batch.signal === "metrics" ? alone.right.rejected : 0, reason: alone.right.reason }
          : failed(alone.left))
      }
    }
    release(items)
  }).pipe(Effect.forever)
}

/**
 * Starts the receiver; it stops (closing its port and connections) when the scope closes.
 *
 * @since 0.1.0
 */
export const serve = (options: ServeOptions): Effect.Effect<Receiver, ReceiverError, Scope.Scope> =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const requestedPort = options.port ?? 4318
    const maxQueued = options.maxQueuedItems ?? 100_000
    const queue = yield* Queue.unbounded<Pending>()
    let queued = 0
    let reading = 0
    const requests: Record<number, number> = {}
    let accepted = 0
    yield* Effect.forkScoped(writer(options.store, queue, { reading: () => reading, queued: () => queued }, (n) => (queued -= n)))
    if (options.retention !== undefined) {
      const retention = options.retention
      yield* options.store.prune(retention).pipe(
        Effect.catchAll((error) => Effect.logWarning(error.message)),
        Effect.repeat({ schedule: Schedule.spaced(options.pruneEvery ?? "1 minute") }),
        Effect.forkScoped
      )
    }
    const handler = makeHandler({
      maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024,
      onReading: (delta) => (reading += delta),
      onOutcome: (status, items) => {
        requests[status] = (requests[status] ?? 0) + 1
        if (status === 200) accepted += items
      },
      queue: {
        offer: (batch, done) => {
          // One oversized batch is still let in when the queue is empty, so a client whose
          // batches exceed the limit gets through instead of retrying forever.
          if (queued > 0 && queued + batch.items.length > maxQueued) return false
          queued += batch.items.length
          return Queue.unsafeOffer(queue, { batch, done })
        }
      }
    })
    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server, ReceiverError>((resume) => {
        const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, handler)
        const onError = (cause: unknown) => resume(Effect.fail(new ReceiverError({ host, port: requestedPort, cause })))
        server.once("error", onError)
        server.listen(requestedPort, host, () => {
          server.off("error", onError)
          // Errors on a listening server are per connection; they must not bring it down.
          server.on("error", () => undefined)
          server.on("clientError", (_error, socket) => socket.destroy())
          resume(Effect.succeed(server))
        })
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        }).pipe(Effect.timeoutOption("5 seconds"))
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : requestedPort
    const urlHost = host.includes(":") ? `[${host}]` : host
    return {
      url: `http://${urlHost}:${port}`,
      host,
      port,
      stats: () => ({ requests: { ...requests }, accepted })
    }
  })
