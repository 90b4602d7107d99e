/**
 * What an OTLP request decodes to, whichever its encoding, and the checks shared by the JSON
 * and protobuf decoders.
 */
import type { AttributeValue, Attributes, LogRecord, SpanRecord } from "../Span.js"

/** The result of decoding one export request. */
export interface Decoded<A> {
  readonly items: Array<A>
  /** Items that were well-formed protobuf/JSON but invalid OTLP (e.g. an all-zero trace id). */
  readonly rejected: number
  readonly rejectReason: string
}

/** A decoded request, or why it could not be decoded at all (a 400). */
export type DecodeResult<A> =
  | { readonly ok: true; readonly value: Decoded<A> }
  | { readonly ok: false; readonly message: string; readonly status?: number | undefined }

/** Attribute values nested deeper than this are replaced, so a hostile payload cannot recurse. */
export const MAX_VALUE_DEPTH = 16

export const TOO_DEEP = "[nested too deep]"

const ZERO_TRACE = "00000000000000000000000000000000"
const ZERO_SPAN = "0000000000000000"

/**
 * Nanosecond timestamps must fit a signed 64-bit integer (OTLP's `fixed64` is unsigned, JSON
 * numbers can be anything): PostgreSQL's BIGINT refuses larger values, and a store error must
 * never be what rejects a hostile item.
 */
export const MAX_NANOS = 2 ** 63

/** Whether a nanosecond timestamp is stored as it is: finite, not negative, below 2^63. */
export const nanosInRange = (ns: number): boolean => Number.isFinite(ns) && ns >= 0 && ns < MAX_NANOS

/** Why a span is rejected, or undefined when it is valid. */
export const spanProblem = (traceId: string, spanId: string, startNs: number, endNs: number): string | undefined => {
  if (traceId.length !== 32 || traceId === ZERO_TRACE) return "invalid trace id (must be 16 non-zero bytes)"
  if (spanId.length !== 16 || spanId === ZERO_SPAN) return "invalid span id (must be 8 non-zero bytes)"
  if (!nanosInRange(startNs) || !nanosInRange(endNs)) return "a timestamp is outside 0 .. 2^63 nanoseconds"
  if (endNs < startNs) return "end time before start time"
  return undefined
}

/**
 * Text as stored: NUL characters become U+FFFD. PostgreSQL `text` and `jsonb` refuse NUL, and
 * both stores must keep the same data; a NUL in a name is never meaningful to a reader.
 */
export const cleanText = (text: string): string => (text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text)

/** Nanoseconds to whole microseconds. */
export const nsToUs = (ns: number): number => Math.floor(ns / 1000)

/** The resource-level identity of a batch of spans or logs. */
export interface ResourceIdentity {
  readonly attributes: Attributes
  readonly service: string
  readonly namespace: string
  readonly entityRef: string
}

export const identityOf = (attributes: Attributes): ResourceIdentity => {
  const name = attributes["service.name"]
  const namespace = attributes["service.namespace"]
  const service = typeof name === "string" && name.length > 0 ? name : "unknown_service"
  const ns = typeof namespace === "string" && namespace.length > 0 ? namespace : "default"
  const ref = attributes["paved.entity_ref"]
  const entityRef = typeof ref === "string" && ref.length > 0 ? ref.toLowerCase() : `component:${ns}/${service}`.toLowerCase()
  return { attributes, service, namespace: ns, entityRef }
}

export type SpanSink = Array<SpanRecord>
export type LogSink = Array<LogRecord>
export type { AttributeValue }

/**
 * Sets one decoded attribute as an own property. A plain assignment of the key `__proto__`
 * would replace the object's prototype instead (and drop the attribute): senders are untrusted.
 */
export const setAttribute = (into: Record<string, AttributeValue>, rawKey: string, value: AttributeValue): void =>
  setCleanAttribute(into, cleanText(rawKey), value)

/** {@link setAttribute} for a key whose NULs are already replaced (the protobuf reader's strings). */
export const setCleanAttribute = (into: Record<string, AttributeValue>, key: string, value: AttributeValue): void => {
  if (key === "__proto__") Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true })
  else into[key] = value
}

const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/

/**
 * The trace and span ids of a log record: its own fields, else the `traceId`/`spanId`
 * attributes that Effect's OpenTelemetry logger writes instead of the record's context.
 */
export const logIds = (traceId: string, spanId: string, attributes: Attributes): { traceId: string; spanId: string } => {
  if (traceId !== "" && traceId !== ZERO_TRACE) return { traceId, spanId: spanId === ZERO_SPAN ? "" : spanId }
  const t = attributes["traceId"]
  const s = attributes["spanId"]
  if (typeof t === "string" && HEX32.test(t) && t !== ZERO_TRACE) return { traceId: t, spanId: typeof s === "string" && HEX16.test(s) ? s : "" }
  return { traceId: "", spanId: "" }
}
