/**
 * Log-scale duration histograms for RED percentiles. Bucket `b` holds durations in
 * `[2^(b/8), 2^((b+1)/8))` microseconds, so a percentile read from the buckets is within about
 * 4.5% of the exact value; histograms from many minutes and writers merge by adding counts,
 * which is what makes RED over millions of spans a read of a few thousand rows.
 */

const STEPS_PER_DOUBLING = 8

/** The bucket of a duration in microseconds. */
export const bucketOf = (durationUs: number): number =>
  durationUs <= 1 ? 0 : Math.floor(Math.log2(durationUs) * STEPS_PER_DOUBLING)

/** The value a bucket stands for: the geometric middle of its range, in microseconds. */
export const bucketValue = (bucket: number): number => Math.pow(2, (bucket + 0.5) / STEPS_PER_DOUBLING)

/** The `q` quantile (0..1) of a histogram given as bucket → count, in microseconds. */
export const quantile = (histogram: ReadonlyMap<number, number>, q: number): number => {
  let total = 0
  for (const count of histogram.values()) total += count
  if (total === 0) return 0
  const rank = Math.max(1, Math.ceil(q * total))
  const buckets = [...histogram.keys()].sort((a, b) => a - b)
  let seen = 0
  for (const bucket of buckets) {
    seen += histogram.get(bucket)!
    if (seen >= rank) return bucketValue(bucket)
  }
  return bucketValue(buckets[buckets.length - 1]!)
}

/** The exact smallest and largest duration behind a histogram (microseconds). */
export interface Range {
  min: number
  max: number
}

export const emptyRange = (): Range => ({ min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY })

export const widen = (range: Range, value: number): void => {
  if (value < range.min) range.min = value
  if (value > range.max) range.max = value
}

/**
 * A quantile clamped to the exact range: a single span's p50 is its duration, not the middle
 * of its bucket, and no percentile is ever outside what was observed.
 */
export const clampedQuantile = (histogram: ReadonlyMap<number, number>, q: number, range: Range): number => {
  const value = quantile(histogram, q)
  return range.min <= range.max ? Math.min(range.max, Math.max(range.min, value)) : value
}

/**
 * A histogram as stored: `bucket:count` pairs separated by commas, then `lo:MIN,hi:MAX` (the
 * exact range; readers before it skip those pairs as malformed).
 */
export const encodeHistogram = (histogram: ReadonlyMap<number, number>, range?: Range): string => {
  const pairs = [...histogram].map(([bucket, count]) => `${bucket}:${count}`)
  if (range !== undefined && range.min <= range.max) pairs.push(`lo:${range.min}`, `hi:${range.max}`)
  return pairs.join(",")
}

/** Adds a stored histogram into `into` (and its range into `range`); malformed pairs are skipped. */
export const addEncodedHistogram = (into: Map<number, number>, text: string, range?: Range): void => {
  if (text.length === 0) return
  for (const pair of text.split(",")) {
    const colon = pair.indexOf(":")
    const key = pair.slice(0, colon)
    const count = Number(pair.slice(colon + 1))
    if (!Number.isFinite(count)) continue
    if (key === "lo" || key === "hi") {
      if (range !== undefined) widen(range, count)
      continue
    }
    const bucket = Number(key)
    if (colon > 0 && Number.isFinite(bucket)) into.set(bucket, (into.get(bucket) ?? 0) + count)
  }
}
