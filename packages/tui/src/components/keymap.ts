/**
 * What keys and commands do in each view: the `:` commands, the key hints at the bottom, and the
 * letter keys that ask for a change. Plain data for the reducer and the frame; no React.
 */
import * as App from "../state/app.js"
import type * as Lines from "../state/lines.js"
import * as ProvisionLines from "../state/provisionLines.js"
import type { Hint } from "./Frame.js"

/** The commands of the `:` bar. */
export const commands = (): ReadonlyArray<App.Command> => [
  { name: "catalog", args: "", description: "every entity, filter with /", open: () => App.view("catalog") },
  { name: "owners", args: "", description: "every owner and how much it owns", open: () => App.view("owners") },
  {
    name: "owner",
    args: "TEAM",
    description: "everything a team owns",
    open: (arg) => (arg.length === 0 ? "which owner? write :owner TEAM" : App.view("owned", arg.toLowerCase()))
  },
  {
    name: "entity",
    args: "REF",
    description: "one entity (kind:namespace/name)",
    open: (arg) => (arg.length === 0 ? "which entity? write :entity kind:namespace/name" : App.view("entity", arg.toLowerCase()))
  },
  {
    name: "graph",
    args: "REF",
    description: "the graph neighbours of an entity",
    open: (arg) => (arg.length === 0 ? "which entity? write :graph kind:namespace/name" : App.view("graph", arg.toLowerCase()))
  },
  { name: "scorecards", args: "", description: "scorecard levels by team and entity, failing rules", open: () => App.view("scorecards") },
  {
    name: "traces",
    args: "[SERVICE]",
    description: "RED, the service map, recent traces (of one service)",
    open: (arg) => App.view("traces", arg)
  },
  {
    name: "trace",
    args: "ID",
    description: "one trace as a waterfall",
    open: (arg) => (arg.length === 0 ? "which trace? write :trace TRACE_ID" : App.view("trace", arg.toLowerCase()))
  },
  { name: "envs", args: "", description: "environments: status, services, TTL", open: () => App.view("envs") },
  {
    name: "env",
    args: "NAME",
    description: "one environment: services, resources, logs",
    open: (arg) => (arg.length === 0 ? "which environment? write :env NAME" : App.view("env", arg))
  },
  {
    name: "up",
    args: "NAME SERVICE...",
    description: "bring an environment up (asks first)",
    open: () => "",
    mutate: ProvisionLines.upMutation
  },
  {
    name: "provision",
    args: "ENV [SCORE...]",
    description: "the plan of Score files as a diff; a applies",
    open: ProvisionLines.provisionView
  },
  { name: "help", args: "", description: "the keys", open: () => "" },
  { name: "quit", args: "", description: "leave", open: () => "" }
]

/** The key hints of the current view (with its letter shortcuts). */
export const hintsFor = (
  state: App.AppState,
  shortcuts: Readonly<Record<string, App.View>>,
  // Whether the plan on screen has changes to apply (only then is `a apply` offered).
  canApply = true
): ReadonlyArray<Hint> => {
  const o = state.overlay
  if (o._tag === "Command") return [{ key: "Tab", label: "complete" }, { key: "⏎", label: "run" }, { key: "↑↓", label: "choose" }, { key: "Esc", label: "close" }]
  if (o._tag === "Help") return [{ key: "Esc", label: "close" }, { key: "q", label: "close" }]
  // The confirmation says which keys confirm and cancel; the footer does not repeat it.
  if (o._tag === "Confirm") return []
  if (o._tag === "Facets") return [{ key: "←→", label: "facet" }, { key: "↑↓", label: "value" }, { key: "⏎", label: "apply" }, { key: "Esc", label: "close" }]
  if (state.editing) return [{ key: "type", label: "to filter" }, { key: "⏎", label: "done" }, { key: "Esc", label: "clear" }, { key: "↑↓", label: "move" }, { key: "^U", label: "erase" }]
  const top = App.current(state)
  const common: ReadonlyArray<Hint> = [{ key: ":", label: "command" }, { key: "?", label: "help" }, { key: "q", label: "quit" }]
  switch (top.kind) {
    case "catalog":
      return [{ key: "/", label: "filter" }, { key: "f", label: "facets" }, { key: "⏎", label: "open" }, ...(state.stack.length > 1 ? [{ key: "Esc", label: "back" }] : []), ...common]
    case "entity":
      return [
        { key: "⏎", label: "open relation" },
        { key: "n", label: "neighbours" },
        { key: "o", label: "owner" },
        ...(shortcuts.p === undefined ? [] : [{ key: "p", label: "provision" }]),
        { key: "Esc", label: "back" },
        ...common
      ]
    case "graph":
      return [{ key: "⏎", label: "walk" }, { key: "Esc", label: "back" }, ...common]
    case "env":
      return [{ key: "⏎", label: "open service" }, ...(state.readonly ? [] : [{ key: "d", label: "down" }]), { key: "Esc", label: "back" }, ...common]
    case "envs":
      return [{ key: "⏎", label: "open" }, ...(state.readonly ? [] : [{ key: "d", label: "down" }]), { key: "Esc", label: "back" }, ...common]
    case "provision":
      return [...(state.readonly || !canApply ? [] : [{ key: "a", label: "apply" }]), { key: "Esc", label: "back" }, ...common]
    default:
      return [{ key: "⏎", label: "open" }, { key: "Esc", label: "back" }, ...common]
  }
}

/**
 * The letter keys that ask for a change: `d` removes the environment on screen (or the one under
 * the cursor in the list), `a` applies the plan on screen.
 */
export const mutationsFor = (top: App.View, lines: ReadonlyArray<Lines.Line>, canApply = true): Readonly<Record<string, App.Mutation>> => {
  if (top.kind === "provision") return canApply ? { a: ProvisionLines.applyMutation(top.subject) } : {}
  const name = top.kind === "env"
    ? top.subject
    : top.kind === "envs"
    ? (lines[top.list.cursor]?.open?.kind === "env" ? lines[top.list.cursor]!.open!.subject : undefined)
    : undefined
  return name === undefined ? {} : { d: { kind: "env-down", subject: name, describe: `remove environment ${name}` } }
}

/** The question the confirmation asks for a change. */
export const confirmPrompt = (mutation: App.Mutation): string => {
  switch (mutation.kind) {
    case "env-down":
      return `${mutation.describe}? This stops its processes and deletes its resources.`
    case "env-up":
      return `${mutation.describe}? This provisions its resources and starts its services.`
    case "provision-apply":
      return `${mutation.describe}? This creates, changes or deletes the resources in the plan.`
  }
}
