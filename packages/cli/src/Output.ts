/**
 * How every `paved` command speaks: `--format json|table`, one JSON document on stdout, human
 * tables on stdout, diagnostics on stderr, and exit codes 0 (ok), 1 (the checked thing failed),
 * 2 (usage or environment error).
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/**
 * The `--format` option every command takes.
 *
 * @since 0.1.0
 */
export const format = Options.choice("format", ["table", "json"]).pipe(
  Options.withDefault("table" as const),
  Options.withDescription("Output format: a readable table (default) or one JSON document on stdout")
)

/**
 * @since 0.1.0
 */
export type Format = "table" | "json"

/**
 * The checked thing failed (invalid input, drift found, policy violated). The report has
 * already been printed; the process exits with code 1.
 *
 * @since 0.1.0
 */
export class CheckFailed extends Data.TaggedError("CheckFailed")<{ readonly summary: string }> {
  override get message(): string {
    return this.summary
  }
}

/**
 * A usage or environment error (bad arguments, unreachable database, missing file). Printed to
 * stderr; the process exits with code 2.
 *
 * @since 0.1.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly summary: string }> {
  override get message(): string {
    return this.summary
  }
}

/**
 * Prints one JSON document on stdout. `Redacted` values print as `<redacted>` because their
 * `toJSON` says so; nothing here reveals a secret.
 *
 * @since 0.1.0
 */
export const printJson = (value: unknown): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stdout.write(JSON.stringify(value, null, 2) + "\n")
  })

/**
 * Writes a diagnostic line on stderr.
 *
 * @since 0.1.0
 */
export const diagnostic = (line: string): Effect.Effect<void> => Console.error(line)

/**
 * A column of a table: its header and how to read a cell from a row.
 *
 * @since 0.1.0
 */
export interface Column<A> {
  readonly header: string
  readonly cell: (row: A) => string | number | boolean | undefined | null
}

const cellText = (value: string | number | boolean | undefined | null): string =>
  value === undefined || value === null ? "" : String(value).replace(/\s+/g, " ")

/**
 * Renders rows as an aligned plain-text table (no colours, so it pipes cleanly).
 *
 * @since 0.1.0
 */
export const renderTable = <A>(rows: ReadonlyArray<A>, columns: ReadonlyArray<Column<A>>): string => {
  const cells = rows.map((row) => columns.map((c) => cellText(c.cell(row))))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: ReadonlyArray<string>) =>
    values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join("  ").trimEnd()
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join("\n")
}

/**
 * Prints a table on stdout, or a short line when there are no rows.
 *
 * @since 0.1.0
 */
export const printTable = <A>(
  rows: ReadonlyArray<A>,
  columns: ReadonlyArray<Column<A>>,
  empty = "(none)"
): Effect.Effect<void> => Console.log(rows.length === 0 ? empty : renderTable(rows, columns))
