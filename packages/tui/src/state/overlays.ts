/**
 * The overlays drawn over the current view and the keys they take: help (`?`), the `:` command
 * bar with its suggestions, the facet picker (`f`) and the confirmation of a change. Pure, like
 * the rest of the reducer (`app.ts` hands keys here while an overlay is open).
 */
import { type FacetName, withFacet } from "./catalogIndex.js"
import { type Key, named } from "./keys.js"
import * as List from "./list.js"
import { type AppState, askFor, type Command, type Context, type Overlay, push } from "./model.js"
import { withList } from "./navigation.js"

/**
 * The facets the picker cycles through.
 *
 * @since 0.1.0
 */
export const pickerFacets: ReadonlyArray<FacetName> = ["kind", "owner", "lifecycle", "tag"]

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

/**
 * The next state after a key while an overlay is open: the overlay takes every key.
 *
 * @since 0.2.0
 */
export const overlayKey = (
  state: AppState,
  overlay: Exclude<Overlay, { _tag: "None" }>,
  key: Key,
  ctx: Context
): AppState => {
  switch (overlay._tag) {
    case "Help":
      return key.name === "escape" || (key.name === "char" && (key.text === "?" || key.text === "q"))
        ? { ...state, overlay: { _tag: "None" } }
        : state
    case "Command":
      return commandKey(state, overlay, key, ctx)
    case "Facets":
      return facetsKey(state, overlay, key, ctx)
    case "Confirm":
      if (key.name === "char" && (key.text === "y" || key.text === "Y")) {
        return { ...state, overlay: { _tag: "None" }, pending: overlay.mutation }
      }
      // Anything but y cancels: a change never starts from a stray key.
      return { ...state, overlay: { _tag: "None" }, message: `cancelled: ${overlay.mutation.describe}` }
  }
}
