/**
 * The whole TUI state and its reducer. The state is made of the back stack of views
 * (`navigation.ts`: each view with its own list cursor, so going back returns to the same row),
 * the catalog filter line, the overlays (`overlays.ts`: help, the `:` command bar, the facet
 * picker, the confirmation of a change), read-only mode and quitting (`model.ts`). Pure: keys
 * come in as values, the context says what the current view shows, and the result is the next
 * state. This module is the public surface (`AppState` in the package index) and re-exports the
 * names of the other three.
 */
import { type Key, named } from "./keys.js"
import * as List from "./list.js"
import { type AppState, askFor, type Context, push } from "./model.js"
import { back, current, listKey, moveSelectable, view, withList } from "./navigation.js"
import { overlayKey } from "./overlays.js"

export { char, type Key, named } from "./keys.js"
export {
  type AppState,
  askFor,
  type Command,
  type Context,
  guardMutation,
  initial,
  type Mutation,
  notify,
  type Overlay,
  push,
  startPending
} from "./model.js"
export { back, current, follow, rowKey, settle, type View, view, type ViewKind } from "./navigation.js"
export { commandRow, pickerFacets, suggestions } from "./overlays.js"

const filterKey = (state: AppState, key: Key, ctx: Context): AppState => {
  const reset = (s: AppState) => withList(s, () => List.initial)
  switch (key.name) {
    case "escape":
      return reset({ ...state, editing: false, filter: "" })
    case "enter":
      return { ...state, editing: false }
    case "backspace":
      return reset({ ...state, filter: state.filter.slice(0, -1) })
    case "up":
    case "down":
    case "pageup":
    case "pagedown":
      return listKey(state, key, ctx)
    case "char":
      if (key.ctrl && key.text === "u") return reset({ ...state, filter: "" })
      return key.ctrl ? state : reset({ ...state, filter: state.filter + key.text })
    default:
      return state
  }
}

const normalKey = (state: AppState, key: Key, ctx: Context): AppState => {
  const top = current(state)
  switch (key.name) {
    case "escape":
      if (state.stack.length === 1 && top.kind === "catalog" && state.filter.length > 0) {
        return withList({ ...state, filter: "" }, () => List.initial)
      }
      return back(state)
    case "enter": {
      const next = ctx.openAt(top.list.cursor)
      return next === undefined ? state : push(state, next)
    }
    case "char": {
      if (key.ctrl) return state
      switch (key.text) {
        case "q":
          return { ...state, quit: true }
        case "?":
          return { ...state, overlay: { _tag: "Help" } }
        case ":":
          return { ...state, overlay: { _tag: "Command", input: "", selected: 0 } }
        case "/":
          if (top.kind !== "catalog") {
            // The filter belongs to the catalog list: jump there (keeping the stack to go back).
            return { ...push(state, view("catalog")), editing: true }
          }
          return { ...state, editing: true }
        case "f":
          return top.kind === "catalog" ? { ...state, overlay: { _tag: "Facets", facet: 0, cursor: 0 } } : state
        case "j":
          return normalKey(state, named("down"), ctx)
        case "k":
          return normalKey(state, named("up"), ctx)
        case "g":
          return moveSelectable(state, ctx, (rows) => rows[0]) ?? listKey(state, named("home"), ctx)
        case "G":
          return moveSelectable(state, ctx, (rows) => rows[rows.length - 1]) ?? listKey(state, named("end"), ctx)
        case "l":
          return normalKey(state, named("enter"), ctx)
        case "h":
          return back(state)
        default: {
          const mutation = ctx.mutations?.[key.text]
          if (mutation !== undefined) return askFor(state, mutation)
          const next = ctx.shortcuts[key.text]
          return next === undefined ? state : push(state, next)
        }
      }
    }
    case "down":
      return moveSelectable(state, ctx, (rows, c) => rows.find((r) => r > c) ?? rows[rows.length - 1]) ?? listKey(state, key, ctx)
    case "up":
      return moveSelectable(state, ctx, (rows, c) => [...rows].reverse().find((r) => r < c) ?? rows[0]) ?? listKey(state, key, ctx)
    default:
      return listKey(state, key, ctx)
  }
}

/**
 * The next state after a key. Ctrl-C always quits; an open overlay or the filter line takes
 * keys first; otherwise the keys move in the list, open, go back, and open the overlays.
 *
 * @since 0.1.0
 */
export const onKey = (state0: AppState, key: Key, ctx: Context): AppState => {
  const state = state0.message.length > 0 ? { ...state0, message: "" } : state0
  if (key.ctrl && key.text === "c") return { ...state, quit: true }
  if (state.overlay._tag !== "None") return overlayKey(state, state.overlay, key, ctx)
  return state.editing ? filterKey(state, key, ctx) : normalKey(state, key, ctx)
}
