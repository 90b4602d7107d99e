/**
 * OTLP/HTTP response bodies, in the encoding of the request: `Export*ServiceResponse` with an
 * optional `partialSuccess`, and `google.rpc.Status` for errors.
 */

export type Encoding = "json" | "protobuf"

const varint = (value: number): Array<number> => {
  const bytes: Array<number> = []
  let v = Math.max(0, Math.floor(value))
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  bytes.push(v)
  return bytes
}

const field = (tag: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([...varint(tag), ...varint(payload.length)]), payload])

/** The signal's name for rejected items in `partialSuccess`. */
export type Signal = "traces" | "logs" | "metrics"
const rejectedField: Record<Signal, string> = {
  traces: "rejectedSpans",
  logs: "rejectedLogRecords",
  metrics: "rejectedDataPoints"
}

/** A success response; `partialSuccess` only when something was rejected. */
export const exportResponse = (encoding: Encoding, signal: Signal, rejected: number, message: string): Buffer => {
  if (encoding === "json") {
    const body = rejected > 0 || message.length > 0
      ? { partialSuccess: { [rejectedField[signal]]: String(rejected), errorMessage: message } }
      : {}
    return Buffer.from(JSON.stringify(body))
  }
  if (rejected === 0 && message.length === 0) return Buffer.alloc(0)
  const inner = Buffer.concat([
    Buffer.from([(1 << 3) | 0, ...varint(rejected)]),
    message.length > 0 ? field((2 << 3) | 2, Buffer.from(message)) : Buffer.alloc(0)
  ])
  return field((1 << 3) | 2, inner)
}

/** A `google.rpc.Status` body for 4xx/5xx responses. */
export const statusBody = (encoding: Encoding, code: number, message: string): Buffer => {
  if (encoding === "json") return Buffer.from(JSON.stringify({ code, message }))
  return Buffer.concat([Buffer.from([(1 << 3) | 0, ...varint(code)]), field((2 << 3) | 2, Buffer.from(message))])
}

export const contentTypeOf = (encoding: Encoding): string => (encoding === "json" ? "application/json" : "application/x-protobuf")
