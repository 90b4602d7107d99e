/**
 * Problems found in requests before anything is provisioned: a Score file that does not decode,
 * a placeholder naming an unknown output, a type no provisioner handles. Each carries the file,
 * line and column a person fixes.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"

/**
 * One problem at a place in a file (`line`/`column` are 1-based; 0 when unknown).
 *
 * @since 0.1.0
 */
export const Problem = Schema.Struct({
  file: Schema.String,
  line: Schema.Number,
  column: Schema.Number,
  rule: Schema.String,
  message: Schema.String
})

/**
 * @since 0.1.0
 */
export type Problem = typeof Problem.Type

/**
 * Formats a problem as `file:line:column rule message`, the way compilers print them.
 *
 * @since 0.1.0
 */
export const format = (p: Problem): string => `${p.file}:${p.line}:${p.column} ${p.rule} ${p.message}`

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
