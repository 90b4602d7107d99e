/**
 * OTLP/JSON (`application/json`) decoding. The JSON mapping of the OTLP protobuf messages uses
 * lowerCamelCase names, hex trace/span ids, enums as integers, and 64-bit integers as decimal
 * strings or numbers. Every field is type-checked: a value of the wrong type is treated as
 * absent, unknown fields are ignored, as the spec asks of receivers.
 */
import type { MetricKind, MetricPoint } from "../Metric.js"
import type { AttributeValue, Attributes, LogRecord, SpanEvent, SpanRecord } from "../Span.js"
import { peerOf } from "../Span.js"
import { type MetricHeader, PointSink, temporalityOf, TOO_MANY_POINTS } from "./otlpMetrics.js"
import { cleanText, type DecodeResult, identityOf, logIds, nanosInRange, MAX_VALUE_DEPTH, type ResourceIdentity, setAttribute, spanProblem, TOO_DEEP } from "./otlpModel.js"

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)
const array = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])
const str = (value: unknown): string => (typeof value === "string" ? cleanText(value) : "")
const int = (value: unknown): number => {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : 0
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value)
  return 0
}

// Nanosecond timestamps arrive as decimal strings of ~19 digits: cut the last three digits
// instead of going through a double, so microseconds stay exact.
const nanos = (value: unknown): number => {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.NaN
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return Number(value)
  return value === undefined ? 0 : Number.NaN
}
const micros = (value: unknown): number => {
  if (typeof value === "string" && /^\d{4,20}$/.test(value)) return Number(value.slice(0, -3))
  return Math.floor(nanos(value) / 1000)
}

const enumValue = (value: unknown, names: ReadonlyArray<string>): number => {
  if (typeof value === "number") return value
  if (typeof value === "string") {
    const index = names.indexOf(value)
    return index === -1 ? 0 : index
  }
  return 0
}
const KIND_NAMES = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"]
const STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]

const anyValue = (value: unknown, depth: number): AttributeValue => {
  if (!isObject(value)) return null
  if (depth > MAX_VALUE_DEPTH) return TOO_DEEP
  if ("stringValue" in value) return str(value.stringValue)
  if ("boolValue" in value) return value.boolValue === true
  if ("intValue" in value) return int(value.intValue)
  if ("doubleValue" in value) return typeof value.doubleValue === "number" ? value.doubleValue : Number(value.doubleValue) || 0
  if ("bytesValue" in value) return str(value.bytesValue)
  if ("arrayValue" in value) {
    const inner = isObject(value.arrayValue) ? value.arrayValue.values : undefined
    return array(inner).map((item) => anyValue(item, depth + 1))
  }
  if ("kvlistValue" in value) {
    const inner = isObject(value.kvlistValue) ? value.kvlistValue.values : undefined
    return keyValues(inner, depth + 1)
  }
  return null
}

const keyValues = (list: unknown, depth = 0): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {}
  for (const kv of array(list)) {
    if (isObject(kv) && typeof kv.key === "string" && kv.key.length > 0) setAttribute(out, kv.key, anyValue(kv.value, depth))
  }
  return out
}

const hexId = (value: unknown): string => (typeof value === "string" && /^[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : "")

interface Walked {
  readonly id: ResourceIdentity
  readonly item: Json
}

/** `resource{Spans,Logs,Metrics}[].scope{Spans,Logs,Metrics}[].{spans,logRecords,metrics}[]`. */
const walk = (
  body: unknown,
  names: readonly [string, string, string]
): ReadonlyArray<Walked> | undefined => {
  if (!isObject(body)) return undefined
  const out: Array<Walked> = []
  for (const resourceItem of array(body[names[0]])) {
    if (!isObject(resourceItem)) continue
    const attributes: Attributes = isObject(resourceItem.resource) ? keyValues(resourceItem.resource.attributes) : {}
    const id = identityOf(attributes)
    for (const scope of array(resourceItem[names[1]])) {
      if (!isObject(scope)) continue
      for (const item of array(scope[names[2]])) if (isObject(item)) out.push({ id, item })
    }
  }
  return out
}

const parse = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    // Deeply nested input can exhaust the stack inside JSON.parse; either way it is a 400.
    return { ok: false, message: `the JSON body does not parse: ${error instanceof Error ? error.message : String(error)}` }
  }
}

/** Decodes an `ExportTraceServiceRequest` in OTLP/JSON. */
export const decodeTraces = (text: string): DecodeResult<SpanRecord> => {
  const parsed = parse(text)
  if (!parsed.ok) return parsed
  const walked = walk(parsed.value, ["resourceSpans", "scopeSpans", "spans"])
  if (walked === undefined) return { ok: false, message: "the JSON body is not an ExportTraceServiceRequest object" }
  const items: Array<SpanRecord> = []
  let rejected = 0
  let rejectReason = ""
  for (const { id, item } of walked) {
    const traceId = hexId(item.traceId)
    const spanId = hexId(item.spanId)
    const startNs = nanos(item.startTimeUnixNano)
    const endNs = nanos(item.endTimeUnixNano)
    const problem = spanProblem(traceId, spanId, startNs, endNs)
    if (problem !== undefined) {
      rejected++
      rejectReason = problem
      continue
    }
    const kind = enumValue(item.kind, KIND_NAMES)
    const attributes = keyValues(item.attributes)
    const status = isObject(item.status) ? item.status : {}
    const startUs = micros(item.startTimeUnixNano)
    const events: Array<SpanEvent> = array(item.events).filter(isObject).map((e) => ({
      name: str(e.name),
      timeUs: micros(e.timeUnixNano),
      attributes: keyValues(e.attributes)
    }))
    const parent = hexId(item.parentSpanId)
    const statusCode = enumValue(status.code, STATUS_NAMES)
    items.push({
      traceId,
      spanId,
      parentSpanId: parent === "0000000000000000" ? "" : parent,
      service: id.service,
      namespace: id.namespace,
      entityRef: id.entityRef,
      name: str(item.name),
      kind: kind >= 0 && kind <= 5 ? kind : 0,
      startUs,
      durationUs: Math.max(0, micros(item.endTimeUnixNano) - startUs),
      status: statusCode >= 0 && statusCode <= 2 ? statusCode : 0,
      statusMessage: str(status.message),
      peer: peerOf(kind, attributes),
      attributes,
      resource: id.attributes,
      events
    })
  }
  return { ok: true, value: { items, rejected, rejectReason } }
}

/** Decodes an `ExportLogsServiceRequest` in OTLP/JSON. */
export const decodeLogs = (text: string): DecodeResult<LogRecord> => {
  const parsed = parse(text)
  if (!parsed.ok) return parsed
  const walked = walk(parsed.value, ["resourceLogs", "scopeLogs", "logRecords"])
  if (walked === undefined) return { ok: false, message: "the JSON body is not an ExportLogsServiceRequest object" }
  const items: Array<LogRecord> = []
  let rejected = 0
  for (const { id, item } of walked) {
    const time = item.timeUnixNano !== undefined && nanos(item.timeUnixNano) !== 0 ? item.timeUnixNano : item.observedTimeUnixNano
    if (!nanosInRange(nanos(time))) {
      rejected++
      continue
    }
    const attributes = keyValues(item.attributes)
    items.push({
      timeUs: micros(time) || 0,
      ...logIds(hexId(item.traceId), hexId(item.spanId), attributes),
      service: id.service,
      entityRef: id.entityRef,
      severityNumber: int(item.severityNumber),
      severityText: str(item.severityText),
      body: anyValue(item.body, 0),
      attributes
    })
  }
  return { ok: true, value: { items, rejected, rejectReason: rejected > 0 ? "a timestamp is outside 0 .. 2^63 nanoseconds" : "" } }
}

const num = (value: unknown): number => {
  if (typeof value === "number") return value
  if (typeof value === "string") {
    // The JSON mapping writes NaN and infinities as strings; they are kept so the checks reject them.
    if (value === "NaN") return Number.NaN
    if (value === "Infinity") return Number.POSITIVE_INFINITY
    if (value === "-Infinity") return Number.NEGATIVE_INFINITY
    return /^-?\d+(\.\d*)?([eE][-+]?\d+)?$/.test(value) ? Number(value) : Number.NaN
  }
  return value === undefined ? 0 : Number.NaN
}
const optionalNum = (value: unknown): number | undefined => (value === undefined || value === null ? undefined : num(value))
const numbers = (value: unknown): Array<number> => array(value).map(num)

const TEMPORALITY_NAMES = ["AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"]

const expBuckets = (value: unknown): { offset: number; counts: Array<number> } => {
  const b = isObject(value) ? value : {}
  return { offset: b.offset === undefined ? 0 : num(b.offset), counts: numbers(b.bucketCounts) }
}

/** Decodes an `ExportMetricsServiceRequest` in OTLP/JSON into checked data points. */
export const decodeMetrics = (text: string): DecodeResult<MetricPoint> => {
  const parsed = parse(text)
  if (!parsed.ok) return parsed
  const walked = walk(parsed.value, ["resourceMetrics", "scopeMetrics", "metrics"])
  if (walked === undefined) return { ok: false, message: "the JSON body is not an ExportMetricsServiceRequest object" }
  const sink = new PointSink()
  for (const { id, item } of walked) {
    const kind: MetricKind | undefined = isObject(item.sum)
      ? "sum"
      : isObject(item.gauge)
      ? "gauge"
      : isObject(item.histogram)
      ? "histogram"
      : isObject(item.exponentialHistogram)
      ? "exponentialHistogram"
      : undefined
    if (kind === undefined) continue
    const data = item[kind] as Json
    const header: MetricHeader = {
      name: str(item.name),
      description: str(item.description),
      unit: str(item.unit),
      kind,
      monotonic: data.isMonotonic === true,
      temporality: temporalityOf(enumValue(data.aggregationTemporality, TEMPORALITY_NAMES))
    }
    for (const dp of array(data.dataPoints)) {
      if (!isObject(dp)) continue
      const positive = expBuckets(dp.positive)
      const negative = expBuckets(dp.negative)
      sink.add(id, header, {
        attributes: keyValues(dp.attributes),
        startNs: nanos(dp.startTimeUnixNano),
        timeNs: nanos(dp.timeUnixNano),
        value: kind === "sum" || kind === "gauge" ? (dp.asDouble !== undefined ? num(dp.asDouble) : num(dp.asInt)) : num(dp.sum),
        count: num(dp.count),
        min: optionalNum(dp.min),
        max: optionalNum(dp.max),
        bounds: kind === "histogram" ? numbers(dp.explicitBounds) : [],
        buckets: kind === "histogram" ? numbers(dp.bucketCounts) : [],
        exponential: kind === "exponentialHistogram"
          ? { scale: num(dp.scale), zeroCount: num(dp.zeroCount), positiveOffset: positive.offset, positive: positive.counts, negativeOffset: negative.offset, negative: negative.counts }
          : undefined
      })
      if (sink.overLimit) return { ok: false, status: 413, message: TOO_MANY_POINTS }
    }
  }
  return { ok: true, value: { items: sink.items, rejected: sink.rejected, rejectReason: sink.reason } }
}
