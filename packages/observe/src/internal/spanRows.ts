/**
 * Rows as the span store writes and reads them, and the small conversions around them.
 */
import type { Statement } from "@effect/sql/Statement"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { AttributeValue, Attributes, LogRecord, SpanEvent, SpanRecord } from "../Span.js"
import type * as SpanStore from "../SpanStore.js"

export type SpanRow = {
  readonly trace_id: string
  readonly span_id: string
  readonly parent_span_id: string
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
export const spanRow = (span: SpanRecord, resources: Map<object, string>): SpanRow => {
  let resource = resources.get(span.resource)
  if (resource === undefined) {
    resource = JSON.stringify(span.resource)
    resources.set(span.resource, resource)
  }
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
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
  traceId: row.trace_id,
  spanId: row.span_id,
  parentSpanId: row.parent_span_id,
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
