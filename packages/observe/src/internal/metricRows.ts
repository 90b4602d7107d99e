/**
 * Metric rows as the queries return them: series, and the minutes of one series over a window.
 */
import type * as Metric from "../Metric.js"
import type { Attributes } from "../Span.js"
import type { MinuteRow, SeriesRow } from "./metricRollups.js"
import { MINUTE_US } from "./rollups.js"
import type { Bounds } from "./spanRows.js"

export const DEFAULT_MAX_SERIES = 100_000

export const seriesLimitReason = (max: number) =>
  `the store holds its limit of ${max} metric series; points of new series are dropped (fewer attribute values per metric, or raise maxMetricSeries)`

const parse = <A>(text: string, fallback: A): A => {
  try {
    return JSON.parse(text) as A
  } catch {
    return fallback
  }
}

export const seriesFromRow = (row: SeriesRow): Metric.MetricSeries => ({
  seriesId: row.series_id,
  entityRef: row.entity_ref,
  service: row.service,
  name: row.name,
  description: row.description,
  unit: row.unit,
  kind: row.kind as Metric.MetricKind,
  monotonic: Number(row.monotonic) === 1,
  temporality: row.temporality as Metric.Temporality,
  attributes: parse<Attributes>(row.attributes, {}),
  lastUs: Number(row.last_us),
  lastValue: Number(row.last_value)
})

const num = (value: number | null): number | undefined => (value === null || value === undefined ? undefined : Number(value))

export const minuteFromRow = (series: Metric.MetricSeries, row: MinuteRow): Metric.MinutePoint => {
  const points = Number(row.points)
  const level = series.kind === "gauge" || (series.kind === "sum" && !series.monotonic)
  const histogram = series.kind === "histogram" || series.kind === "exponentialHistogram"
  const buckets = row.buckets === "" ? undefined : parse<{ bounds?: Array<number>; counts?: Array<number> } & Partial<Metric.ExponentialBuckets>>(row.buckets, {})
  return {
    minuteUs: Number(row.minute) * MINUTE_US,
    points,
    value: Number(row.value),
    ratePerSecond: series.kind === "sum" && series.monotonic ? Number(row.value) / 60 : undefined,
    min: num(row.min),
    max: num(row.max),
    mean: level && points > 0 ? Number(row.total) / points : undefined,
    count: histogram ? Number(row.count) : 0,
    sum: histogram ? Number(row.total) : 0,
    bounds: series.kind === "histogram" ? buckets?.bounds ?? [] : [],
    buckets: series.kind === "histogram" ? buckets?.counts ?? [] : [],
    exponential: series.kind === "exponentialHistogram" && buckets !== undefined && typeof buckets.scale === "number"
      ? buckets as Metric.ExponentialBuckets
      : undefined
  }
}

export const seriesWindow = (series: Metric.MetricSeries, rows: ReadonlyArray<MinuteRow>, bounds: Bounds): Metric.SeriesWindow => {
  const minutes = rows.map((row) => minuteFromRow(series, row))
  const monotonic = series.kind === "sum" && series.monotonic
  const histogram = series.kind === "histogram" || series.kind === "exponentialHistogram"
  const total = monotonic
    ? minutes.reduce((a, m) => a + m.value, 0)
    : histogram
    ? minutes.reduce((a, m) => a + m.count, 0)
    : minutes.at(-1)?.value ?? series.lastValue
  // The rate is over the minutes that hold data up to the end of the window, not the whole
  // window: a burst in a one-hour window is not averaged over the hour.
  const first = minutes[0]?.minuteUs
  const seconds = first === undefined ? 0 : Math.max(MINUTE_US, Math.min(bounds.untilUs, minutes.at(-1)!.minuteUs + MINUTE_US) - Math.max(bounds.fromUs, first)) / 1e6
  return {
    series,
    minutes,
    total,
    ratePerSecond: monotonic ? (seconds === 0 ? 0 : total / seconds) : undefined
  }
}
