/**
 * Navigation: the views of the TUI, the back stack they sit on (each view with its own list
 * cursor, so going back returns to the same row) and moving in the current view's list. Pure,
 * and over any state that has a `stack`, so that it knows nothing of overlays or the filter.
 */
import type { Key } from "./keys.js"
import * as List from "./list.js"

/**
 * The views of the TUI.
 *
 * @since 0.1.0
 */
export type ViewKind =
  | "catalog"
  | "entity"
  | "graph"
  | "owners"
  | "owned"
  | "scorecards"
  | "envs"
  | "env"
  | "provision"
  | "traces"
  | "trace"
  | "job"

/**
 * One entry of the back stack: what is shown, about what, and where the cursor is.
 *
 * @since 0.1.0
 */
export interface View {
  readonly kind: ViewKind
  /** The entity ref, owner ref, environment or trace id the view is about ("" for none). */
  readonly subject: string
  readonly list: List.ListState
  /**
   * What the selected row opens (see {@link rowKey}), so that the selection stays on the same
   * row when rows arrive above it (new traces) or the view is shown again: the highlight and
   * what Enter opens are the same row. Unset until the user moves.
   */
  readonly anchor?: string | undefined
}

/**
 * A view at the top of its list.
 *
 * @since 0.1.0
 */
export const view = (kind: ViewKind, subject = ""): View => ({ kind, subject, list: List.initial })

/**
 * A state with a back stack of views; the last entry is on screen. Never empty.
 *
 * @since 0.2.0
 */
export interface Stacked {
  readonly stack: ReadonlyArray<View>
}

/**
 * What moving in the current view's list needs to know about its rows (part of the reducer's
 * `Context`).
 *
 * @since 0.2.0
 */
export interface Rows {
  /** Rows in the current view's list. */
  readonly count: number
  /** Rows the screen shows at once. */
  readonly height: number
  /**
   * The key of a row that opens something ({@link rowKey}), undefined for rows that do nothing.
   * When given, j/k/g/G move between those rows only, and the selection follows its row.
   */
  readonly keyAt?: ((row: number) => string | undefined) | undefined
}

/**
 * The identity of a row that opens `open`: the same row has the same key across refreshes.
 *
 * @since 0.1.0
 */
export const rowKey = (open: View | undefined): string | undefined =>
  open === undefined ? undefined : `${open.kind} ${open.subject}`

/**
 * The view on screen.
 *
 * @since 0.1.0
 */
export const current = (state: Stacked): View => state.stack[state.stack.length - 1]!

/**
 * The state with the view on screen replaced.
 *
 * @since 0.2.0
 */
export const replaceTop = <S extends Stacked>(state: S, top: View): S => ({
  ...state,
  stack: [...state.stack.slice(0, -1), top]
})

/**
 * The state with the current view's list cursor changed by `f` (the same state when unchanged).
 *
 * @since 0.2.0
 */
export const withList = <S extends Stacked>(state: S, f: (list: List.ListState) => List.ListState): S => {
  const top = current(state)
  const list = f(top.list)
  return list === top.list ? state : replaceTop(state, { ...top, list })
}

/**
 * Pops the back stack; at the root it does nothing.
 *
 * @since 0.1.0
 */
export const back = <S extends Stacked>(state: S): S =>
  state.stack.length > 1 ? { ...state, stack: state.stack.slice(0, -1) } : state

const selectableRows = (ctx: Rows): ReadonlyArray<number> => {
  if (ctx.keyAt === undefined) return []
  const rows: Array<number> = []
  for (let i = 0; i < ctx.count; i++) if (ctx.keyAt(i) !== undefined) rows.push(i)
  return rows
}

/**
 * Puts the current view's selection where it belongs for the rows on screen now: on the row it
 * was anchored to (wherever that row moved), else, before the user moved, on the first row that
 * opens something; always inside the list. The screen draws the result, and keys act on it, so
 * the highlighted row is the row Enter opens.
 *
 * @since 0.1.0
 */
export const follow = <S extends Stacked>(state: S, ctx: Rows): S => {
  const top = current(state)
  if (ctx.keyAt === undefined || ctx.count === 0) return state
  const keyAt = ctx.keyAt
  let row = top.list.cursor
  if (top.anchor !== undefined) {
    if (keyAt(row) !== top.anchor) {
      for (let i = 0; i < ctx.count; i++) {
        if (keyAt(i) === top.anchor) {
          row = i
          break
        }
      }
    }
  } else if (keyAt(row) === undefined) {
    const first = selectableRows(ctx)[0]
    if (first !== undefined) row = first
  }
  const list = List.moveTo(top.list, row, ctx.count, ctx.height)
  return list === top.list ? state : replaceTop(state, { ...top, list })
}

/**
 * Moves to another row that opens something (j/k/g/G), anchoring the selection to it; in views
 * where no row opens anything, `undefined`: the caller moves line by line (to scroll).
 *
 * @since 0.2.0
 */
export const moveSelectable = <S extends Stacked>(
  state: S,
  ctx: Rows,
  to: (rows: ReadonlyArray<number>, cursor: number) => number | undefined
): S | undefined => {
  const rows = selectableRows(ctx)
  if (rows.length === 0) return undefined
  const top = current(state)
  const row = to(rows, top.list.cursor)
  if (row === undefined) return state
  // At the first (last) row that opens something, also show the lines above (below) it.
  const h = Math.max(1, ctx.height)
  const offset = row === rows[0] && row < h ? 0 : row === rows[rows.length - 1] && row >= ctx.count - h ? Math.max(0, ctx.count - h) : top.list.offset
  const list = List.settle({ cursor: row, offset }, ctx.count, ctx.height)
  return replaceTop(state, { ...top, list, anchor: ctx.keyAt?.(row) })
}

/**
 * Moves in the current view's list by a line, a page or to either end, keeping the selection
 * anchored to the row it lands on.
 *
 * @since 0.2.0
 */
export const listKey = <S extends Stacked>(state: S, key: Key, ctx: Rows): S => {
  const moved = listMove(state, key, ctx)
  if (moved === state || ctx.keyAt === undefined) return moved
  const top = current(moved)
  const anchor = ctx.keyAt(top.list.cursor)
  return anchor === top.anchor ? moved : replaceTop(moved, { ...top, anchor })
}

const listMove = <S extends Stacked>(state: S, key: Key, ctx: Rows): S => {
  const page = Math.max(1, ctx.height - 1)
  switch (key.name) {
    case "up":
      return withList(state, (l) => List.move(l, -1, ctx.count, ctx.height))
    case "down":
      return withList(state, (l) => List.move(l, 1, ctx.count, ctx.height))
    case "pageup":
      return withList(state, (l) => List.move(l, -page, ctx.count, ctx.height))
    case "pagedown":
      return withList(state, (l) => List.move(l, page, ctx.count, ctx.height))
    case "home":
      return withList(state, (l) => List.moveTo(l, 0, ctx.count, ctx.height))
    case "end":
      return withList(state, (l) => List.moveTo(l, ctx.count - 1, ctx.count, ctx.height))
    default:
      return state
  }
}

/**
 * Keeps the current view's cursor inside its list after the data changed.
 *
 * @since 0.1.0
 */
export const settle = <S extends Stacked>(state: S, count: number, height: number): S =>
  withList(state, (l) => List.settle(l, count, height))
