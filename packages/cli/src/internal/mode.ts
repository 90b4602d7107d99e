/**
 * Whether the running command only reads: read-only commands never create a store, a state
 * directory or a key (see `Store.prepareSqlite`).
 */
/**
 * The commands that only read: they never create a store, a state directory or a key. Run
 * through `paved`, such a command fails (exit 2) when its store does not exist instead of
 * creating an empty one. A command path per entry (`catalog query`).
 */
export const readOnlyCommands: ReadonlySet<string> = new Set([
  "check",
  "catalog query",
  "catalog facets",
  "catalog history",
  "catalog graph",
  "catalog owners",
  "score plan",
  "score history",
  "provision plan",
  "provision drift",
  "provision outputs",
  "observe traces",
  "observe trace",
  "observe red",
  "observe map",
  "observe drift",
  "observe owners",
  "env list",
  "env diff",
  "env logs",
  "env manifests"
])

let readOnly = false

/** Whether the running command only reads. */
export const isReadOnly = (): boolean => readOnly

/**
 * Declares whether the running command only reads (set by the command runner from
 * {@link readOnlyCommands}).
 */
export const setReadOnly = (value: boolean): void => {
  readOnly = value
}

