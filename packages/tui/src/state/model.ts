/**
 * What the TUI state is made of: the back stack of views (see `navigation.ts`), the catalog
 * filter line, the overlay drawn over the view, read-only mode, the status line and the change
 * waiting to run; what the reducer is told about the current view (`Context`); and the changes
 * (`Mutation`) and `:` commands the user can ask for, with the state changes every part shares.
 */
import type { FacetName } from "./catalogIndex.js"
import { type Rows, type View, view } from "./navigation.js"

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
export interface Context extends Rows {
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
