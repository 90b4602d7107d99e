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

/** A histogram as stored: `bucket:count` pairs separated by commas. */
export const encodeHistogram = (histogram: ReadonlyMap<number, number>): string =>
  [...histogram].map(([bucket, count]) => `${bucket}:${count}`).join(",")

/** Adds a stored histogram into `into`; malformed pairs are skipped. */
export const addEncodedHistogram = (into: Map<number, number>, text: string): void => {
  if (text.length === 0) return
  for (const pair of text.split(",")) {
    const colon = pair.indexOf(":")
    const bucket = Number(pair.slice(0, colon))
    const count = Number(pair.slice(colon + 1))
    if (colon > 0 && Number.isFinite(bucket) && Number.isFinite(count)) into.set(bucket, (into.get(bucket) ?? 0) + count)
  }
}
