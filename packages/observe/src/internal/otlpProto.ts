/**
 * OTLP protobuf (`application/x-protobuf`) decoding of trace, logs and metrics export requests,
 * field numbers as in opentelemetry-proto `collector/{trace,logs,metrics}/v1`.
 */
import type { AttributeValue, Attributes, LogRecord, SpanEvent, SpanRecord } from "../Span.js"
import { peerOf } from "../Span.js"
import { type DecodeResult, identityOf, MAX_VALUE_DEPTH, nsToUs, type ResourceIdentity, setAttribute, spanProblem, TOO_DEEP } from "./otlpModel.js"
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
  if (key.length > 0) setAttribute(into, key, value)
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

const logRecord = (r: ProtoReader, id: ResourceIdentity, out: Array<LogRecord>): void => {
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
  out.push({
    timeUs: nsToUs(timeNs || observedNs),
    traceId,
    spanId,
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
  const { failed } = walk(buf, (r, id) => logRecord(r, id, items))
  if (failed) return { ok: false, message: "the protobuf body is truncated or malformed" }
  return { ok: true, value: { items, rejected: 0, rejectReason: "" } }
}

/** Decodes an `ExportMetricsServiceRequest` far enough to validate it and count its metrics. */
export const decodeMetrics = (buf: Buffer): DecodeResult<string> => {
  const items: Array<string> = []
  const { failed } = walk(buf, (r) => {
    const m = r.message()
    let name = ""
    while (m.more()) {
      const tag = m.tag()
      if (tag === ((1 << 3) | 2)) name = m.string()
      else m.skip(tag & 7)
    }
    r.join(m)
    items.push(name)
  })
  if (failed) return { ok: false, message: "the protobuf body is truncated or malformed" }
  return { ok: true, value: { items, rejected: 0, rejectReason: "" } }
}
