/**
 * Rows as the span store writes and reads them, and the small conversions around them.
 */
import type { Statement } from "@effect/sql/Statement"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { AttributeValue, Attributes, LogRecord, SpanEvent, SpanRecord } from "../Span.js"
import type * as SpanStore from "../SpanStore.js"

/** A stored trace, span or parent span id: see {@link IdEncoding}. */
export type StoredId = string | Uint8Array

/**
 * How ids are stored. SQLite keeps a lowercase hex id as its raw bytes (`blobIds`): the
 * `(trace_id, span_id)` index, whose random keys dirty a page per span, is then less than
 * half as large, which cut the writer's CPU per span by about a quarter. Anything else (the
 * empty parent id, ids from callers that are not hex) stays text, so every id round-trips
 * and no two ids collide (a blob never equals a text). PostgreSQL keeps text (`textIds`).
 */
export type IdEncoding = (id: string) => StoredId

export const textIds: IdEncoding = (id) => id

/** The value of each lowercase hex digit by its char code, -1 for every other code below 128. */
const HEX_DIGITS = Int8Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1))

const hexDigit = (code: number): number => (code < 128 ? HEX_DIGITS[code]! : -1)

// Checked and converted in one pass: a regular expression and then Buffer.from(id, "hex") cost
// more per span than the row's other fields together.
export const blobIds: IdEncoding = (id) => {
  const length = id.length
  if (length === 0 || length % 2 === 1) return id
  const bytes = Buffer.allocUnsafe(length / 2)
  for (let i = 0; i < length; i += 2) {
    const high = hexDigit(id.charCodeAt(i))
    const low = hexDigit(id.charCodeAt(i + 1))
    if (high < 0 || low < 0) return id
    bytes[i / 2] = (high << 4) | low
  }
  return bytes
}

/** An id as read back, whichever way it was stored. */
export const idFromStored = (id: unknown): string =>
  typeof id === "string" ? id : id instanceof Uint8Array ? Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex") : String(id)

export type SpanRow = {
  readonly trace_id: StoredId
  readonly span_id: StoredId
  readonly parent_span_id: StoredId
  readonly service: string
  readonly namespace: string
  readonly entity_ref: string
  readonly name: string
  readonly kind: number
  readonly start_us: number
  readonly duration_us: number
  readonly status: number
  readonly status_message: string
  readonly peer: string
  readonly attributes: string
  readonly resource: string
  readonly events: string
}

/** A span as a row; `resources` caches the JSON of resources shared by many spans. */
export const spanRow = (span: SpanRecord, resources: Map<object, string>, ids: IdEncoding = textIds): SpanRow => {
  let resource = resources.get(span.resource)
  if (resource === undefined) {
    resource = JSON.stringify(span.resource)
    resources.set(span.resource, resource)
  }
  return {
    trace_id: ids(span.traceId),
    span_id: ids(span.spanId),
    parent_span_id: ids(span.parentSpanId),
    service: span.service,
    namespace: span.namespace,
    entity_ref: span.entityRef,
    name: span.name,
    kind: span.kind,
    start_us: span.startUs,
    duration_us: span.durationUs,
    status: span.status,
    status_message: span.statusMessage,
    peer: span.peer,
    attributes: JSON.stringify(span.attributes),
    resource,
    events: span.events.length === 0 ? "[]" : JSON.stringify(span.events)
  }
}

const parseJson = <A>(text: unknown, fallback: A): A => {
  if (typeof text !== "string") return fallback
  try {
    return JSON.parse(text) as A
  } catch {
    return fallback
  }
}

export const spanFromRow = (row: SpanRow): SpanRecord => ({
  traceId: idFromStored(row.trace_id),
  spanId: idFromStored(row.span_id),
  parentSpanId: idFromStored(row.parent_span_id),
  service: row.service,
  namespace: row.namespace,
  entityRef: row.entity_ref,
  name: row.name,
  kind: Number(row.kind),
  startUs: Number(row.start_us),
  durationUs: Number(row.duration_us),
  status: Number(row.status),
  statusMessage: row.status_message,
  peer: row.peer,
  attributes: parseJson<Attributes>(row.attributes, {}),
  resource: parseJson<Attributes>(row.resource, {}),
  events: parseJson<ReadonlyArray<SpanEvent>>(row.events, [])
})

export const logFromRow = (row: Record<string, unknown>): LogRecord => ({
  timeUs: Number(row.time_us),
  traceId: String(row.trace_id),
  spanId: String(row.span_id),
  service: String(row.service),
  entityRef: String(row.entity_ref),
  severityNumber: Number(row.severity_number),
  severityText: String(row.severity_text),
  body: parseJson<AttributeValue>(row.body, null),
  attributes: parseJson<Attributes>(row.attributes, {})
})

/** A window in microseconds since the epoch. */
export interface Bounds {
  readonly fromUs: number
  readonly untilUs: number
}

export const windowBounds = (window: SpanStore.Window): Bounds => {
  const untilUs = (window.until ?? new Date()).getTime() * 1000
  const fromUs = window.from !== undefined
    ? window.from.getTime() * 1000
    : untilUs - Duration.toMillis(Duration.decode(window.since ?? "1 hour")) * 1000
  return { fromUs, untilUs }
}

// Bound parameters per statement: below SQLite's 32766 and PostgreSQL's 65535, and small enough
// that the statement text (and SQLite's prepared-statement cache entry) stays modest.
const MAX_PARAMS = 8000

/** Runs a multi-row insert per chunk of rows. */
export const insertChunks = <A>(
  rows: ReadonlyArray<A>,
  columns: number,
  statement: (chunk: ReadonlyArray<A>) => Statement<object>
) => {
  const size = Math.max(1, Math.floor(MAX_PARAMS / columns))
  const chunks: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size))
  return Effect.forEach(chunks, statement, { discard: true })
}
