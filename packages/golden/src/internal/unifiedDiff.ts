/**
 * Unified diffs (`diff -u` format) between two texts, used by conformance reports.
 */
import { diffIndices } from "node-diff3"

const splitLines = (text: string): Array<string> => {
  if (text.length === 0) return []
  const lines = text.split("\n")
  if (lines[lines.length - 1] === "") lines.pop()
  return lines
}

interface Change {
  readonly a: readonly [number, number]
  readonly b: readonly [number, number]
}

const range = (start: number, length: number): string =>
  length === 1 ? `${start + 1}` : `${length === 0 ? start : start + 1},${length}`

/**
 * The unified diff from `before` to `after` with `context` lines around each change, or the
 * empty string when the texts are equal. `labels` name the two sides in the `---`/`+++` header.
 */
export const unifiedDiff = (
  before: string,
  after: string,
  labels: { readonly before: string; readonly after: string },
  context = 3
): string => {
  if (before === after) return ""
  const a = splitLines(before)
  const b = splitLines(after)
  const changes: Array<Change> = diffIndices(a, b).map((d) => ({ a: d.buffer1, b: d.buffer2 }))
  const out: Array<string> = [`--- ${labels.before}`, `+++ ${labels.after}`]
  if (changes.length === 0) {
    // Same lines, different line endings at the end of the file.
    out.push("@@ end of file @@", before.endsWith("\n") ? "-\\n" : "+\\n")
    return out.join("\n") + "\n"
  }
  let i = 0
  while (i < changes.length) {
    let j = i
    while (j + 1 < changes.length && changes[j + 1]!.a[0] - (changes[j]!.a[0] + changes[j]!.a[1]) <= 2 * context) j++
    const first = changes[i]!
    const last = changes[j]!
    const aStart = Math.max(0, first.a[0] - context)
    const aEnd = Math.min(a.length, last.a[0] + last.a[1] + context)
    const bStart = Math.max(0, first.b[0] - context)
    const bEnd = Math.min(b.length, last.b[0] + last.b[1] + context)
    out.push(`@@ -${range(aStart, aEnd - aStart)} +${range(bStart, bEnd - bStart)} @@`)
    let ai = aStart
    for (let k = i; k <= j; k++) {
      const c = changes[k]!
      for (; ai < c.a[0]; ai++) out.push(` ${a[ai]}`)
      for (let x = 0; x < c.a[1]; x++) out.push(`-${a[c.a[0] + x]}`)
      for (let x = 0; x < c.b[1]; x++) out.push(`+${b[c.b[0] + x]}`)
      ai = c.a[0] + c.a[1]
    }
    for (; ai < aEnd; ai++) out.push(` ${a[ai]}`)
    i = j + 1
  }
  return out.join("\n") + "\n"
}
