/**
 * The OTLP/HTTP request handler: routing, content negotiation, bounded body reading (with gzip),
 * decoding, and the answer once the write queue has committed the data.
 *
 * Plain `node:http` rather than `@effect/platform`'s HttpServer because the receiver must stop
 * reading a body the moment it passes the limit (a 50 MB upload is refused after the first few
 * megabytes, never buffered), must answer before reading when the headers already say no, and
 * is on the hot path of every exported span; Effect owns the server's lifetime and the writer.
 */
import type * as http from "node:http"
import * as zlib from "node:zlib"
import type { MetricPoint } from "../Metric.js"
import type { LogRecord, SpanRecord } from "../Span.js"
import * as json from "./otlpJson.js"
import type { DecodeResult } from "./otlpModel.js"
import * as proto from "./otlpProto.js"
import { contentTypeOf, type Encoding, exportResponse, type Signal, statusBody } from "./otlpResponse.js"

/** What the handler hands to the writer. */
export type Batch =
  | { readonly signal: "traces"; readonly items: ReadonlyArray<SpanRecord> }
  | { readonly signal: "logs"; readonly items: ReadonlyArray<LogRecord> }
  | { readonly signal: "metrics"; readonly items: ReadonlyArray<MetricPoint> }

/**
 * How the writer ended a batch: committed (with data points the store refused, e.g. over its
 * series limit), refused for its data (400, not retryable) or failed by the store (503).
 */
export type WriteOutcome =
  | { readonly ok: true; readonly rejected: number; readonly reason: string }
  | { readonly ok: false; readonly status: 400 | 503; readonly message: string }

/** The writer as the handler sees it: `false` when the queue is full. */
export interface WriteQueue {
  readonly offer: (batch: Batch, done: (outcome: WriteOutcome) => void) => boolean
}

export interface HandlerOptions {
  readonly maxBodyBytes: number
  readonly queue: WriteQueue
  /** Counts requests by outcome, for the `serve` command's summary. */
  readonly onOutcome?: ((status: number, items: number) => void) | undefined
  /**
   * Told when a request starts sending its body (+1) and when that body has been read, refused
   * or abandoned (-1), so the writer can tell whether more data is on its way.
   */
  readonly onReading?: ((delta: 1 | -1) => void) | undefined
}

const paths: Record<string, Signal> = { "/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics" }

const encodingOf = (contentType: string | undefined): Encoding | undefined => {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase()
  if (type === "application/json") return "json"
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf"
  return undefined
}

type Body = { readonly ok: true; readonly data: Buffer } | { readonly ok: false; readonly status: number; readonly message: string }

/** Reads at most `limit` bytes (after decompression), giving up as soon as the limit is passed. */
const readBody = (req: http.IncomingMessage, limit: number, done: (body: Body) => void): void => {
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase()
  if (encoding !== "identity" && encoding !== "gzip") {
    done({ ok: false, status: 415, message: `content-encoding ${encoding} is not supported; use gzip or none` })
    return
  }
  const declared = Number(req.headers["content-length"] ?? "0")
  if (declared > limit) {
    done({ ok: false, status: 413, message: `the body (${declared} bytes) is above the limit of ${limit} bytes` })
    return
  }
  let finished = false
  const finish = (body: Body) => {
    if (finished) return
    finished = true
    done(body)
  }
  const chunks: Array<Buffer> = []
  let size = 0
  const source: NodeJS.ReadableStream = encoding === "gzip" ? req.pipe(zlib.createGunzip()) : req
  source.on("data", (chunk: Buffer) => {
    if (finished) return
    size += chunk.length
    if (size > limit) {
      finish({ ok: false, status: 413, message: `the body is above the limit of ${limit} bytes` })
      return
    }
    chunks.push(chunk)
  })
  source.on("end", () => finish({ ok: true, data: Buffer.concat(chunks, size) }))
  source.on("error", () => finish({ ok: false, status: 400, message: "the body could not be read (corrupt gzip data or an aborted upload)" }))
  req.on("aborted", () => finish({ ok: false, status: 400, message: "the upload was aborted" }))
}

const send = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  encoding: Encoding,
  body: Buffer,
  headers: Record<string, string> = {}
): void => {
  if (res.headersSent || res.destroyed) return
  // When the request body was not (fully) read, the connection cannot be reused: close it after
  // answering instead of draining an upload nobody wants.
  const close = !req.complete
  res.writeHead(status, {
    "content-type": contentTypeOf(encoding),
    "content-length": String(body.length),
    ...(close ? { connection: "close" } : {}),
    ...headers
  })
  res.end(body, () => {
    if (close) req.socket.destroy()
  })
}

const decode = (signal: Signal, encoding: Encoding, data: Buffer): DecodeResult<SpanRecord> | DecodeResult<LogRecord> | DecodeResult<MetricPoint> => {
  if (encoding === "json") {
    const text = data.toString("utf8")
    return signal === "traces" ? json.decodeTraces(text) : signal === "logs" ? json.decodeLogs(text) : json.decodeMetrics(text)
  }
  return signal === "traces" ? proto.decodeTraces(data) : signal === "logs" ? proto.decodeLogs(data) : proto.decodeMetrics(data)
}

/** Builds the request listener. */
export const makeHandler = (options: HandlerOptions) => (req: http.IncomingMessage, res: http.ServerResponse): void => {
  const outcome = (status: number, items = 0) => options.onOutcome?.(status, items)
  const url = (req.url ?? "/").split("?")[0]!
  const signal = paths[url]
  const encoding = encodingOf(req.headers["content-type"])
  const replyEncoding = encoding ?? "json"
  if (signal === undefined) {
    outcome(404)
    return send(req, res, 404, "json", statusBody("json", 5, `no OTLP endpoint at ${url}; use /v1/traces, /v1/logs or /v1/metrics`))
  }
  if (req.method !== "POST") {
    outcome(405)
    return send(req, res, 405, "json", statusBody("json", 12, "OTLP/HTTP accepts POST only"), { allow: "POST" })
  }
  if (encoding === undefined) {
    outcome(415)
    return send(req, res, 415, "json", statusBody("json", 3, `content-type ${req.headers["content-type"] ?? "(none)"} is not supported; use application/json or application/x-protobuf`))
  }
  options.onReading?.(1)
  readBody(req, options.maxBodyBytes, (body) => {
    options.onReading?.(-1)
    if (!body.ok) {
      outcome(body.status)
      return send(req, res, body.status, replyEncoding, statusBody(replyEncoding, 3, body.message))
    }
    let decoded: ReturnType<typeof decode>
    try {
      decoded = decode(signal, encoding, body.data)
    } catch (error) {
      // The decoders do not throw by design; this guards the server against the unforeseen.
      decoded = { ok: false, message: `the body could not be decoded: ${String(error)}` }
    }
    if (!decoded.ok) {
      const status = decoded.status ?? 400
      outcome(status)
      return send(req, res, status, encoding, statusBody(encoding, 3, decoded.message))
    }
    const { items, rejected, rejectReason } = decoded.value
    const reply = (more = 0, moreReason = "") => {
      const total = rejected + more
      outcome(200, items.length - more)
      const reason = more > 0 ? moreReason : rejectReason
      send(req, res, 200, encoding, exportResponse(encoding, signal, total, total > 0 ? `${total} rejected: ${reason}` : ""))
    }
    if (items.length === 0) return reply()
    const batch = signal === "traces"
      ? { signal, items: items as ReadonlyArray<SpanRecord> }
      : signal === "logs"
      ? { signal, items: items as ReadonlyArray<LogRecord> }
      : { signal, items: items as ReadonlyArray<MetricPoint> }
    const accepted = options.queue.offer(batch, (written) => {
      if (written.ok) return reply(written.rejected, written.reason)
      outcome(written.status)
      if (written.status === 400) {
        return send(req, res, 400, encoding, statusBody(encoding, 3, `the store refused this request's data: ${written.message}`))
      }
      send(req, res, 503, encoding, statusBody(encoding, 14, `the span store failed: ${written.message}`), { "retry-after": "2" })
    })
    if (!accepted) {
      outcome(429)
      send(req, res, 429, encoding, statusBody(encoding, 8, "the write queue is full; retry later"), { "retry-after": "1" })
    }
  })
}
