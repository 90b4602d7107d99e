/**
 * The one place where Effect meets React: a context holding the `ManagedRuntime` built at the
 * `render()` boundary, and `useStream`, which runs a `Stream` from the packages on that runtime
 * and keeps its latest element as React state. The fiber is interrupted when the component
 * unmounts or its dependencies change, so nothing outlives the view that asked for it.
 */
import type { CatalogStore } from "@paved/catalog/CatalogStore"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import { createContext, type DependencyList, useContext, useEffect, useState } from "react"

/** The services every TUI runtime provides; other packages' services are read when present. */
export type TuiServices = CatalogStore

/** The runtime the views run their effects on. */
export type TuiRuntime = ManagedRuntime.ManagedRuntime<TuiServices, unknown>

/** Carries the runtime from the render boundary to the views. */
export const RuntimeContext = createContext<TuiRuntime | undefined>(undefined)

/** The latest element of a stream, whether it has ended, and why it failed. */
export interface StreamState<A> {
  readonly value: A | undefined
  readonly done: boolean
  readonly error: string | undefined
  /** Increments with every element (elements may be the same object, updated in place). */
  readonly version: number
}

const idle: StreamState<never> = { value: undefined, done: false, error: undefined, version: 0 }

const describe = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/**
 * Runs the stream `make()` returns (none: nothing runs) on the TUI runtime and re-renders with
 * each element. A new stream replaces the old one when `deps` change.
 */
export const useStream = <A, E>(
  make: () => Stream.Stream<A, E, TuiServices> | undefined,
  deps: DependencyList
): StreamState<A> => {
  const runtime = useContext(RuntimeContext)
  const [state, setState] = useState<StreamState<A>>(idle)
  useEffect(() => {
    const stream = make()
    if (runtime === undefined || stream === undefined) {
      setState(idle)
      return
    }
    setState(idle)
    const fiber = runtime.runFork(
      stream.pipe(
        Stream.runForEach((value) => Effect.sync(() => setState((s) => ({ value, done: false, error: undefined, version: s.version + 1 })))),
        Effect.matchCauseEffect({
          onSuccess: () => Effect.sync(() => setState((s) => ({ ...s, done: true }))),
          onFailure: (cause) =>
            Cause.isInterruptedOnly(cause)
              ? Effect.void
              : Effect.sync(() => setState((s) => ({ ...s, done: true, error: describe(cause) })))
        })
      )
    )
    return () => {
      runtime.runFork(Fiber.interrupt(fiber))
    }
  }, [runtime, ...deps])
  return state
}

/** Runs one effect (a `Stream` of one element) and keeps its result. */
export const useEffectValue = <A, E>(
  make: () => Effect.Effect<A, E, TuiServices> | undefined,
  deps: DependencyList
): StreamState<A> =>
  useStream(() => {
    const effect = make()
    return effect === undefined ? undefined : Stream.fromEffect(effect)
  }, deps)

/**
 * A function that runs an effect on the TUI runtime (a change the user confirmed); the fibers
 * still running are interrupted when the component unmounts.
 */
export const useRunner = (): (effect: Effect.Effect<void, never, TuiServices>) => void => {
  const runtime = useContext(RuntimeContext)
  const [fibers] = useState(() => new Set<Fiber.RuntimeFiber<void, unknown>>())
  useEffect(() => () => {
    if (runtime !== undefined) for (const fiber of fibers) runtime.runFork(Fiber.interrupt(fiber))
  }, [runtime, fibers])
  return (effect) => {
    if (runtime === undefined) return
    const fiber = runtime.runFork(effect)
    fibers.add(fiber)
    fiber.addObserver(() => fibers.delete(fiber))
  }
}
