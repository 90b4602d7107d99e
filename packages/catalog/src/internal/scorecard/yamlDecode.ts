/**
 * Decodes a YAML document with a Schema and reports every problem with its file, line and
 * column, found from the YAML node at (or nearest above) the path the Schema complained about.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as YAML from "yaml"

/** @internal */
export interface PositionedIssue {
  readonly path: string
  readonly line: number
  readonly column: number
  readonly message: string
}

const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, p) => typeof p === "number" ? `${acc}[${p}]` : acc === "" ? String(p) : `${acc}.${String(p)}`, "")

const positionOf = (
  doc: YAML.Document.Parsed,
  counter: YAML.LineCounter,
  path: ReadonlyArray<PropertyKey>
): { line: number; col: number } => {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)
    if (YAML.isNode(node) && node.range !== undefined && node.range !== null) {
      // A missing key is reported at its parent map; a present key's value at the value.
      return counter.linePos(node.range[0])
    }
  }
  return { line: 1, col: 1 }
}

/** @internal */
export const decode = <A, I>(
  schema: Schema.Schema<A, I>,
  text: string
): Either.Either<A, ReadonlyArray<PositionedIssue>> => {
  const counter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return Either.left(doc.errors.map((e) => {
      const { line, col } = counter.linePos(e.pos[0])
      return { path: "", line, column: col, message: e.message.split("\n")[0]! }
    }))
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 })
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(value)
  if (Either.isRight(decoded)) return Either.right(decoded.right)
  const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
  return Either.left(issues.map((issue) => {
    const { line, col } = positionOf(doc, counter, issue.path)
    return { path: pathText(issue.path), line, column: col, message: issue.message }
  }))
}
