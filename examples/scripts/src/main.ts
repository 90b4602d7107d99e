/**
 * How the team scripts run from the command line: an Effect that yields a report and whether
 * it is a failure, printed as JSON (`--json`) or text, with exit code 1 on failure.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** What a script produced: the report, its text form, and whether it should fail a CI job. */
export interface Outcome<A> {
  readonly report: A
  readonly text: string
  readonly failed: boolean
}

/** Whether the module at `url` is the one node was asked to run. */
export const isMain = (url: string): boolean => process.argv[1] !== undefined && fileURLToPath(url) === process.argv[1]

/**
 * The directory relative paths are read from: where the user typed the command. `npm run -w`
 * runs scripts in `examples/scripts`, and sets `INIT_CWD` to the directory npm was started in.
 */
export const baseDir = (): string => process.env.INIT_CWD !== undefined && process.env.INIT_CWD.length > 0 ? process.env.INIT_CWD : process.cwd()

/** A path argument, resolved against {@link baseDir}. */
export const inputPath = (p: string): string => path.resolve(baseDir(), p)

/** The input paths (given, not globs) that do not exist. */
export const missingInputs = (paths: ReadonlyArray<string | undefined>): ReadonlyArray<string> =>
  paths.filter((p): p is string => p !== undefined && !/[*?[]/.test(p) && !fs.existsSync(p))

/**
 * Runs a script's program and exits 1 when its outcome failed. Its input paths are checked
 * first: a missing one is a usage error (exit 2), never a report over nothing.
 */
export const runScript = <A, E>(
  program: Effect.Effect<Outcome<A>, E, NodeContext.NodeContext>,
  inputs: { readonly catalog: ReadonlyArray<string>; readonly paths?: ReadonlyArray<string | undefined> } = { catalog: positional() }
): void => {
  const usage = (message: string) => {
    process.stderr.write(`error: ${message}\n`)
    process.exitCode = 2
  }
  if (inputs.catalog.length === 0) return usage("give the catalog to read, e.g. examples/demo-org (paths are relative to where you run the command)")
  const missing = missingInputs([...inputs.catalog, ...(inputs.paths ?? [])])
  if (missing.length > 0) {
    return usage(`no such file or directory: ${missing.map((m) => path.relative(baseDir(), m) || m).join(", ")} (relative to ${baseDir()}); nothing was checked`)
  }
  NodeRuntime.runMain(program.pipe(
    Effect.tap((o) =>
      Effect.sync(() => {
        process.stdout.write((process.argv.includes("--json") ? JSON.stringify(o.report, null, 2) : o.text) + "\n")
        if (o.failed) process.exitCode = 1
      })
    ),
    Effect.provide(NodeContext.layer)
  ))
}

/** The positional arguments (flags removed), as paths resolved against {@link baseDir}. */
export const positional = (): ReadonlyArray<string> => process.argv.slice(2).filter((a) => !a.startsWith("--")).map(inputPath)

/** The value of `--name=value`, if given. */
export const flag = (name: string): string | undefined =>
  process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)

/** The value of `--name=PATH`, resolved against {@link baseDir}, if given. */
export const pathFlag = (name: string): string | undefined => {
  const value = flag(name)
  return value === undefined ? undefined : inputPath(value)
}
