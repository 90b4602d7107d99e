/**
 * How a command that found problems in its inputs reports them: with `--format json` the JSON
 * document on stdout is `{ problems: [...] }`, each problem in the one shape of
 * `Problem.toJson`; otherwise one `file:line:column severity rule message` line per problem on
 * stderr. Then the command fails the check (exit 1).
 */
import * as Problem from "@paved/catalog/Problem"
import * as Effect from "effect/Effect"
import * as Output from "../Output.js"

/** Prints `problems` for `format`, then fails with `CheckFailed` saying how many were `where`. */
export const failWithProblems = (problems: ReadonlyArray<Problem.Problem>, format: Output.Format, where: string) =>
  Effect.zipRight(
    format === "json"
      ? Output.printJson({ problems: problems.map(Problem.toJson) })
      : Effect.forEach(problems, (p) => Output.diagnostic(Problem.format(p)), { discard: true }),
    Effect.fail(new Output.CheckFailed({ summary: `${Output.count(problems.length, "problem")} ${where}` }))
  )
