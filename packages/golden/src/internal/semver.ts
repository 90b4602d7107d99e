/**
 * Semantic versions as templates use them: `MAJOR.MINOR.PATCH[-prerelease]`. Build metadata is
 * accepted and ignored, as semver says.
 */

export interface SemVer {
  readonly major: number
  readonly minor: number
  readonly patch: number
  readonly prerelease: ReadonlyArray<string>
}

const pattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?$/

export const parse = (input: string): SemVer | undefined => {
  const m = pattern.exec(input)
  if (m === null) return undefined
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] === undefined ? [] : m[4].split(".")
  }
}

export const isValid = (input: string): boolean => parse(input) !== undefined

const compareIdentifiers = (a: string, b: string): number => {
  const an = /^\d+$/.test(a)
  const bn = /^\d+$/.test(b)
  if (an && bn) return Math.sign(Number(a) - Number(b))
  if (an) return -1
  if (bn) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Orders two versions; an unparsable version sorts before every valid one. */
export const compare = (a: string, b: string): number => {
  const pa = parse(a)
  const pb = parse(b)
  if (pa === undefined || pb === undefined) return pa === pb ? 0 : pa === undefined ? -1 : 1
  const core = Math.sign(pa.major - pb.major) || Math.sign(pa.minor - pb.minor) || Math.sign(pa.patch - pb.patch)
  if (core !== 0) return core
  // A release outranks its prereleases.
  if (pa.prerelease.length === 0 || pb.prerelease.length === 0) {
    return pa.prerelease.length === pb.prerelease.length ? 0 : pa.prerelease.length === 0 ? 1 : -1
  }
  const n = Math.max(pa.prerelease.length, pb.prerelease.length)
  for (let i = 0; i < n; i++) {
    const x = pa.prerelease[i]
    const y = pb.prerelease[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const c = compareIdentifiers(x, y)
    if (c !== 0) return c
  }
  return 0
}
