/**
 * Metric data points into per-minute rows. Pure: both writers (SQLite's prepared statements,
 * `@effect/sql` for PostgreSQL) look up the stored series and minutes, call {@link applyPoints}
 * and write back what it returns, in the same transaction.
 *
 * Cumulative series become increases: a point with the same start time as the series' last one
 * and a value not below it adds the difference; any other point (a new start time after a
 * restart, or a value that went down) is a reset and adds its whole value, counted from zero
 * at its start. A point not newer than the last one received adds nothing (an exporter retry
 * of a cumulative point is harmless). An increase is therefore never negative.
 */
import { createHash } from "node:crypto"
import type { ExponentialBuckets, MetricPoint } from "../Metric.js"
import { MINUTE_US } from "./rollups.js"

/** A stored series row (`observe_metric_series`). */
export type SeriesRow = {
  readonly series_id: string
  readonly entity_ref: string
  readonly service: string
  readonly name: string
  readonly description: string
  readonly unit: string
  readonly kind: string
  readonly monotonic: number
  readonly temporality: string
  readonly attributes: string
  readonly resource: string
  readonly start_us: number
  readonly last_us: number
  readonly last_value: number
  readonly last_count: number
  readonly last_buckets: string
}

/** A stored minute row (`observe_metric_minute`). */
export type MinuteRow = {
  readonly series_id: string
  readonly minute: number
  readonly points: number
  readonly value: number
  readonly min: number | null
  readonly max: number | null
  readonly total: number
  readonly count: number
  readonly buckets: string
}

export const SERIES_COLUMNS = [
  "series_id", "entity_ref", "service", "name", "description", "unit", "kind", "monotonic", "temporality", "attributes",
  "resource", "start_us", "last_us", "last_value", "last_count", "last_buckets"
] as const

export const MINUTE_COLUMNS = ["series_id", "minute", "points", "value", "min", "max", "total", "count", "buckets"] as const

const sortedAttributes = (attributes: object): string =>
  JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

// Identities hashed recently: most batches repeat the same series, and hashing is the largest
// per-point cost. Bounded: cleared when full.
const ids = new Map<string, string>()

/** The identity of a series: service, metric, type and data-point attributes. */
export const seriesIdOf = (point: MetricPoint): string => {
  const identity = JSON.stringify([point.entityRef, point.name, point.kind, point.monotonic, sortedAttributes(point.attributes)])
  let id = ids.get(identity)
  if (id === undefined) {
    id = createHash("sha1").update(identity).digest("base64url").slice(0, 22)
    if (ids.size >= 50_000) ids.clear()
    ids.set(identity, id)
  }
  return id
}

export const minuteKey = (seriesId: string, minute: number) => `${minute}/${seriesId}`

// Exponential buckets as index -> count maps, so buckets at different scales or offsets merge.
type ExpMap = { scale: number; zero: number; positive: Map<number, number>; negative: Map<number, number> }

const toExpMap = (e: ExponentialBuckets): ExpMap => {
  const side = (offset: number, counts: ReadonlyArray<number>) => {
    const map = new Map<number, number>()
    counts.forEach((c, i) => {
      if (c !== 0) map.set(offset + i, c)
    })
    return map
  }
  return { scale: e.scale, zero: e.zeroCount, positive: side(e.positiveOffset, e.positive), negative: side(e.negativeOffset, e.negative) }
}

const downscale = (map: Map<number, number>, by: number): Map<number, number> => {
  if (by <= 0) return map
  const out = new Map<number, number>()
  for (const [i, c] of map) {
    const j = Math.floor(i / 2 ** by)
    out.set(j, (out.get(j) ?? 0) + c)
  }
  return out
}

const fromExpMap = (m: ExpMap): ExponentialBuckets => {
  const side = (map: Map<number, number>) => {
    if (map.size === 0) return { offset: 0, counts: [] as Array<number> }
    const keys = [...map.keys()]
    const lo = Math.min(...keys)
    const hi = Math.max(...keys)
    const counts = Array.from({ length: hi - lo + 1 }, (_, i) => map.get(lo + i) ?? 0)
    return { offset: lo, counts }
  }
  const p = side(m.positive)
  const n = side(m.negative)
  return { scale: m.scale, zeroCount: m.zero, positiveOffset: p.offset, positive: p.counts, negativeOffset: n.offset, negative: n.counts }
}

/** `a + sign * b`, at the coarser of the two scales; undefined when a subtraction goes negative. */
const combineExp = (a: ExponentialBuckets, b: ExponentialBuckets, sign: 1 | -1): ExponentialBuckets | undefined => {
  const scale = Math.min(a.scale, b.scale)
  const ma = toExpMap(a)
  const mb = toExpMap(b)
  const out: ExpMap = {
    scale,
    zero: ma.zero + sign * mb.zero,
    positive: new Map(downscale(ma.positive, ma.scale - scale)),
    negative: new Map(downscale(ma.negative, ma.scale - scale))
  }
  for (const [side, map] of [["positive", downscale(mb.positive, mb.scale - scale)], ["negative", downscale(mb.negative, mb.scale - scale)]] as const) {
    for (const [i, c] of map) out[side].set(i, (out[side].get(i) ?? 0) + sign * c)
  }
  if (out.zero < 0 || [...out.positive.values(), ...out.negative.values()].some((c) => c < 0)) return undefined
  return fromExpMap(out)
}

const parseBuckets = (text: string): Array<number> | ExponentialBuckets | undefined => {
  if (text === "") return undefined
  try {
    return JSON.parse(text) as Array<number> | ExponentialBuckets
  } catch {
    return undefined
  }
}

/** Buckets stored with a histogram minute/series: `{ bounds, counts }` or exponential buckets. */
interface ExplicitBuckets {
  readonly bounds: ReadonlyArray<number>
  readonly counts: ReadonlyArray<number>
}

const sameBounds = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => a.length === b.length && a.every((x, i) => x === b[i])

interface Increase {
  readonly value: number
  readonly count: number
  readonly explicit: ExplicitBuckets | undefined
  readonly exponential: ExponentialBuckets | undefined
}

/** What a point adds, given the series' previous state (see the module comment). */
const increaseOf = (point: MetricPoint, prev: SeriesRow | undefined): Increase | "stale" => {
  const cumulative = point.temporality !== "delta"
  const whole: Increase = {
    value: point.value,
    count: point.count,
    explicit: point.kind === "histogram" ? { bounds: point.bounds, counts: point.buckets } : undefined,
    exponential: point.exponential
  }
  if (!cumulative || prev === undefined) return whole
  if (point.timeUs <= Number(prev.last_us) && Number(prev.start_us) === point.startUs) return "stale"
  const continued = Number(prev.start_us) === point.startUs && point.timeUs > Number(prev.last_us)
  if (!continued) return whole
  if (point.kind === "sum") return point.value >= Number(prev.last_value) ? { ...whole, value: point.value - Number(prev.last_value) } : whole
  if (point.count < Number(prev.last_count)) return whole
  const stored = parseBuckets(prev.last_buckets)
  if (point.kind === "histogram") {
    const old = stored as ExplicitBuckets | undefined
    if (old === undefined || !Array.isArray(old.counts) || !sameBounds(old.bounds, point.bounds) || old.counts.length !== point.buckets.length) return whole
    const counts = point.buckets.map((c, i) => c - Number(old.counts[i] ?? 0))
    if (counts.some((c) => c < 0)) return whole
    return { value: point.value - Number(prev.last_value), count: point.count - Number(prev.last_count), explicit: { bounds: point.bounds, counts }, exponential: undefined }
  }
  if (point.kind === "exponentialHistogram" && point.exponential !== undefined && stored !== undefined && !Array.isArray(stored)) {
    const diff = combineExp(point.exponential, stored as ExponentialBuckets, -1)
    if (diff === undefined) return whole
    return { value: point.value - Number(prev.last_value), count: point.count - Number(prev.last_count), explicit: undefined, exponential: diff }
  }
  return whole
}

const isLevel = (point: MetricPoint) => point.kind === "gauge" || (point.kind === "sum" && !point.monotonic)

/** The series and minute rows to write for a batch of points. */
export const applyPoints = (
  points: ReadonlyArray<MetricPoint>,
  storedSeries: (seriesId: string) => SeriesRow | undefined,
  storedMinute: (seriesId: string, minute: number) => MinuteRow | undefined,
  admit: (seriesId: string) => boolean
): { readonly series: Array<SeriesRow>; readonly minutes: Array<MinuteRow>; readonly rejected: number } => {
  const series = new Map<string, SeriesRow>()
  const lastPoint = new Map<string, MetricPoint>()
  const minutes = new Map<string, MinuteRow>()
  let rejected = 0
  const ordered = [...points].sort((a, b) => a.timeUs - b.timeUs)
  for (const point of ordered) {
    const id = seriesIdOf(point)
    lastPoint.set(id, point)
    let prev = series.get(id)
    if (prev === undefined) {
      prev = storedSeries(id)
      if (prev === undefined && !admit(id)) {
        rejected++
        continue
      }
    }
    const increase = increaseOf(point, prev)
    if (increase === "stale") continue
    // A delta non-monotonic sum is a level kept by adding its changes.
    const level = point.kind === "sum" && !point.monotonic && point.temporality === "delta"
      ? Number(prev?.last_value ?? 0) + point.value
      : point.value
    const lastBuckets = point.kind === "histogram"
      ? JSON.stringify({ bounds: point.bounds, counts: point.buckets })
      : point.exponential !== undefined ? JSON.stringify(point.exponential) : ""
    series.set(id, {
      series_id: id,
      entity_ref: point.entityRef,
      service: point.service,
      name: point.name,
      description: point.description,
      unit: point.unit,
      kind: point.kind,
      monotonic: point.monotonic ? 1 : 0,
      temporality: point.temporality,
      // Filled in once per series below: JSON per point was the writer's largest cost.
      attributes: "",
      resource: "",
      start_us: point.startUs,
      last_us: point.timeUs,
      last_value: level,
      last_count: point.count,
      last_buckets: lastBuckets
    })
    const minute = Math.floor(point.timeUs / MINUTE_US)
    const key = minuteKey(id, minute)
    const old = minutes.get(key) ?? storedMinute(id, minute)
    const min = (a: number | null | undefined, b: number | undefined) => (a === null || a === undefined ? b ?? null : b === undefined ? a : Math.min(a, b))
    const max = (a: number | null | undefined, b: number | undefined) => (a === null || a === undefined ? b ?? null : b === undefined ? a : Math.max(a, b))
    let row: MinuteRow
    if (isLevel(point)) {
      row = {
        series_id: id,
        minute,
        points: Number(old?.points ?? 0) + 1,
        value: level,
        min: min(old?.min, level),
        max: max(old?.max, level),
        total: Number(old?.total ?? 0) + level,
        count: 0,
        buckets: ""
      }
    } else if (point.kind === "sum") {
      row = { series_id: id, minute, points: Number(old?.points ?? 0) + 1, value: Number(old?.value ?? 0) + increase.value, min: null, max: null, total: 0, count: 0, buckets: "" }
    } else {
      let buckets = ""
      const stored = old === undefined ? undefined : parseBuckets(old.buckets)
      if (increase.explicit !== undefined) {
        const prevExplicit = stored as ExplicitBuckets | undefined
        const merged = prevExplicit !== undefined && Array.isArray(prevExplicit.counts) && sameBounds(prevExplicit.bounds, increase.explicit.bounds) &&
            prevExplicit.counts.length === increase.explicit.counts.length
          ? { bounds: increase.explicit.bounds, counts: increase.explicit.counts.map((c, i) => c + Number(prevExplicit.counts[i] ?? 0)) }
          : increase.explicit
        buckets = JSON.stringify(merged)
      } else if (increase.exponential !== undefined) {
        const prevExp = stored !== undefined && !Array.isArray(stored) && "scale" in stored ? stored : undefined
        buckets = JSON.stringify(prevExp === undefined ? increase.exponential : combineExp(prevExp, increase.exponential, 1) ?? increase.exponential)
      }
      row = {
        series_id: id,
        minute,
        points: Number(old?.points ?? 0) + 1,
        value: Number(old?.value ?? 0) + increase.value,
        min: min(old?.min, point.min),
        max: max(old?.max, point.max),
        total: Number(old?.total ?? 0) + increase.value,
        count: Number(old?.count ?? 0) + increase.count,
        buckets
      }
    }
    minutes.set(key, row)
  }
  const resources = new Map<object, string>()
  const rows = [...series.values()].map((row): SeriesRow => {
    const point = lastPoint.get(row.series_id)!
    let resource = resources.get(point.resource)
    if (resource === undefined) {
      resource = JSON.stringify(point.resource)
      resources.set(point.resource, resource)
    }
    return { ...row, attributes: JSON.stringify(point.attributes), resource }
  })
  return { series: rows, minutes: [...minutes.values()], rejected }
}
