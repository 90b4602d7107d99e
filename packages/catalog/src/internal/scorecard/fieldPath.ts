/**
 * Field paths in scorecard files: dotted keys, with bracketed keys for annotation names that
 * contain dots or slashes (`metadata.annotations[pagerduty.com/service-id]`).
 */

const token = /([^.[\]]+)|\[([^\]]+)\]/g

/** @internal */
export const parse = (path: string): ReadonlyArray<string> | undefined => {
  const parts: Array<string> = []
  let consumed = 0
  for (const m of path.matchAll(token)) {
    const between = path.slice(consumed, m.index)
    if (between !== "" && between !== ".") return undefined
    parts.push(m[1] ?? m[2]!)
    consumed = m.index + m[0].length
  }
  return parts.length > 0 && consumed === path.length ? parts : undefined
}

/** @internal */
export const get = (root: unknown, parts: ReadonlyArray<string>): unknown => {
  let current = root
  for (const part of parts) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}
