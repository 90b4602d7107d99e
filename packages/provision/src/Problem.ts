/**
 * Problems found in requests before anything is provisioned: a Score file that does not decode,
 * a placeholder naming an unknown output, a type no provisioner handles. A problem is the one
 * `Problem` of `@paved/catalog/Problem` (severity, file, line, column, path, ref, rule,
 * message), so `paved provision plan --format json` prints problems as every other command does.
 *
 * @since 0.1.0
 */
import * as CatalogProblem from "@paved/catalog/Problem"
import * as Data from "effect/Data"

/**
 * One problem: the `Problem` of `@paved/catalog/Problem`. Problems of resource requests are
 * errors with a file, line and column (0 when unknown, as for an entity's request).
 *
 * @since 0.1.0
 */
export const Problem = CatalogProblem.Problem

/**
 * @since 0.1.0
 */
export type Problem = CatalogProblem.Problem

/**
 * Formats a problem as `file:line:column severity rule message`, the way compilers print them
 * (the one formatter, `Problem.format` of `@paved/catalog`).
 *
 * @since 0.1.0
 */
export const format = CatalogProblem.format

/**
 * The JSON form of a problem, the one shape every `paved` command prints (`Problem.toJson` of
 * `@paved/catalog`).
 *
 * @since 0.2.0
 */
export const toJson = CatalogProblem.toJson

/**
 * The requests have problems, so no plan was made. Every problem is listed.
 *
 * @since 0.1.0
 */
export class ProblemsFound extends Data.TaggedError("ProblemsFound")<{
  readonly problems: ReadonlyArray<Problem>
}> {
  override get message(): string {
    return `${this.problems.length} problem(s) in the resource requests:\n` +
      this.problems.map((p) => "  " + format(p)).join("\n")
  }
}
