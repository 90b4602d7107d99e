/**
 * Line-based 3-way merge (diff3) of one file: the changes from `base` to `ours` and from `base`
 * to `theirs` are combined; where both changed the same lines differently, the result carries
 * Git-style conflict markers.
 *
 * @since 0.1.0
 */
import { diff3Merge } from "node-diff3"

/**
 * The merged text and how many conflicting regions it holds.
 *
 * @since 0.1.0
 */
export interface MergeResult {
  readonly text: string
  readonly conflicts: number
}

/**
 * Labels written after the conflict markers.
 *
 * @since 0.1.0
 */
export interface Labels {
  readonly ours: string
  readonly theirs: string
}

/**
 * Merges `ours` and `theirs`, both derived from `base`. Identical changes on both sides are not
 * conflicts.
 *
 * @since 0.1.0
 */
export const merge3 = (ours: string, base: string, theirs: string, labels: Labels): MergeResult => {
  if (ours === theirs) return { text: ours, conflicts: 0 }
  if (base === theirs) return { text: ours, conflicts: 0 }
  if (base === ours) return { text: theirs, conflicts: 0 }
  const lines = (s: string) => s.split("\n")
  const regions = diff3Merge(lines(ours), lines(base), lines(theirs), { excludeFalseConflicts: true })
  const out: Array<string> = []
  let conflicts = 0
  for (const region of regions) {
    if (region.ok !== undefined) out.push(...region.ok)
    else if (region.conflict !== undefined) {
      conflicts++
      out.push(`<<<<<<< ${labels.ours}`, ...region.conflict.a, "=======", ...region.conflict.b, `>>>>>>> ${labels.theirs}`)
    }
  }
  return { text: out.join("\n"), conflicts }
}
