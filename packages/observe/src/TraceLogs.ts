/**
 * The log records of one trace, as `paved observe trace` and the TUI's waterfall show them:
 * fetched over the trace's time window and grouped under the spans that wrote them.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type { LogRecord } from "./Span.js"
import type * as SpanStore from "./SpanStore.js"

/**
 * The log records of a trace, oldest first: all of them, those of each span of the trace, and
 * those written outside its spans (no span id, or a span that was never received).
 *
 * @since 0.2.0
 */
export interface TraceLogs {
  readonly logs: ReadonlyArray<LogRecord>
  /** By span id, for the spans of the trace only. */
  readonly bySpan: ReadonlyMap<string, ReadonlyArray<LogRecord>>
  readonly outsideSpans: ReadonlyArray<LogRecord>
}

/**
 * The log records carrying `tree`'s trace id, from a minute before the trace starts to an hour
 * after it ends (a record may be written before its span's start is known, or well after the
 * span ended), grouped per span. `limit` (default 10 000, the store's largest page) bounds how
 * many are read.
 *
 * @since 0.2.0
 */
export const ofTrace = (
  store: SpanStore.Query,
  tree: SpanStore.TraceTree,
  options: { readonly limit?: number | undefined } = {}
): Effect.Effect<TraceLogs, SpanStore.SpanStoreError> =>
  Effect.map(
    store.logs({
      traceId: tree.traceId,
      from: new Date(tree.startUs / 1000 - 60_000),
      until: new Date((tree.startUs + tree.durationUs) / 1000 + 3_600_000),
      oldestFirst: true,
      limit: options.limit ?? 10_000
    }),
    (logs) => {
      const bySpan = new Map<string, Array<LogRecord>>(tree.spans.map((span) => [span.spanId, []]))
      const outsideSpans: Array<LogRecord> = []
      for (const log of logs) (bySpan.get(log.spanId) ?? outsideSpans).push(log)
      for (const [spanId, list] of bySpan) if (list.length === 0) bySpan.delete(spanId)
      return { logs, bySpan, outsideSpans }
    }
  )
