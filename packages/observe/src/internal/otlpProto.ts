/**
 * OTLP protobuf (`application/x-protobuf`) decoding of trace, logs and metrics export requests,
 * field numbers as in opentelemetry-proto `collector/{trace,logs,metrics}/v1`.
 */
import type { MetricKind, MetricPoint } from "../Metric.js"
import type { AttributeValue, Attributes, LogRecord, SpanEvent, SpanRecord } from "../Span.js"
import { peerOf } from "../Span.js"
import { type DecodeResult, identityOf, logIds, MAX_VALUE_DEPTH, nanosInRange, nsToUs, type ResourceIdentity, setCleanAttribute, spanProblem, TOO_DEEP } from "./otlpModel.js"
import { MAX_BOUNDS, MAX_EXP_BUCKETS, type MetricHeader, PointSink, temporalityOf, TOO_MANY_POINTS } from "./otlpMetrics.js"
import { ProtoReader } from "./protoReader.js"

const anyValue = (r: ProtoReader, depth: number): AttributeValue => {
  if (depth > MAX_VALUE_DEPTH) return TOO_DEEP
  let value: AttributeValue = null
  while (r.more()) {
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | 2:
        value = r.string()
        break
      case (2 << 3) | 0:
        value = r.varint() !== 0
        break
      case (3 << 3) | 0:
        value = r.int64()
        break
      case (4 << 3) | 1:
        value = r.double()
        break
      case (5 << 3) | 2: {
        const array = r.message()
        const values: Array<AttributeValue> = []
        while (array.more()) {
          if (array.varint() === ((1 << 3) | 2)) {
            const item = array.message()
            values.push(anyValue(item, depth + 1))
            array.join(item)
          } else array.fail()
        }
        r.join(array)
        value = values
        break
      }
      case (6 << 3) | 2: {
        const list = r.message()
        const map: Record<string, AttributeValue> = {}
        while (list.more()) {
          if (list.varint() === ((1 << 3) | 2)) {
            const kv = list.message()
            keyValue(kv, map, depth + 1)
            list.join(kv)
          } else list.fail()
        }
        r.join(list)
        value = map
        break
      }
      case (7 << 3) | 2:
        value = r.base64()
        break
      default:
        r.skip(tag & 7)
    }
  }
  return value
}

const keyValue = (r: ProtoReader, into: Record<string, AttributeValue>, depth: number): void => {
  let key = ""
  let value: AttributeValue = null
  while (r.more()) {
    const tag = r.tag()
    if (tag === ((1 << 3) | 2)) key = r.string()
    else if (tag === ((2 << 3) | 2)) {
      const v = r.message()
      value = anyValue(v, depth)
      r.join(v)
    } else r.skip(tag & 7)
  }
  // The reader's strings have their NULs replaced already.
  if (key.length > 0) setCleanAttribute(into, key, value)
}

/** Reads a repeated `KeyValue` field occurrence into `into`. */
const attribute = (r: ProtoReader, into: Record<string, AttributeValue>): void => {
  const kv = r.message()
  keyValue(kv, into, 0)
  r.join(kv)
}

const resource = (r: ProtoReader): Attributes => {
  const m = r.message()
  const attributes: Record<string, AttributeValue> = {}
  while (m.more()) {
    const tag = m.tag()
    if (tag === ((1 << 3) | 2)) attribute(m, attributes)
    else m.skip(tag & 7)
  }
  r.join(m)
  return attributes
}

const event = (r: ProtoReader): SpanEvent => {
  const m = r.message()
  let name = ""
  let timeNs = 0
  const attributes: Record<string, AttributeValue> = {}
  while (m.more()) {
    const tag = m.tag()
    if (tag === ((1 << 3) | 1)) timeNs = m.fixed64()
    else if (tag === ((2 << 3) | 2)) name = m.string()
    else if (tag === ((3 << 3) | 2)) attribute(m, attributes)
    else m.skip(tag & 7)
  }
  r.join(m)
  return { name, timeUs: nsToUs(timeNs), attributes }
}

interface Rejections {
  count: number
  reason: string
}

const span = (r: ProtoReader, id: ResourceIdentity, out: Array<SpanRecord>, rejected: Rejections): void => {
  const m = r.message()
  let traceId = ""
  let spanId = ""
  let parentSpanId = ""
  let name = ""
  let kind = 0
  let startNs = 0
  let endNs = 0
  let status = 0
  let statusMessage = ""
  const attributes: Record<string, AttributeValue> = {}
  const events: Array<SpanEvent> = []
  while (m.more()) {
    const tag = m.tag()
    switch (tag) {
      case (1 << 3) | 2:
        traceId = m.hex()
        break
      case (2 << 3) | 2:
        spanId = m.hex()
        break
      case (4 << 3) | 2:
        parentSpanId = m.hex()
        break
      case (5 << 3) | 2:
        name = m.string()
        break
      case (6 << 3) | 0:
        kind = m.varint()
        break
      case (7 << 3) | 1:
        startNs = m.fixed64()
        break
      case (8 << 3) | 1:
        endNs = m.fixed64()
        break
      case (9 << 3) | 2:
        attribute(m, attributes)
        break
      case (11 << 3) | 2:
        events.push(event(m))
        break
      case (15 << 3) | 2: {
        const s = m.message()
        while (s.more()) {
          const t = s.tag()
          if (t === ((2 << 3) | 2)) statusMessage = s.string()
          else if (t === ((3 << 3) | 0)) status = s.varint()
          else s.skip(t & 7)
        }
        m.join(s)
        break
      }
      default:
        m.skip(tag & 7)
    }
  }
  r.join(m)
  if (m.failed) return
  const problem = spanProblem(traceId, spanId, startNs, endNs)
  if (problem !== undefined) {
    rejected.count++
    rejected.reason = problem
    return
  }
  out.push({
    traceId,
    spanId,
    parentSpanId: parentSpanId === "0000000000000000" ? "" : parentSpanId,
    service: id.service,
    namespace: id.namespace,
    entityRef: id.entityRef,
    name,
    kind: kind <= 5 ? kind : 0,
    startUs: nsToUs(startNs),
    durationUs: nsToUs(endNs - startNs),
    status: status <= 2 ? status : 0,
    statusMessage,
    peer: peerOf(kind, attributes),
    attributes,
    resource: id.attributes,
    events
  })
}

/** Walks `Resource{Spans,Logs,Metrics}` → `Scope*` → items, handing each item's bytes on. */
const walk = (
  buf: Buffer,
  item: (r: ProtoReader, id: ResourceIdentity) => void
): { readonly failed: boolean } => {
  const root = new ProtoReader(buf)
  while (root.more()) {
    const tag = root.tag()
    if (tag !== ((1 << 3) | 2)) {
      root.skip(tag & 7)
      continue
    }
    const rs = root.message()
    let attrs: Attributes = {}
    const scopes: Array<ProtoReader> = []
    while (rs.more()) {
      const t = rs.tag()
      if (t === ((1 << 3) | 2)) attrs = resource(rs)
      else if (t === ((2 << 3) | 2)) scopes.push(rs.message())
      else rs.skip(t & 7)
    }
    root.join(rs)
    const id = identityOf(attrs)
    for (const scope of scopes) {
      while (scope.more()) {
        const t = scope.tag()
        if (t === ((2 << 3) | 2)) item(scope, id)
        else scope.skip(t & 7)
      }
      root.join(scope)
    }
  }
  return { failed: root.failed }
}

/** Decodes an `ExportTraceServiceRequest`. */
export const decodeTraces = (buf: Buffer): DecodeResult<SpanRecord> => {
  const items: Array<SpanRecord> = []
  const rejected: Rejections = { count: 0, reason: "" }
  const { failed } = walk(buf, (r, id) => span(r, id, items, rejected))
  if (failed) return { ok: false, message: "the protobuf body is truncated or malformed" }
  return { ok: true, value: { items, rejected: rejected.count, rejectReason: rejected.reason } }
}

const logRecord = (r: ProtoReader, id: ResourceIdentity, out: Array<LogRecord>, rejected: Rejections): void => {
  const m = r.message()
  let timeNs = 0
  let observedNs = 0
  let severityNumber = 0
  let severityText = ""
  let body: AttributeValue = null
  let traceId = ""
  let spanId = ""
  const attributes: Record<string, AttributeValue> = {}
  while (m.more()) {
    const tag = m.tag()
    switch (tag) {
      case (1 << 3) | 1:
        timeNs = m.fixed64()
        break
      case (2 << 3) | 0:
        severityNumber = m.varint()
        break
      case (3 << 3) | 2:
        severityText = m.string()
        break
      case (5 << 3) | 2: {
        const v = m.message()
        body = anyValue(v, 0)
        m.join(v)
        break
      }
      case (6 << 3) | 2:
        attribute(m, attributes)
        break
      case (9 << 3) | 2:
        traceId = m.hex()
        break
      case (10 << 3) | 2:
        spanId = m.hex()
        break
      case (11 << 3) | 1:
        observedNs = m.fixed64()
        break
      default:
        m.skip(tag & 7)
    }
  }
  r.join(m)
  if (m.failed) return
  if (!nanosInRange(timeNs || observedNs)) {
    rejected.count++
    rejected.reason = "a timestamp is outside 0 .. 2^63 nanoseconds"
    return
  }
  out.push({
    timeUs: nsToUs(timeNs || observedNs),
    ...logIds(traceId, spanId, attributes),
    service: id.service,
    entityRef: id.entityRef,
    severityNumber,
    severityText,
    body,
    attributes
  })
}

/** Decodes an `ExportLogsServiceRequest`. */
export const decodeLogs = (buf: Buffer): DecodeResult<LogRecord> => {
  const items: Array<LogRecord> = []
  const rejected: Rejections = { count: 0, reason: "" }
  const { failed } = walk(buf, (r, id) => logRecord(r, id, items, rejected))
  if (failed) return { ok: false, message: "the protobuf body is truncated or malformed" }
  return { ok: true, value: { items, rejected: rejected.count, rejectReason: rejected.reason } }
}

/** A signed 64-bit integer from a `fixed64`/`sfixed64` field, as a number. */
const sfixed64 = (r: ProtoReader): number => {
  const unsigned = r.fixed64()
  return unsigned >= 2 ** 63 ? unsigned - 2 ** 64 : unsigned
}

const zigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2)

/** A repeated scalar field, packed (wire type 2) or not. */
const repeated = (r: ProtoReader, tag: number, read: (r: ProtoReader) => number, into: Array<number>, limit: number): void => {
  if ((tag & 7) === 2) {
    const packed = r.message()
    while (packed.more()) {
      const value = read(packed)
      if (into.length <= limit) into.push(value)
    }
    r.join(packed)
  } else {
    const value = read(r)
    if (into.length <= limit) into.push(value)
  }
}

const expBuckets = (r: ProtoReader): { offset: number; counts: Array<number> } => {
  const m = r.message()
  let offset = 0
  const counts: Array<number> = []
  while (m.more()) {
    const tag = m.tag()
    if (tag === ((1 << 3) | 0)) offset = zigzag(m.varint())
    else if (tag >> 3 === 2) repeated(m, tag, (x) => x.varint(), counts, MAX_EXP_BUCKETS)
    else m.skip(tag & 7)
  }
  r.join(m)
  return { offset, counts }
}

/** One data point; `m` reads exactly its message. */
const dataPoint = (m: ProtoReader, header: MetricHeader, id: ResourceIdentity, sink: PointSink): void => {
  const attributes: Record<string, AttributeValue> = {}
  let startNs = 0
  let timeNs = 0
  let value = 0
  let count = 0
  let min: number | undefined
  let max: number | undefined
  const bounds: Array<number> = []
  const buckets: Array<number> = []
  let scale = 0
  let zeroCount = 0
  let positive = { offset: 0, counts: [] as Array<number> }
  let negative = { offset: 0, counts: [] as Array<number> }
  const number = header.kind === "sum" || header.kind === "gauge"
  const exponential = header.kind === "exponentialHistogram"
  while (m.more()) {
    const tag = m.tag()
    const field = tag >> 3
    const wire = tag & 7
    if (field === 2 && wire === 1) startNs = m.fixed64()
    else if (field === 3 && wire === 1) timeNs = m.fixed64()
    else if (number) {
      if (field === 7 && wire === 2) attribute(m, attributes)
      else if (field === 4 && wire === 1) value = m.double()
      else if (field === 6 && wire === 1) value = sfixed64(m)
      else m.skip(wire)
    } else if (!exponential) {
      if (field === 9 && wire === 2) attribute(m, attributes)
      else if (field === 4 && wire === 1) count = m.fixed64()
      else if (field === 5 && wire === 1) value = m.double()
      else if (field === 6) repeated(m, tag, (x) => x.fixed64(), buckets, MAX_BOUNDS + 1)
      else if (field === 7) repeated(m, tag, (x) => x.double(), bounds, MAX_BOUNDS)
      else if (field === 11 && wire === 1) min = m.double()
      else if (field === 12 && wire === 1) max = m.double()
      else m.skip(wire)
    } else {
      if (field === 1 && wire === 2) attribute(m, attributes)
      else if (field === 4 && wire === 1) count = m.fixed64()
      else if (field === 5 && wire === 1) value = m.double()
      else if (field === 6 && wire === 0) scale = zigzag(m.varint())
      else if (field === 7 && wire === 1) zeroCount = m.fixed64()
      else if (field === 8 && wire === 2) positive = expBuckets(m)
      else if (field === 9 && wire === 2) negative = expBuckets(m)
      else if (field === 12 && wire === 1) min = m.double()
      else if (field === 13 && wire === 1) max = m.double()
      else m.skip(wire)
    }
  }
  if (m.failed) return
  sink.add(id, header, {
    attributes,
    startNs,
    timeNs,
    value,
    count,
    min,
    max,
    bounds,
    buckets,
    exponential: exponential
      ? { scale, zeroCount, positiveOffset: positive.offset, positive: positive.counts, negativeOffset: negative.offset, negative: negative.counts }
      : undefined
  })
}

const KIND_FIELDS: Record<number, MetricKind> = { 5: "gauge", 7: "sum", 9: "histogram", 10: "exponentialHistogram" }

const metric = (r: ProtoReader, id: ResourceIdentity, sink: PointSink): void => {
  const m = r.message()
  let name = ""
  let description = ""
  let unit = ""
  let data: { kind: MetricKind; reader: ProtoReader } | undefined
  while (m.more()) {
    const tag = m.tag()
    const field = tag >> 3
    if (tag === ((1 << 3) | 2)) name = m.string()
    else if (tag === ((2 << 3) | 2)) description = m.string()
    else if (tag === ((3 << 3) | 2)) unit = m.string()
    else if ((tag & 7) === 2 && KIND_FIELDS[field] !== undefined) data = { kind: KIND_FIELDS[field]!, reader: m.message() }
    else m.skip(tag & 7)
  }
  r.join(m)
  if (m.failed || data === undefined) return
  // The data message is read after the name: protobuf does not order fields.
  const d = data.reader
  const points: Array<ProtoReader> = []
  let temporality = 0
  let monotonic = false
  while (d.more()) {
    const tag = d.tag()
    if (tag === ((1 << 3) | 2)) points.push(d.message())
    else if (tag === ((2 << 3) | 0)) temporality = d.varint()
    else if (tag === ((3 << 3) | 0)) monotonic = d.varint() !== 0
    else d.skip(tag & 7)
  }
  r.join(d)
  const header: MetricHeader = { name, description, unit, kind: data.kind, monotonic, temporality: temporalityOf(temporality) }
  for (const point of points) {
    if (sink.overLimit) return
    dataPoint(point, header, id, sink)
    r.join(point)
  }
}

/** Decodes an `ExportMetricsServiceRequest` into checked data points. */
export const decodeMetrics = (buf: Buffer): DecodeResult<MetricPoint> => {
  const sink = new PointSink()
  const { failed } = walk(buf, (r, id) => {
    if (!sink.overLimit) metric(r, id, sink)
    else r.skip(2)
  })
  if (sink.overLimit) return { ok: false, status: 413, message: TOO_MANY_POINTS }
  if (failed) return { ok: false, message: "the protobuf body is truncated or malformed" }
  return { ok: true, value: { items: sink.items, rejected: sink.rejected, rejectReason: sink.reason } }
}
