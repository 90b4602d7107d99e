/**
 * A problem found while loading or checking a catalog: where it is (file, line, column, JSON
 * path, entity ref), which rule found it, and a message that says what to do.
 *
 * Problems are data, not failures: loading never fails for bad input, it returns every problem
 * it found so that one bad file never hides the others.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * `error` makes an entity (or a whole file) invalid; `warning` is reported but accepted, as
 * Backstage accepts it (a dangling owner, an unresolved remote placeholder).
 *
 * @since 0.1.0
 */
export const Severity = Schema.Literal("error", "warning")

/**
 * @since 0.1.0
 */
export type Severity = typeof Severity.Type

/**
 * One problem. `path` is the JSON path inside the entity (`metadata.tags[1]`, `spec.owner`);
 * `rule` is a stable id (`entity/name`, `yaml/parse`, `location/escape`,
 * `integrity/dangling-ref`, ...) that scripts can filter on.
 *
 * @since 0.1.0
 */
export const Problem = Schema.Struct({
  severity: Severity,
  file: Schema.optional(Schema.String),
  line: Schema.optional(Schema.Number),
  column: Schema.optional(Schema.Number),
  path: Schema.optional(Schema.String),
  ref: Schema.optional(Schema.String),
  rule: Schema.String,
  message: Schema.String
})

/**
 * @since 0.1.0
 */
export type Problem = typeof Problem.Type

/**
 * A problem as every `paved` command prints it with `--format json`: all eight keys, in this
 * order, with `null` where a problem has no value (a problem of a whole file has no line, one
 * found before any entity has no ref).
 *
 * @since 0.2.0
 */
export const Json = Schema.Struct({
  severity: Severity,
  file: Schema.NullOr(Schema.String),
  line: Schema.NullOr(Schema.Number),
  column: Schema.NullOr(Schema.Number),
  path: Schema.NullOr(Schema.String),
  ref: Schema.NullOr(Schema.String),
  rule: Schema.String,
  message: Schema.String
})

/**
 * @since 0.2.0
 */
export type Json = typeof Json.Type

/**
 * The JSON form of a problem (see {@link Json}): the one shape of problems in the output of
 * `paved catalog validate`, `provision plan`, `env up`, `golden check` and `score`.
 *
 * @since 0.2.0
 */
export const toJson = (problem: Problem): Json => ({
  severity: problem.severity,
  file: problem.file ?? null,
  line: problem.line ?? null,
  column: problem.column ?? null,
  path: problem.path ?? null,
  ref: problem.ref ?? null,
  rule: problem.rule,
  message: problem.message
})

/**
 * An error-severity problem; the fields a problem has no value for are left out.
 *
 * @since 0.2.0
 */
export const error = (fields: Omit<Problem, "severity">): Problem => ({ severity: "error", ...fields })

/**
 * Whether any problem is an error (with `strict`, warnings count as errors too).
 *
 * @since 0.1.0
 */
export const hasErrors = (problems: ReadonlyArray<Problem>, options: { readonly strict?: boolean } = {}): boolean =>
  problems.some((p) => p.severity === "error" || options.strict === true)

/**
 * Formats a problem as one line, `file:line:column severity rule message`, the way compilers
 * print diagnostics so editors can jump to them.
 *
 * @since 0.1.0
 */
export const format = (problem: Problem): string => {
  const where = problem.file === undefined
    ? "<input>"
    : `${problem.file}${problem.line === undefined ? "" : `:${problem.line}:${problem.column ?? 1}`}`
  const ref = problem.ref === undefined ? "" : ` [${problem.ref}]`
  const path = problem.path === undefined ? "" : ` ${problem.path}:`
  return `${where} ${problem.severity} ${problem.rule}${ref}${path} ${problem.message}`
}

/**
 * Orders problems by file, line and column so reports read top to bottom.
 *
 * @since 0.1.0
 */
export const sort = (problems: ReadonlyArray<Problem>): Array<Problem> =>
  [...problems].sort((a, b) =>
    (a.file ?? "").localeCompare(b.file ?? "") || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)
  )
