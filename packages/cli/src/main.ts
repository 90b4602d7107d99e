/**
 * The `paved` command: every subcommand, and the mapping of failures to exit codes.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CheckFailed, UsageError } from "./Output.js"
import { doctor } from "./commands/doctor.js"
import { golden } from "./commands/golden.js"
import { catalog } from "./commands/catalog.js"
import { ui } from "./commands/ui.js"
import { score } from "./commands/score.js"
import { observe } from "./commands/observe.js"
import { env } from "./commands/env.js"
import { provision } from "./commands/provision.js"
import { demo } from "./commands/demo.js"
// paved:command-imports (one import line per command group, added by the group's author)

/**
 * The version printed by `paved --version`.
 *
 * @since 0.1.0
 */
export const version = "0.1.0"

/**
 * The root command with every subcommand.
 *
 * @since 0.1.0
 */
export const paved = Command.make("paved").pipe(
  Command.withDescription("Paved: the internal developer platform as a library. Every command takes --format json."),
  Command.withSubcommands([
    doctor,
    golden,
    catalog,
    ui,
    score,
    observe,
    env,
    provision,
    demo,
    // paved:subcommands (one entry per command group)
  ])
)

const cli = Command.run(paved, { name: "paved", version })

/**
 * Runs the command line on `argv` (as in `process.argv`) and resolves to the exit code:
 * 0 success, 1 the checked thing failed, 2 usage or environment error.
 *
 * @since 0.1.0
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number> =>
  cli(argv).pipe(
    Effect.as(0),
    Effect.provide(NodeContext.layer),
    Effect.catchAllCause((cause) => {
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure)) {
        const error: unknown = failure.value
        if (error instanceof CheckFailed) {
          return Effect.sync(() => {
            if (error.summary.length > 0) process.stderr.write(error.summary + "\n")
            return 1
          })
        }
        if (ValidationError.isValidationError(error)) return Effect.succeed(2)
        const message = error instanceof UsageError
          ? error.summary
          : error instanceof Error
          ? error.message
          : String(error)
        return Effect.sync(() => {
          process.stderr.write(`paved: ${message}\n`)
          return 2
        })
      }
      if (Cause.isInterruptedOnly(cause)) return Effect.succeed(130)
      return Effect.sync(() => {
        process.stderr.write(`paved: unexpected failure\n${Cause.pretty(cause)}\n`)
        return 2
      })
    })
  )
