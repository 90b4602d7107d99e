/**
 * The whole TUI state and its reducer: the back stack of views (each with its own list cursor,
 * so going back returns to the same row), the catalog filter line, the `:` command bar, the
 * help and facet overlays, read-only mode and quitting. Pure: keys come in as values, the
 * context says what the current view shows, and the result is the next state.
 */
import { type FacetName, withFacet } from "./catalogIndex.js"
import { type Key, named } from "./keys.js"
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

export { char, type Key, named } from "./keys.js"

/**
 * A `:` command: its name, what it takes, and the view it opens (undefined: bad argument).
 *
 * @since 0.1.0
 */
export interface Command {
  readonly name: string
  readonly args: string
  readonly description: string
  readonly open: (arg: string) => View | string
  /** A command that changes something (`:up`): the change to confirm, or why it cannot run. */
  readonly mutate?: ((arg: string) => Mutation | string) | undefined
}

/**
 * A change the user asked for (environment down, ...): confirmed first, refused in read-only
 * mode, then run by the container, whose progress shows in a `job` view.
 *
 * @since 0.1.0
 */
export interface Mutation {
  readonly kind: "env-down" | "env-up" | "provision-apply"
  /** What it acts on: the environment name, `NAME SERVICE...` for up, `ENV FILE...` for apply. */
  readonly subject: string
  /** What it does, for the confirmation and the refusal ("remove environment pr-42"). */
  readonly describe: string
}

/**
 * What the current view shows, as the reducer needs it.
 *
 * @since 0.1.0
 */
export interface Context {
  /** Rows in the current view's list. */
  readonly count: number
  /** Rows the screen shows at once. */
  readonly height: number
  /** The view Enter opens from a row, if any. */
  readonly openAt: (row: number) => View | undefined
  /** The commands available (depends on which packages are wired in). */
  readonly commands: ReadonlyArray<Command>
  /** The facet values the picker offers, per facet (most frequent first). */
  readonly facetValues: (facet: FacetName) => ReadonlyArray<string>
  /** Letter keys the current view binds to another view (`n`: neighbours, `o`: owner). */
  readonly shortcuts: Readonly<Record<string, View>>
  /** Letter keys the current view binds to a change (`d`: environment down). */
  readonly mutations?: Readonly<Record<string, Mutation>> | undefined
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

const selectableRows = (ctx: Context): ReadonlyArray<number> => {
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
export const follow = (state: AppState, ctx: Context): AppState => {
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

// Moves to another row that opens something (j/k/g/G), anchoring the selection to it; in views
// where no row opens anything, moves line by line (to scroll).
const moveSelectable = (state: AppState, ctx: Context, to: (rows: ReadonlyArray<number>, cursor: number) => number | undefined): AppState | undefined => {
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
 * An overlay drawn over the current view.
 *
 * @since 0.1.0
 */
export type Overlay =
  | { readonly _tag: "None" }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Command"; readonly input: string; readonly selected: number }
  | { readonly _tag: "Facets"; readonly facet: number; readonly cursor: number }
  | { readonly _tag: "Confirm"; readonly mutation: Mutation }

/**
 * The facets the picker cycles through.
 *
 * @since 0.1.0
 */
export const pickerFacets: ReadonlyArray<FacetName> = ["kind", "owner", "lifecycle", "tag"]

/**
 * The TUI state.
 *
 * @since 0.1.0
 */
export interface AppState {
  /** The back stack; the last entry is on screen. Never empty. */
  readonly stack: ReadonlyArray<View>
  /** The catalog filter line. */
  readonly filter: string
  /** Whether keys go to the filter line. */
  readonly editing: boolean
  readonly overlay: Overlay
  readonly readonly: boolean
  /** A one-line notice (bad command, read-only refusal), cleared by the next key. */
  readonly message: string
  readonly quit: boolean
  /** A confirmed change the container has not started yet. */
  readonly pending: Mutation | undefined
}

/**
 * The state a session starts in.
 *
 * @since 0.1.0
 */
export const initial = (options: { readonly readonly?: boolean; readonly start?: View } = {}): AppState => ({
  stack: [options.start ?? view("catalog")],
  filter: "",
  editing: false,
  overlay: { _tag: "None" },
  readonly: options.readonly ?? false,
  message: "",
  quit: false,
  pending: undefined
})

/**
 * The view on screen.
 *
 * @since 0.1.0
 */
export const current = (state: AppState): View => state.stack[state.stack.length - 1]!

const replaceTop = (state: AppState, top: View): AppState => ({
  ...state,
  stack: [...state.stack.slice(0, -1), top]
})

const withList = (state: AppState, f: (list: List.ListState) => List.ListState): AppState => {
  const top = current(state)
  const list = f(top.list)
  return list === top.list ? state : replaceTop(state, { ...top, list })
}

/**
 * Pushes a view (Enter, a command).
 *
 * @since 0.1.0
 */
export const push = (state: AppState, next: View): AppState => ({
  ...state,
  stack: [...state.stack, next],
  editing: false,
  overlay: { _tag: "None" }
})

/**
 * Pops the back stack; at the root it does nothing.
 *
 * @since 0.1.0
 */
export const back = (state: AppState): AppState =>
  state.stack.length > 1 ? { ...state, stack: state.stack.slice(0, -1) } : state

/**
 * A command as the command bar lists it: `:name ARGS`, then at least two spaces, then what it does.
 *
 * @since 0.1.0
 */
export const commandRow = (command: Command, width = 24): string => {
  const usage = `:${command.name}${command.args.length > 0 ? ` ${command.args}` : ""}`
  return `${usage.padEnd(width - 2)}  ${command.description}`
}

/**
 * The commands whose name starts with the first word typed in the command bar.
 *
 * @since 0.1.0
 */
export const suggestions = (input: string, commands: ReadonlyArray<Command>): ReadonlyArray<Command> => {
  const word = input.trimStart().split(/\s+/)[0]!.toLowerCase()
  return commands.filter((c) => c.name.startsWith(word))
}

const runCommand = (state: AppState, input: string, ctx: Context): AppState => {
  const [word = "", ...rest] = input.trim().split(/\s+/)
  const arg = rest.join(" ")
  if (word === "") return { ...state, overlay: { _tag: "None" } }
  if (word === "q" || word === "quit") return { ...state, overlay: { _tag: "None" }, quit: true }
  if (word === "help") return { ...state, overlay: { _tag: "Help" } }
  const matches = suggestions(word, ctx.commands)
  const exact = ctx.commands.find((c) => c.name === word.toLowerCase())
  const command = exact ?? (matches.length === 1 ? matches[0] : undefined)
  if (command === undefined) {
    return {
      ...state,
      overlay: { _tag: "None" },
      message: matches.length > 1
        ? `":${word}" is ambiguous: ${matches.map((c) => `:${c.name}`).join(", ")}`
        : `unknown command ":${word}"; type : and Tab to see the commands`
    }
  }
  if (command.mutate !== undefined) {
    const mutation = command.mutate(arg)
    if (typeof mutation === "string") return { ...state, overlay: { _tag: "None" }, message: mutation }
    return askFor({ ...state, overlay: { _tag: "None" } }, mutation)
  }
  const opened = command.open(arg)
  if (typeof opened === "string") return { ...state, overlay: { _tag: "None" }, message: opened }
  return push(state, opened)
}

const commandKey = (state: AppState, overlay: Extract<Overlay, { _tag: "Command" }>, key: Key, ctx: Context): AppState => {
  const list = suggestions(overlay.input, ctx.commands)
  switch (key.name) {
    case "escape":
      return { ...state, overlay: { _tag: "None" } }
    case "enter": {
      const hasArg = /\s/.test(overlay.input.trim())
      const picked = list[overlay.selected]
      const typed = overlay.input.trim().toLowerCase()
      const exact = ctx.commands.some((c) => c.name === typed)
      const input = !hasArg && !exact && picked !== undefined ? picked.name : overlay.input
      return runCommand(state, input, ctx)
    }
    case "tab": {
      const picked = list[overlay.selected]
      return picked === undefined ? state : { ...state, overlay: { _tag: "Command", input: picked.name + " ", selected: 0 } }
    }
    case "up":
    case "down": {
      const n = Math.max(1, list.length)
      const selected = (overlay.selected + (key.name === "up" ? n - 1 : 1)) % n
      return { ...state, overlay: { ...overlay, selected } }
    }
    case "backspace":
      return overlay.input.length === 0
        ? { ...state, overlay: { _tag: "None" } }
        : { ...state, overlay: { _tag: "Command", input: overlay.input.slice(0, -1), selected: 0 } }
    case "char":
      return key.ctrl ? state : { ...state, overlay: { _tag: "Command", input: overlay.input + key.text, selected: 0 } }
    default:
      return state
  }
}

const facetsKey = (state: AppState, overlay: Extract<Overlay, { _tag: "Facets" }>, key: Key, ctx: Context): AppState => {
  const facet = pickerFacets[overlay.facet]!
  const values = ctx.facetValues(facet)
  switch (key.name) {
    case "escape":
      return { ...state, overlay: { _tag: "None" } }
    case "left":
    case "right": {
      const n = pickerFacets.length
      return { ...state, overlay: { _tag: "Facets", facet: (overlay.facet + (key.name === "left" ? n - 1 : 1)) % n, cursor: 0 } }
    }
    case "tab":
      return { ...state, overlay: { _tag: "Facets", facet: (overlay.facet + 1) % pickerFacets.length, cursor: 0 } }
    case "up":
    case "down": {
      const cursor = Math.max(0, Math.min(values.length - 1, overlay.cursor + (key.name === "up" ? -1 : 1)))
      return { ...state, overlay: { ...overlay, cursor } }
    }
    case "enter": {
      const value = values[overlay.cursor]
      if (value === undefined) return { ...state, overlay: { _tag: "None" } }
      return withList({ ...state, filter: withFacet(state.filter, facet, value), overlay: { _tag: "None" } }, () => List.initial)
    }
    case "char":
      if (key.text === "j") return facetsKey(state, overlay, named("down"), ctx)
      if (key.text === "k") return facetsKey(state, overlay, named("up"), ctx)
      if (key.text === "h") return facetsKey(state, overlay, named("left"), ctx)
      if (key.text === "l") return facetsKey(state, overlay, named("right"), ctx)
      if (key.text === "q") return { ...state, overlay: { _tag: "None" } }
      return state
    default:
      return state
  }
}

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

const listKey = (state: AppState, key: Key, ctx: Context): AppState => {
  const moved = listMove(state, key, ctx)
  if (moved === state || ctx.keyAt === undefined) return moved
  const top = current(moved)
  const anchor = ctx.keyAt(top.list.cursor)
  return anchor === top.anchor ? moved : replaceTop(moved, { ...top, anchor })
}

const listMove = (state: AppState, key: Key, ctx: Context): AppState => {
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
  switch (state.overlay._tag) {
    case "Help":
      return key.name === "escape" || (key.name === "char" && (key.text === "?" || key.text === "q"))
        ? { ...state, overlay: { _tag: "None" } }
        : state
    case "Command":
      return commandKey(state, state.overlay, key, ctx)
    case "Facets":
      return facetsKey(state, state.overlay, key, ctx)
    case "Confirm":
      if (key.name === "char" && (key.text === "y" || key.text === "Y")) {
        return { ...state, overlay: { _tag: "None" }, pending: state.overlay.mutation }
      }
      // Anything but y cancels: a change never starts from a stray key.
      return { ...state, overlay: { _tag: "None" }, message: `cancelled: ${state.overlay.mutation.describe}` }
    case "None":
      return state.editing ? filterKey(state, key, ctx) : normalKey(state, key, ctx)
  }
}

/**
 * Keeps the current view's cursor inside its list after the data changed.
 *
 * @since 0.1.0
 */
export const settle = (state: AppState, count: number, height: number): AppState =>
  withList(state, (l) => List.settle(l, count, height))

/**
 * A mutating action asked for (environment up/down, provisioning apply): refused with a notice
 * in read-only mode, otherwise allowed.
 *
 * @since 0.1.0
 */
export const guardMutation = (state: AppState, what: string): { readonly allowed: boolean; readonly state: AppState } =>
  state.readonly
    ? { allowed: false, state: { ...state, message: `read-only mode: ${what} is disabled (started with --readonly)` } }
    : { allowed: true, state }

/**
 * Asks to confirm a change, or refuses it in read-only mode.
 *
 * @since 0.1.0
 */
export const askFor = (state: AppState, mutation: Mutation): AppState => {
  const guarded = guardMutation(state, mutation.describe)
  return guarded.allowed ? { ...state, overlay: { _tag: "Confirm", mutation } } : guarded.state
}

/**
 * Takes the pending change to run it, and shows its progress view.
 *
 * @since 0.1.0
 */
export const startPending = (state: AppState): { readonly mutation: Mutation | undefined; readonly state: AppState } =>
  state.pending === undefined
    ? { mutation: undefined, state }
    : { mutation: state.pending, state: push({ ...state, pending: undefined }, view("job", state.pending.describe)) }

/**
 * A notice on the status line.
 *
 * @since 0.1.0
 */
export const notify = (state: AppState, message: string): AppState => ({ ...state, message })
