/**
 * A virtualised list's cursor: which row is selected and which row is the first one drawn.
 * Only `height` rows are ever rendered, whatever the length of the list.
 */

/** The cursor and the first visible row. */
export interface ListState {
  readonly cursor: number
  readonly offset: number
}

/** The top of a list. */
export const initial: ListState = { cursor: 0, offset: 0 }

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n))

/** Keeps the cursor inside `[0, total)` and visible in a window of `height` rows. */
export const settle = (state: ListState, total: number, height: number): ListState => {
  if (total <= 0) return initial
  const h = Math.max(1, height)
  const cursor = clamp(state.cursor, 0, total - 1)
  let offset = clamp(state.offset, 0, Math.max(0, total - h))
  if (cursor < offset) offset = cursor
  if (cursor >= offset + h) offset = cursor - h + 1
  return cursor === state.cursor && offset === state.offset ? state : { cursor, offset }
}

/** Moves the cursor by `delta` rows (negative is up). */
export const move = (state: ListState, delta: number, total: number, height: number): ListState =>
  settle({ cursor: state.cursor + delta, offset: state.offset }, total, height)

/** Moves the cursor to a row. */
export const moveTo = (state: ListState, row: number, total: number, height: number): ListState =>
  settle({ cursor: row, offset: state.offset }, total, height)

/** The row numbers to draw: `[offset, offset + height)` clipped to the list. */
export const visible = (state: ListState, total: number, height: number): { readonly from: number; readonly to: number } => {
  const s = settle(state, total, height)
  return { from: s.offset, to: Math.min(total, s.offset + Math.max(1, height)) }
}
