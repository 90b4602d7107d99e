/**
 * Runs the Paved TUI: builds one `ManagedRuntime` from the layer you give (the catalog store
 * and whatever other Paved services you want shown), takes over the terminal's alternate
 * screen, renders the app with Ink, and on exit restores the screen and disposes the runtime.
 *
 * ```ts
 * import { CatalogStore } from "@paved/catalog"
 * import { Tui } from "@paved/tui"
 * import { Effect } from "effect"
 *
 * Effect.runPromise(Tui.run(CatalogStore.layerSqlite({ filename: ".paved/paved.db" }), { readonly: true }))
 * ```
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import { render } from "ink"
import { PavedApp } from "./components/App.js"
import * as CatalogFeed from "./internal/catalogFeed.js"
import { RuntimeContext, type TuiRuntime, type TuiServices } from "./internal/useStream.js"
import type * as AppState from "./state/app.js"

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 */
export interface RunOptions {
  /** Disable every action that changes something (environments up/down, provisioning apply). */
  readonly readonly?: boolean | undefined
  /** The terminal to draw on (default: the process's stdin and stdout). */
  readonly stdin?: NodeJS.ReadStream | undefined
  readonly stdout?: NodeJS.WriteStream | undefined
  /** The view to start in (default: the catalog). */
  readonly start?: AppState.View | undefined
}

/**
 * The terminal cannot host the TUI (stdin or stdout is not a terminal).
 *
 * @since 0.1.0
 */
export class NotATerminal extends Data.TaggedError("NotATerminal")<{ readonly stream: "stdin" | "stdout" }> {
  override get message(): string {
    return `paved ui needs an interactive terminal, but ${this.stream} is not a TTY; run it in a terminal (for scripts use paved catalog query --format json)`
  }
}

/**
 * Whether the TUI can run on these streams (both are terminals).
 *
 * @since 0.1.0
 */
export const checkTerminal = (
  stdin: { readonly isTTY?: boolean | undefined } = process.stdin,
  stdout: { readonly isTTY?: boolean | undefined } = process.stdout
): Effect.Effect<void, NotATerminal> =>
  stdout.isTTY !== true
    ? Effect.fail(new NotATerminal({ stream: "stdout" }))
    : stdin.isTTY !== true
    ? Effect.fail(new NotATerminal({ stream: "stdin" }))
    : Effect.void

const ALT_SCREEN_ON = "\u001b[?1049h\u001b[H"
const ALT_SCREEN_OFF = "\u001b[?1049l"

/**
 * Opens the TUI over the services in `layer` and resolves when the user quits. The runtime is
 * built before the screen is taken (so a store that cannot be opened fails with a message on
 * the normal screen) and disposed after it is given back, within 5 seconds.
 *
 * @since 0.1.0
 */
export const run = <E,>(layer: Layer.Layer<TuiServices, E>, options: RunOptions = {}): Effect.Effect<void, E | NotATerminal> => {
  const stdin = options.stdin ?? process.stdin
  const stdout = options.stdout ?? process.stdout
  return Effect.gen(function*() {
    yield* checkTerminal(stdin, stdout)
    const runtime = yield* Effect.acquireRelease(
      Effect.sync(() => ManagedRuntime.make(layer)),
      (rt) => rt.disposeEffect.pipe(Effect.timeout("5 seconds"), Effect.ignore)
    )
    yield* runtime.runtimeEffect
    // The first page before the first render: the first frame lists entities. A failure here is
    // left to the live stream, which reports it on the status line.
    const first = yield* Effect.option(Effect.promise(() => runtime.runPromiseExit(CatalogFeed.firstPage())).pipe(
      Effect.flatMap((exit) => exit)
    ))
    // Raw mode before the first frame: keys typed as soon as the list shows are neither echoed
    // by the terminal nor held back until Enter; Ink reads them when it starts listening.
    yield* Effect.acquireRelease(
      Effect.sync(() => stdin.setRawMode?.(true)),
      () => Effect.sync(() => stdin.setRawMode?.(false))
    )
    yield* Effect.acquireRelease(
      Effect.sync(() => stdout.write(ALT_SCREEN_ON)),
      () => Effect.sync(() => stdout.write(ALT_SCREEN_OFF))
    )
    const instance = yield* Effect.acquireRelease(
      Effect.sync(() =>
        render(
          <RuntimeContext.Provider value={runtime as TuiRuntime}>
            <PavedApp
              readonly={options.readonly ?? false}
              initialCatalog={Option.getOrUndefined(first)}
              {...(options.start === undefined ? {} : { start: options.start })}
            />
          </RuntimeContext.Provider>,
          { stdin, stdout, exitOnCtrlC: false, patchConsole: true, maxFps: 60 }
        )
      ),
      (ink) => Effect.sync(() => ink.unmount())
    )
    yield* Effect.promise(() => instance.waitUntilExit())
  }).pipe(Effect.scoped)
}
