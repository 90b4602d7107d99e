/**
 * The checks every decoded metric data point goes through, whatever its encoding. A point that
 * fails them is rejected alone (counted in `partialSuccess.rejectedDataPoints`): NaN or
 * infinite values, negative or non-integer counts, bucket counts that do not match the bounds
 * or the count, bounds out of order, timestamps outside int64, absurd exponential scales.
 */
import type { ExponentialBuckets, MetricKind, MetricPoint, Temporality } from "../Metric.js"
import type { Attributes } from "../Span.js"
import { nanosInRange, nsToUs, type ResourceIdentity } from "./otlpModel.js"

/** More data points than this in one request is answered 413: split the export. */
export const MAX_POINTS_PER_REQUEST = 100_000

/** Exponential histograms with more buckets per side than this are rejected (OTel's default is 160). */
export const MAX_EXP_BUCKETS = 4096

/** Explicit histograms with more bounds than this are rejected. */
export const MAX_BOUNDS = 1024

export interface MetricHeader {
  readonly name: string
  readonly description: string
  readonly unit: string
  readonly kind: MetricKind
  readonly monotonic: boolean
  readonly temporality: Temporality
}

export interface RawPoint {
  readonly attributes: Attributes
  readonly startNs: number
  readonly timeNs: number
  readonly value: number
  readonly count: number
  readonly min: number | undefined
  readonly max: number | undefined
  readonly bounds: ReadonlyArray<number>
  readonly buckets: ReadonlyArray<number>
  readonly exponential: ExponentialBuckets | undefined
}

export const temporalityOf = (value: number): Temporality => (value === 1 ? "delta" : value === 2 ? "cumulative" : "unspecified")

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0

const sum = (counts: ReadonlyArray<number>) => counts.reduce((a, b) => a + b, 0)

/** Why a point is rejected, or undefined. */
export const pointProblem = (header: MetricHeader, p: RawPoint): string | undefined => {
  if (header.name.length === 0) return "a metric has no name"
  if (!nanosInRange(p.timeNs) || !nanosInRange(p.startNs)) return "a timestamp is outside 0 .. 2^63 nanoseconds"
  if (!Number.isFinite(p.value)) return `metric ${header.name}: a value is NaN or infinite`
  if (header.kind === "sum" || header.kind === "gauge") return undefined
  if (!isCount(p.count)) return `metric ${header.name}: a histogram count is not a non-negative integer`
  if ((p.min !== undefined && !Number.isFinite(p.min)) || (p.max !== undefined && !Number.isFinite(p.max))) return `metric ${header.name}: min or max is NaN or infinite`
  if (header.kind === "histogram") {
    if (p.bounds.length > MAX_BOUNDS) return `metric ${header.name}: more than ${MAX_BOUNDS} bucket bounds`
    if (p.bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= p.bounds[i - 1]!))) return `metric ${header.name}: bucket bounds are not finite and increasing`
    if (p.buckets.length > 0 && p.buckets.length !== p.bounds.length + 1) return `metric ${header.name}: ${p.buckets.length} bucket counts for ${p.bounds.length} bounds (must be bounds + 1)`
    if (!p.buckets.every(isCount)) return `metric ${header.name}: a bucket count is negative or not an integer`
    if (p.buckets.length > 0 && sum(p.buckets) !== p.count) return `metric ${header.name}: the bucket counts do not add up to the count`
    return undefined
  }
  const e = p.exponential
  if (e === undefined) return `metric ${header.name}: an exponential histogram point has no buckets`
  if (!Number.isInteger(e.scale) || e.scale < -10 || e.scale > 20) return `metric ${header.name}: scale ${e.scale} is outside -10 .. 20`
  if (e.positive.length > MAX_EXP_BUCKETS || e.negative.length > MAX_EXP_BUCKETS) return `metric ${header.name}: more than ${MAX_EXP_BUCKETS} buckets`
  if (!Number.isSafeInteger(e.positiveOffset) || !Number.isSafeInteger(e.negativeOffset) || Math.abs(e.positiveOffset) > 2 ** 31 || Math.abs(e.negativeOffset) > 2 ** 31) return `metric ${header.name}: a bucket offset is out of range`
  if (!isCount(e.zeroCount) || !e.positive.every(isCount) || !e.negative.every(isCount)) return `metric ${header.name}: a bucket count is negative or not an integer`
  if (e.zeroCount + sum(e.positive) + sum(e.negative) !== p.count) return `metric ${header.name}: the bucket counts do not add up to the count`
  return undefined
}

export const toPoint = (id: ResourceIdentity, header: MetricHeader, p: RawPoint): MetricPoint => ({
  service: id.service,
  namespace: id.namespace,
  entityRef: id.entityRef,
  name: header.name,
  description: header.description,
  unit: header.unit,
  kind: header.kind,
  monotonic: header.kind === "sum" && header.monotonic,
  temporality: header.kind === "gauge" ? "unspecified" : header.temporality,
  attributes: p.attributes,
  resource: id.attributes,
  startUs: nsToUs(p.startNs),
  timeUs: nsToUs(p.timeNs),
  value: p.value,
  count: header.kind === "sum" || header.kind === "gauge" ? 0 : p.count,
  min: p.min,
  max: p.max,
  bounds: p.bounds,
  buckets: p.buckets,
  exponential: p.exponential
})

/** Collects points of one request with the per-point checks and the per-request limit. */
export class PointSink {
  readonly items: Array<MetricPoint> = []
  rejected = 0
  reason = ""
  seen = 0
  get overLimit(): boolean {
    return this.seen > MAX_POINTS_PER_REQUEST
  }
  add(id: ResourceIdentity, header: MetricHeader, raw: RawPoint): void {
    this.seen++
    if (this.overLimit) return
    const problem = pointProblem(header, raw)
    if (problem !== undefined) {
      this.rejected++
      this.reason = problem
      return
    }
    this.items.push(toPoint(id, header, raw))
  }
}

export const TOO_MANY_POINTS = `more than ${MAX_POINTS_PER_REQUEST} data points in one request; export in smaller batches`
