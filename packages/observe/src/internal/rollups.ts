/**
 * RED rollups: per minute, entity and operation, the count, errors, summed duration and a
 * log-scale duration histogram of the entry spans in a batch. Both writers add them to the
 * stored rollups in the same transaction as the spans.
 */
import type { SpanRecord } from "../Span.js"
import { SpanKind, StatusCode } from "../Span.js"
import { addEncodedHistogram, bucketOf, emptyRange, encodeHistogram, type Range, widen } from "./histogram.js"

export const MINUTE_US = 60_000_000

/** Entry spans are what RED counts: where a request enters a service. */
const isEntry = (span: SpanRecord): boolean =>
  span.kind === SpanKind.server || span.kind === SpanKind.consumer || span.parentSpanId === ""

export interface Rollup {
  readonly minute: number
  readonly entity_ref: string
  readonly service: string
  readonly name: string
  count: number
  errors: number
  sum_us: number
  readonly hist: Map<number, number>
  readonly range: Range
}

export const rollupsOf = (spans: ReadonlyArray<SpanRecord>): Array<Rollup> => {
  const rollups: Array<Rollup> = []
  // Entity → operation → minute: nested maps rather than a joined key, which would cost a
  // string per entry span on the ingest path and could let names collide.
  const byEntity = new Map<string, Map<string, Map<number, Rollup>>>()
  for (const span of spans) {
    if (!isEntry(span)) continue
    const minute = Math.floor(span.startUs / MINUTE_US)
    let byName = byEntity.get(span.entityRef)
    if (byName === undefined) byEntity.set(span.entityRef, byName = new Map())
    let byMinute = byName.get(span.name)
    if (byMinute === undefined) byName.set(span.name, byMinute = new Map())
    let rollup = byMinute.get(minute)
    if (rollup === undefined) {
      rollup = { minute, entity_ref: span.entityRef, service: span.service, name: span.name, count: 0, errors: 0, sum_us: 0, hist: new Map(), range: emptyRange() }
      byMinute.set(minute, rollup)
      rollups.push(rollup)
    }
    rollup.count++
    if (span.status === StatusCode.error) rollup.errors++
    rollup.sum_us += span.durationUs
    widen(rollup.range, span.durationUs)
    const bucket = bucketOf(span.durationUs)
    rollup.hist.set(bucket, (rollup.hist.get(bucket) ?? 0) + 1)
  }
  return rollups
}

/** A stored rollup row (`observe_red_minute`). */
export type RollupRow = {
  readonly minute: number
  readonly entity_ref: string
  readonly service: string
  readonly name: string
  readonly count: number
  readonly errors: number
  readonly sum_us: number
  readonly hist: string
}

/**
 * A collision-free map key of (minute, entity, operation): JSON keeps the parts apart whatever
 * characters they contain (a name with NUL or quotes cannot read another operation's row).
 */
export const rollupKey = (minute: number, entityRef: string, name: string) => JSON.stringify([minute, entityRef, name])

/** The rows to write: each new rollup added to the stored row with the same key, if any. */
export const mergeRollups = (
  rollups: ReadonlyArray<Rollup>,
  stored: (rollup: Rollup) => Pick<RollupRow, "count" | "errors" | "sum_us" | "hist"> | undefined
): Array<RollupRow> =>
  rollups.map((r) => {
    const old = stored(r)
    const hist = new Map(r.hist)
    const range = { ...r.range }
    if (old !== undefined) addEncodedHistogram(hist, old.hist, range)
    return {
      minute: r.minute,
      entity_ref: r.entity_ref,
      service: r.service,
      name: r.name,
      count: r.count + Number(old?.count ?? 0),
      errors: r.errors + Number(old?.errors ?? 0),
      sum_us: r.sum_us + Number(old?.sum_us ?? 0),
      hist: encodeHistogram(hist, range)
    }
  })
