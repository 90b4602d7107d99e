/**
 * Table layout: column widths from minimums and weights for the terminal width, and rows cut
 * to exactly that width, so a table never wraps or runs past the right edge.
 */
import { fit } from "./text.js"

/** A column: its header, the fewest cells it takes, and its share of the spare width. */
export interface ColumnSpec {
  readonly header: string
  readonly min: number
  readonly weight: number
}

const GAP = 1

/**
 * The widths of the columns for a table `width` cells wide. Columns that do not fit at their
 * minimum width are dropped from the right (width 0).
 */
export const layout = (specs: ReadonlyArray<ColumnSpec>, width: number): ReadonlyArray<number> => {
  const widths = specs.map(() => 0)
  let used = 0
  let shown = 0
  for (let i = 0; i < specs.length; i++) {
    const need = specs[i]!.min + (shown > 0 ? GAP : 0)
    if (used + need > width) break
    widths[i] = specs[i]!.min
    used += need
    shown++
  }
  const spare = width - used
  const weights = specs.reduce((sum, s, i) => sum + (widths[i]! > 0 ? s.weight : 0), 0)
  if (spare > 0 && weights > 0) {
    let given = 0
    let last = -1
    for (let i = 0; i < specs.length; i++) {
      if (widths[i] === 0 || specs[i]!.weight === 0) continue
      const extra = Math.floor((spare * specs[i]!.weight) / weights)
      widths[i] = widths[i]! + extra
      given += extra
      last = i
    }
    if (last >= 0) widths[last] = widths[last]! + (spare - given)
  }
  return widths
}

/** One row of cells laid out in `widths` (cells of hidden columns are left out). */
export const row = (cells: ReadonlyArray<string>, widths: ReadonlyArray<number>): string => {
  const parts: Array<string> = []
  for (let i = 0; i < widths.length; i++) if (widths[i]! > 0) parts.push(fit(cells[i] ?? "", widths[i]!))
  return parts.join(" ".repeat(GAP))
}
