/**
 * One trace's spans arranged as a waterfall: depth-first, parents before children, siblings by
 * start time, each with its offset from the start of the trace.
 */
import type { SpanRecord } from "../Span.js"
import type * as SpanStore from "../SpanStore.js"

export const buildTree = (traceId: string, spans: ReadonlyArray<SpanRecord>): SpanStore.TraceTree => {
  const ids = new Set(spans.map((s) => s.spanId))
  const children = new Map<string, Array<SpanRecord>>()
  const roots: Array<SpanRecord> = []
  for (const span of spans) {
    if (span.parentSpanId === "" || !ids.has(span.parentSpanId)) roots.push(span)
    else {
      const list = children.get(span.parentSpanId) ?? []
      list.push(span)
      children.set(span.parentSpanId, list)
    }
  }
  const byStart = (a: SpanRecord, b: SpanRecord) => a.startUs - b.startUs
  const startUs = spans.reduce((min, s) => Math.min(min, s.startUs), Number.POSITIVE_INFINITY)
  const endUs = spans.reduce((max, s) => Math.max(max, s.startUs + s.durationUs), Number.NEGATIVE_INFINITY)
  const ordered: Array<SpanStore.WaterfallSpan> = []
  // An explicit stack rather than recursion: a hostile trace can be thousands of levels deep.
  const stack: Array<{ span: SpanRecord; depth: number }> = roots.sort(byStart).reverse().map((span) => ({ span, depth: 0 }))
  const visited = new Set<string>()
  // Spans in a parent cycle (possible only in bad data) have no root; show them as roots too.
  const cycles = spans.filter((s) => s.parentSpanId !== "" && ids.has(s.parentSpanId))
  let nextCycle = 0
  while (stack.length > 0 || nextCycle < cycles.length) {
    if (stack.length === 0) {
      const span = cycles[nextCycle++]!
      if (!visited.has(span.spanId)) stack.push({ span, depth: 0 })
      continue
    }
    const { depth, span } = stack.pop()!
    if (visited.has(span.spanId)) continue
    visited.add(span.spanId)
    ordered.push({ ...span, depth, offsetUs: span.startUs - startUs })
    const kids = (children.get(span.spanId) ?? []).slice().sort(byStart).reverse()
    for (const kid of kids) stack.push({ span: kid, depth: depth + 1 })
  }
  return {
    traceId,
    startUs,
    durationUs: endUs - startUs,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    spans: ordered
  }
}
