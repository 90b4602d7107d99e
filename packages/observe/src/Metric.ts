/**
 * OTLP metrics as the receiver stores them and the queries return them: data points of sums,
 * gauges, histograms and exponential histograms, each tied to a series (service, metric name
 * and data-point attributes) and to the catalog identity of the service that sent it.
 *
 * Points are kept at one-minute resolution: per series and minute, the increase of a monotonic
 * sum (cumulative series are turned into increases, a reset counting from zero again, never
 * negative), the last value, minimum, maximum and mean of gauges and non-monotonic sums, and
 * the bucket counts, count and sum of histograms.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import type { Attributes } from "./Span.js"

/**
 * The OTLP metric data types.
 *
 * @since 0.2.0
 */
export type MetricKind = "sum" | "gauge" | "histogram" | "exponentialHistogram"

/**
 * OTLP aggregation temporality (`unspecified` is read like `cumulative`).
 *
 * @since 0.2.0
 */
export type Temporality = "delta" | "cumulative" | "unspecified"

/**
 * The buckets of an exponential histogram: counts by bucket index at `scale` (bucket `i` holds
 * values in `(base^i, base^(i+1)]` with `base = 2^(2^-scale)`), plus the count of zeros.
 *
 * @since 0.2.0
 */
export interface ExponentialBuckets {
  readonly scale: number
  readonly zeroCount: number
  readonly positiveOffset: number
  readonly positive: ReadonlyArray<number>
  readonly negativeOffset: number
  readonly negative: ReadonlyArray<number>
}

/**
 * One decoded OTLP data point. `value` is the point's value for sums and gauges and its `sum`
 * for histograms; `count`, `bounds`, `buckets` and `exponential` are for histograms only.
 *
 * @since 0.2.0
 */
export interface MetricPoint {
  readonly service: string
  readonly namespace: string
  readonly entityRef: string
  readonly name: string
  readonly description: string
  readonly unit: string
  readonly kind: MetricKind
  readonly monotonic: boolean
  readonly temporality: Temporality
  readonly attributes: Attributes
  readonly resource: Attributes
  readonly startUs: number
  readonly timeUs: number
  readonly value: number
  readonly count: number
  readonly min: number | undefined
  readonly max: number | undefined
  readonly bounds: ReadonlyArray<number>
  readonly buckets: ReadonlyArray<number>
  readonly exponential: ExponentialBuckets | undefined
}

/**
 * One stored series.
 *
 * @since 0.2.0
 */
export interface MetricSeries {
  readonly seriesId: string
  readonly entityRef: string
  readonly service: string
  readonly name: string
  readonly description: string
  readonly unit: string
  readonly kind: MetricKind
  readonly monotonic: boolean
  readonly temporality: Temporality
  readonly attributes: Attributes
  /** When the last point was received (microseconds since the epoch). */
  readonly lastUs: number
  /** The last value received: a cumulative sum's total, a gauge's value, a histogram's sum. */
  readonly lastValue: number
}

/**
 * Series search: every series of a service and/or with a metric name, seen in the window.
 *
 * @since 0.2.0
 */
export interface SeriesQuery {
  readonly since?: Duration.DurationInput | undefined
  readonly from?: Date | undefined
  readonly until?: Date | undefined
  readonly service?: string | undefined
  readonly name?: string | undefined
  /** Default 1000. */
  readonly limit?: number | undefined
}

/**
 * One minute of a series.
 *
 * - monotonic sums: `value` is the increase in that minute, `ratePerSecond` the increase per
 *   second;
 * - gauges and non-monotonic sums: `value` is the last value, `min`/`max`/`mean` over the
 *   points of the minute;
 * - histograms: `count`, `sum` and `buckets` (increases in that minute) with `bounds`, and
 *   `exponential` for exponential histograms.
 *
 * @since 0.2.0
 */
export interface MinutePoint {
  readonly minuteUs: number
  readonly points: number
  readonly value: number
  readonly ratePerSecond: number | undefined
  readonly min: number | undefined
  readonly max: number | undefined
  readonly mean: number | undefined
  readonly count: number
  readonly sum: number
  readonly bounds: ReadonlyArray<number>
  readonly buckets: ReadonlyArray<number>
  readonly exponential: ExponentialBuckets | undefined
}

/**
 * The minutes of one series over a window, oldest first, with the totals of the window.
 *
 * @since 0.2.0
 */
export interface SeriesWindow {
  readonly series: MetricSeries
  readonly minutes: ReadonlyArray<MinutePoint>
  /** Monotonic sums: the increase over the window; histograms: the count; others: last value. */
  readonly total: number
  /** Monotonic sums: increase per second over the window's span of minutes. */
  readonly ratePerSecond: number | undefined
}

/**
 * A unicode sparkline (`▁▂▃▄▅▆▇█`) of values, for table output.
 *
 * @since 0.2.0
 */
export const sparkline = (values: ReadonlyArray<number>): string => {
  const ticks = "▁▂▃▄▅▆▇█"
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return ""
  const lo = Math.min(...finite)
  const hi = Math.max(...finite)
  return values
    .map((v) => (Number.isFinite(v) ? ticks[hi === lo ? 0 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]! : " "))
    .join("")
}
