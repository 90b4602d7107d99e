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
 * The one error-to-exit-code table: each failure a command can end with, by its tag, is either
 * 1 (the checked thing failed: invalid input, drift found, policy violated; its report has been
 * printed) or 2 (a usage or environment error: bad arguments, a missing file, a store or server
 * that cannot be reached). A failure whose tag is not here (or has none) is 2. Commands let
 * library errors through; the runner looks their code up here (see {@link exitCodeOf}).
 *
 * @since 0.2.0
 */
export const exitCodes: Readonly<Record<string, 1 | 2>> = {
  // the checked thing failed
  CheckFailed: 1,
  IngestRefused: 1,
  PlanRefused: 1,
  ApplyFailed: 1,
  // usage or environment
  UsageError: 2,
  ValidationError: 2,
  DatabaseError: 2,
  StoreError: 2,
  InvalidQuery: 2,
  EntityRefParseError: 2,
  ProjectConfigError: 2,
  ScoreStoreError: 2,
  ScorecardFileError: 2,
  FactsFileError: 2,
  FactSourceError: 2,
  CatalogSourceError: 2,
  ProblemsFound: 2,
  WorkloadUnreadable: 2,
  InvalidEnvironmentName: 2,
  ProvisionError: 2,
  SecretKeyError: 2,
  MissingDependency: 2,
  EmbeddedPostgresError: 2,
  S3EndpointError: 2,
  InvalidSpec: 2,
  EnvironmentError: 2,
  EnvironmentConflict: 2,
  ManifestError: 2,
  NodeImageError: 2,
  ServiceFailed: 2,
  SpanStoreError: 2,
  ReceiverError: 2,
  OtlpDecodeError: 2,
  TemplateNotFound: 2,
  TemplateLoadError: 2,
  TemplateDefinitionError: 2,
  TemplateCodeError: 2,
  ParameterError: 2,
  OutputExists: 2,
  UnsafePathError: 2,
  UnsafeFileError: 2,
  RegistryError: 2,
  PipelineInputError: 2,
  PortalError: 2,
  SystemError: 2,
  BadArgument: 2,
  ParseError: 2,
  SqlError: 2
}

const tagOf = (error: unknown): string | undefined => {
  const tag = typeof error === "object" && error !== null ? (error as { readonly _tag?: unknown })._tag : undefined
  return typeof tag === "string" ? tag : undefined
}

/**
 * The exit code of a command's failure, from {@link exitCodes}: 1 or 2.
 *
 * @since 0.2.0
 */
export const exitCodeOf = (error: unknown): 1 | 2 => exitCodes[tagOf(error) ?? ""] ?? 2

/**
 * What to print for a command's failure: a `CheckFailed` or `UsageError` summary, an error's
 * message (also of a plain object that carries one), or the value itself.
 *
 * @since 0.2.0
 */
export const messageOf = (error: unknown): string =>
  error instanceof UsageError || error instanceof CheckFailed
    ? error.summary
    : error instanceof Error
    ? error.message
    : typeof error === "object" && error !== null && "message" in error
    ? String(error.message)
    : String(error)

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
export const diagnostic = (line: string): Effect.Effect<void> => Console.error(line.split("\n").map(visible).join("\n"))

/**
 * A column of a table: its header and how to read a cell from a row.
 *
 * @since 0.1.0
 */
export interface Column<A> {
  readonly header: string
  readonly cell: (row: A) => string | number | boolean | undefined | null
}

// C0 controls except tab, DEL and C1 controls: what a terminal could take as a command.
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g

/**
 * Makes text from data safe to print on a terminal: every C0 control character except the tab,
 * DEL and every C1 control is replaced by a visible stand-in (ESC becomes `␛`, BEL `␇`, the C1
 * CSI `\x9b`), so escape sequences in span names or catalog fields (OSC 52 clipboard writes,
 * title changes, clear-screen) are shown, never obeyed.
 *
 * @since 0.1.0
 */
export const visible = (text: string): string =>
  text.replace(controls, (c) => {
    const code = c.charCodeAt(0)
    if (code < 0x20) return String.fromCharCode(0x2400 + code)
    if (code === 0x7f) return "\u2421"
    return `\\x${code.toString(16)}`
  })

const cellText = (value: string | number | boolean | undefined | null): string =>
  value === undefined || value === null ? "" : visible(String(value).replace(/\s+/g, " "))

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

/**
 * Whether to colour what is written on `stream`: `FORCE_COLOR` (any value but `0`) forces
 * colour, `NO_COLOR` (any non-empty value) turns it off, otherwise colour only on a terminal.
 *
 * @since 0.1.0
 */
export const colour = (stream: { readonly isTTY?: boolean } = process.stdout): boolean => {
  const force = process.env["FORCE_COLOR"]
  if (force !== undefined && force !== "0" && force !== "false") return true
  const no = process.env["NO_COLOR"]
  if (no !== undefined && no.length > 0) return false
  return stream.isTTY === true
}

/**
 * "1 warning", "2 warnings": a count with its noun, singular or plural.
 *
 * @since 0.1.0
 */
export const count = (n: number, singular: string, plural = `${singular}s`): string => `${n} ${n === 1 ? singular : plural}`

/**
 * The `--yes` option of destructive commands: do it without asking.
 *
 * @since 0.1.0
 */
export const yes = Options.boolean("yes").pipe(
  Options.withAlias("y"),
  Options.withDescription("Do it without asking (needed when standard input is not a terminal)")
)

/**
 * Asks before a destructive action. With `--yes` it goes ahead; on a terminal it asks
 * `question [y/N]` on stderr and reads the answer from stdin; without a terminal it refuses
 * (exit 2) and says to pass `--yes`, so a script never destroys by accident.
 *
 * @since 0.1.0
 */
export const confirm = (question: string, confirmed: boolean): Effect.Effect<void, UsageError> => {
  if (confirmed) return Effect.void
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) {
    return Effect.fail(new UsageError({ summary: `${question.replace(/\?$/, "")}: refusing without confirmation; pass --yes to confirm` }))
  }
  return Effect.async<void, UsageError>((resume) => {
    process.stderr.write(`${question} [y/N] `)
    const stdin = process.stdin
    const onData = (chunk: Buffer) => {
      cleanup()
      const answer = chunk.toString("utf8").trim().toLowerCase()
      resume(answer === "y" || answer === "yes" ? Effect.void : Effect.fail(new UsageError({ summary: "cancelled; nothing was changed" })))
    }
    const cleanup = () => {
      stdin.off("data", onData)
      stdin.pause()
    }
    stdin.on("data", onData)
    stdin.resume()
    return Effect.sync(cleanup)
  })
}
