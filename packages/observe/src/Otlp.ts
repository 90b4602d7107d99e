/**
 * OTLP export-request decoding, as the receiver does it: protobuf (`application/x-protobuf`) or
 * JSON (`application/json`) bodies of `ExportTraceServiceRequest` and `ExportLogsServiceRequest`
 * into stored records. Useful to tests and to tools that read captured OTLP files.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as json from "./internal/otlpJson.js"
import * as proto from "./internal/otlpProto.js"
import type { LogRecord, SpanRecord } from "./Span.js"

/**
 * The body is not a decodable OTLP request (the receiver answers 400).
 *
 * @since 0.1.0
 */
export class OtlpDecodeError extends Data.TaggedError("OtlpDecodeError")<{ readonly reason: string }> {
  override get message(): string {
    return `Not an OTLP export request: ${this.reason}`
  }
}

/**
 * A decoded request: the valid items, and how many were rejected (and why, for the last one).
 *
 * @since 0.1.0
 */
export interface Decoded<A> {
  readonly items: ReadonlyArray<A>
  readonly rejected: number
  readonly rejectReason: string
}

/**
 * @since 0.1.0
 */
export type Encoding = "json" | "protobuf"

const toEither = <A>(result: { readonly ok: true; readonly value: Decoded<A> } | { readonly ok: false; readonly message: string }) =>
  result.ok ? Either.right(result.value) : Either.left(new OtlpDecodeError({ reason: result.message }))

/**
 * Decodes an `ExportTraceServiceRequest`. Never throws, whatever the bytes.
 *
 * @since 0.1.0
 */
export const decodeTraces = (encoding: Encoding, body: Uint8Array): Either.Either<Decoded<SpanRecord>, OtlpDecodeError> => {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return toEither(encoding === "json" ? json.decodeTraces(buffer.toString("utf8")) : proto.decodeTraces(buffer))
}

/**
 * Decodes an `ExportLogsServiceRequest`. Never throws, whatever the bytes.
 *
 * @since 0.1.0
 */
export const decodeLogs = (encoding: Encoding, body: Uint8Array): Either.Either<Decoded<LogRecord>, OtlpDecodeError> => {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return toEither(encoding === "json" ? json.decodeLogs(buffer.toString("utf8")) : proto.decodeLogs(buffer))
}
