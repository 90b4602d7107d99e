/**
 * How the team scripts run from the command line: an Effect that yields a report and whether
 * it is a failure, printed as JSON (`--json`) or text, with exit code 1 on failure.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"

/** What a script produced: the report, its text form, and whether it should fail a CI job. */
export interface Outcome<A> {
  readonly report: A
  readonly text: string
  readonly failed: boolean
}

/** Whether the module at `url` is the one node was asked to run. */
export const isMain = (url: string): boolean => process.argv[1] !== undefined && fileURLToPath(url) === process.argv[1]

/** Runs a script's program and exits 1 when its outcome failed. */
export const runScript = <A, E>(program: Effect.Effect<Outcome<A>, E, NodeContext.NodeContext>): void =>
  NodeRuntime.runMain(program.pipe(
    Effect.tap((o) =>
      Effect.sync(() => {
        process.stdout.write((process.argv.includes("--json") ? JSON.stringify(o.report, null, 2) : o.text) + "\n")
        if (o.failed) process.exitCode = 1
      })
    ),
    Effect.provide(NodeContext.layer)
  ))

/** The positional arguments (flags removed). */
export const positional = (): ReadonlyArray<string> => process.argv.slice(2).filter((a) => !a.startsWith("--"))

/** The value of `--name=value`, if given. */
export const flag = (name: string): string | undefined =>
  process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
