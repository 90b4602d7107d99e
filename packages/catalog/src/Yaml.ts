/**
 * Reading YAML with source positions, and decoding it with a Schema into a value or into
 * located problems. This is the one YAML reader of Paved: catalog files, scorecards, facts
 * files, `paved.yaml`, Score workloads and golden-path pipelines all read through it, so a
 * problem in any of them has the same shape ({@link Problem.Problem}) and points at the same
 * kind of place.
 *
 * Positions are recorded once, when a document is parsed: `positionOf` gives where a value
 * starts (for a missing field, the nearest value that holds it), `entryPositionOf` where a map
 * entry is written (its key), for problems about the entry itself.
 *
 * @example
 * import { Yaml } from "@paved/catalog"
 * import * as Schema from "effect/Schema"
 *
 * const Service = Schema.Struct({ name: Schema.String, port: Schema.Number })
 * const decoded = Yaml.decode(Service, "name: web\nport: eighty\n", { file: "service.yaml" })
 * // Left([{ severity: "error", file: "service.yaml", line: 2, column: 7, path: "port", rule: "schema", ... }])
 *
 * @since 0.2.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { ParseOptions as SchemaParseOptions } from "effect/SchemaAST"
import * as Source from "./internal/yamlSource.js"
import type { Problem } from "./Problem.js"

/**
 * A 1-based line and column in a file.
 *
 * @since 0.2.0
 */
export interface Position {
  readonly line: number
  readonly column: number
}

/**
 * One parsed YAML document: its plain value (`undefined` when it has syntax problems), where it
 * starts, its problems, and the position of any JSON path in it.
 *
 * @since 0.2.0
 */
export interface Document {
  readonly value: unknown
  /** The document holds nothing (an empty file, or only comments). */
  readonly empty: boolean
  readonly line: number
  readonly column: number
  /** Syntax errors and alias limits of this document, located. */
  readonly problems: ReadonlyArray<Problem>
  /** Where the value at `path` starts; for a missing path, the nearest value that holds it. */
  readonly positionOf: (path: ReadonlyArray<PropertyKey>) => Position
  /** Where the entry at `path` is written (a map key, a sequence item); else as {@link Document.positionOf}. */
  readonly entryPositionOf: (path: ReadonlyArray<PropertyKey>) => Position
}

/**
 * Options of {@link parse} and {@link parseAll}; every one has a default.
 *
 * @since 0.2.0
 */
export interface ParseOptions {
  /** The file the problems name (default: none, printed as `<input>`). */
  readonly file?: string | undefined
  /** The rule of syntax problems (default `yaml/parse`). */
  readonly syntaxRule?: string | undefined
  /** Aliases a document may expand before it is refused as an alias bomb (default 100). */
  readonly maxAliasCount?: number | undefined
}

/**
 * Options of {@link parseAll}: also how many documents a text may hold (default 1000).
 *
 * @since 0.2.0
 */
export interface ParseAllOptions extends ParseOptions {
  readonly maxDocuments?: number | undefined
}

/**
 * Options of {@link decode} and {@link decodeDocument}.
 *
 * @since 0.2.0
 */
export interface DecodeOptions extends ParseOptions {
  /** The rule of schema problems (default `schema`). */
  readonly schemaRule?: string | undefined
  /** Locate schema problems at the entry (its key) rather than at its value (default false). */
  readonly atEntries?: boolean | undefined
  /** Schema parse options (default: every error, and an excess property is an error). */
  readonly parseOptions?: SchemaParseOptions | undefined
}

/**
 * A JSON path as Paved prints it: `spec.dependsOn[1]`, `""` for the document itself.
 *
 * @since 0.2.0
 */
export const pathString = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const p of path) out = typeof p === "number" ? `${out}[${p}]` : out.length === 0 ? String(p) : `${out}.${String(p)}`
  return out
}

const toDocument = (parsed: Source.ParsedDocument, options: ParseOptions): Document => {
  const start = { line: parsed.line, column: parsed.column }
  const entries = parsed.entries ?? parsed.positions
  return {
    value: parsed.issues.length > 0 ? undefined : parsed.value,
    empty: parsed.empty,
    line: parsed.line,
    column: parsed.column,
    problems: parsed.issues.map((issue) => locate(issue, options, start)),
    positionOf: (path) => Source.positionOf(parsed.positions, path, start),
    entryPositionOf: (path) => Source.positionOf(entries, path, start)
  }
}

const locate = (issue: Source.FileIssue, options: ParseOptions, start: Position): Problem => ({
  severity: "error",
  ...(options.file === undefined ? {} : { file: options.file }),
  line: issue.line ?? start.line,
  column: issue.column ?? start.column,
  rule: issue.rule === "yaml/parse" ? options.syntaxRule ?? issue.rule : issue.rule,
  message: issue.message
})

/**
 * Parses every document of a YAML text, recording positions. Documents past `maxDocuments` are
 * never built (a problem says so).
 *
 * @since 0.2.0
 */
export const parseAll = (
  text: string,
  options: ParseAllOptions = {}
): { readonly documents: ReadonlyArray<Document>; readonly problems: ReadonlyArray<Problem> } => {
  const parsed = Source.parseDocuments(text, {
    maxAliasCount: options.maxAliasCount ?? 100,
    maxDocuments: options.maxDocuments ?? 1000,
    entries: true
  })
  return {
    documents: parsed.documents.map((d) => toDocument(d, options)),
    problems: parsed.issues.map((issue) => locate(issue, options, { line: 1, column: 1 }))
  }
}

/**
 * Parses a YAML text that holds one document (an empty text is an empty document, whose value
 * is `null`). A second document is a problem.
 *
 * @since 0.2.0
 */
export const parse = (text: string, options: ParseOptions = {}): Document => {
  const parsed = Source.parseDocuments(text, { maxAliasCount: options.maxAliasCount ?? 100, maxDocuments: 2, entries: true })
  const first = parsed.documents[0]
  if (first === undefined) {
    const at = () => ({ line: 1, column: 1 })
    return { value: null, empty: true, line: 1, column: 1, problems: [], positionOf: at, entryPositionOf: at }
  }
  const document = toDocument(first, options)
  const second = parsed.documents[1]
  if (second === undefined) return document
  return {
    ...document,
    value: undefined,
    problems: [...document.problems, {
      severity: "error",
      ...(options.file === undefined ? {} : { file: options.file }),
      line: second.line,
      column: second.column,
      rule: options.syntaxRule ?? "yaml/parse",
      message: "A second YAML document (after a `---` line) is here; this file holds one document, so remove the `---` or move the document to its own file"
    }]
  }
}

/**
 * The problems of a Schema parse error, each at the position of its path in the document.
 *
 * @since 0.2.0
 */
export const problemsOf = (
  error: ParseResult.ParseError,
  document: Pick<Document, "positionOf" | "entryPositionOf">,
  options: Pick<DecodeOptions, "file" | "schemaRule" | "atEntries"> = {}
): ReadonlyArray<Problem> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const path = pathString(issue.path)
    return {
      severity: "error",
      ...(options.file === undefined ? {} : { file: options.file }),
      ...(options.atEntries === true ? document.entryPositionOf(issue.path) : document.positionOf(issue.path)),
      ...(path.length === 0 ? {} : { path }),
      rule: options.schemaRule ?? "schema",
      message: issue.message
    }
  })

const defaultParseOptions: SchemaParseOptions = { errors: "all", onExcessProperty: "error" }

/**
 * Decodes a parsed document with a Schema: the value, or every problem located.
 *
 * @since 0.2.0
 */
export const decodeDocument = <A, I>(
  schema: Schema.Schema<A, I>,
  document: Document,
  options: DecodeOptions = {}
): Either.Either<A, ReadonlyArray<Problem>> => {
  if (document.problems.length > 0) return Either.left(document.problems)
  const decoded = Schema.decodeUnknownEither(schema, options.parseOptions ?? defaultParseOptions)(document.value)
  return Either.isRight(decoded) ? Either.right(decoded.right) : Either.left(problemsOf(decoded.left, document, options))
}

/**
 * Parses a one-document YAML text and decodes it with a Schema: the value, or every problem
 * (syntax or schema) with its file, line, column and path.
 *
 * @since 0.2.0
 */
export const decode = <A, I>(
  schema: Schema.Schema<A, I>,
  text: string,
  options: DecodeOptions = {}
): Either.Either<A, ReadonlyArray<Problem>> => decodeDocument(schema, parse(text, options), options)

/**
 * A problem in the `{ path, line, column, message }` form of the `issues` of
 * `ScorecardFileError`, `FactsFileError` and `ProjectConfigError` (`""` for the document).
 *
 * @since 0.2.0
 */
export const issueOf = (problem: Problem): { readonly path: string; readonly line: number; readonly column: number; readonly message: string } => ({
  path: problem.path ?? "",
  line: problem.line ?? 1,
  column: problem.column ?? 1,
  message: problem.message
})
