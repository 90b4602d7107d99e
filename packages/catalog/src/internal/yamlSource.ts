/**
 * Parsing one YAML file's text safely (the file is read by `scanner.ts`): at most
 * `maxDocuments` documents ever built, aliases bounded, and the position of every node of a
 * document recorded once, at parse time, so that a problem found later (an integrity check over
 * the whole catalog) never reads or parses the file again.
 */
import * as YAML from "yaml"

/** A problem at the level of a file, before any entity exists. */
export interface FileIssue {
  readonly rule: string
  readonly message: string
  readonly line?: number
  readonly column?: number
}

/**
 * Positions of the nodes of one document, keyed by JSON path in `pathToString` form
 * (`spec.dependsOn[1]`, `""` for the document), packed as `line * COLUMNS + column`.
 */
export type Positions = Map<string, number>

/** Columns above this are clamped (a position packs line and column into one number). */
export const COLUMNS = 1 << 20

/** Packs a 1-based line and column. */
export const pack = (line: number, column: number): number => line * COLUMNS + Math.min(column, COLUMNS - 1)

/**
 * The position of a JSON path: the node when it exists, or the deepest existing parent (for a
 * missing field, the mapping that should hold it).
 */
export const positionOf = (
  positions: Positions,
  path: ReadonlyArray<PropertyKey>,
  fallback: { readonly line: number; readonly column: number }
): { readonly line: number; readonly column: number } => positionAt(positions, pathKeys(path), fallback)

/** The keys of a JSON path and of each of its parents, the document's (`""`) first. */
export const pathKeys = (path: ReadonlyArray<PropertyKey>): ReadonlyArray<string> => {
  const keys: Array<string> = []
  let out = ""
  keys.push(out)
  for (const p of path) {
    out = typeof p === "number" ? `${out}[${p}]` : out.length === 0 ? String(p) : `${out}.${String(p)}`
    keys.push(out)
  }
  return keys
}

/** {@link positionOf} over keys from {@link pathKeys} (kept by a caller that locates the same path often). */
export const positionAt = (
  positions: Positions,
  keys: ReadonlyArray<string>,
  fallback: { readonly line: number; readonly column: number }
): { readonly line: number; readonly column: number } => {
  for (let i = keys.length - 1; i >= 0; i--) {
    const packed = positions.get(keys[i]!)
    if (packed !== undefined) return { line: Math.floor(packed / COLUMNS), column: packed % COLUMNS }
  }
  return fallback
}

/** One parsed document: its plain value, or why it has none. */
export interface ParsedDocument {
  readonly index: number
  readonly value: unknown
  readonly empty: boolean
  readonly line: number
  readonly column: number
  readonly issues: ReadonlyArray<FileIssue>
  readonly positions: Positions
  /**
   * With `entries`: where each map entry is written (its key; a sequence item where it starts),
   * for problems about an entry rather than its value.
   */
  readonly entries?: Positions
}

const isMarker = (text: string, at: number): boolean => {
  if (text.charCodeAt(at) !== 45 || text.charCodeAt(at + 1) !== 45 || text.charCodeAt(at + 2) !== 45) return false
  const next = text.charCodeAt(at + 3)
  return Number.isNaN(next) || next === 32 || next === 9 || next === 10 || next === 13
}

/**
 * Cuts a text before its `(max + 1)`-th document, counting `---` markers at the start of a line
 * (in YAML such a line always starts a document, even inside a block scalar). Linear in the
 * text, and no document is built: a 4 MB file of 500,000 tiny documents costs one scan.
 */
export const cutDocuments = (text: string, max: number): { readonly text: string; readonly more: boolean } => {
  const markers: Array<number> = []
  if (isMarker(text, 0)) markers.push(0)
  let from = 0
  while (markers.length <= max + 1) {
    const nl = text.indexOf("\n---", from)
    if (nl === -1) break
    if (isMarker(text, nl + 1)) markers.push(nl + 1)
    from = nl + 1
  }
  // Fewer markers than documents allowed: nothing to cut, whatever comes before the first.
  if (markers.length < max) return { text, more: false }
  const first = markers[0] ?? text.length
  const leading = /[^\s]/.test(text.slice(0, first).replace(/^[ \t]*(?:#|%).*$/gm, "")) ? 1 : 0
  // The (max+1)-th document starts at marker index (max - leading).
  const cutAt = markers[max - leading]
  if (cutAt === undefined) return { text, more: false }
  return { text: text.slice(0, cutAt), more: true }
}

/** The issue for a file with more documents than the limit. */
export const tooManyDocuments = (max: number): FileIssue => ({
  rule: "yaml/too-many-documents",
  message: `The file has more than ${max} documents, above the limit; split it, or raise LoadOptions.maxDocuments. Only the first ${max} were read`
})

/**
 * Parses the documents of a YAML text one at a time (the `yaml` composer is a generator, so
 * documents past `maxDocuments` are never built), converting each to a plain value with bounded
 * aliases and recording the position of every node.
 */
export const parseDocuments = (
  text: string,
  options: { readonly maxAliasCount: number; readonly maxDocuments: number; readonly entries?: boolean }
): { readonly documents: ReadonlyArray<ParsedDocument>; readonly issues: ReadonlyArray<FileIssue> } => {
  const lines = new YAML.LineCounter()
  const parser = new YAML.Parser(lines.addNewLine)
  const composer = new YAML.Composer({})
  const issues: Array<FileIssue> = []
  const documents: Array<ParsedDocument> = []
  for (const doc of composer.compose(parser.parse(text))) {
    if (documents.length >= options.maxDocuments) {
      issues.push(tooManyDocuments(options.maxDocuments))
      break
    }
    const parsed = doc as YAML.Document.Parsed
    const index = documents.length
    const start = lines.linePos(parsed.contents?.range[0] ?? parsed.range[0])
    const docIssues: Array<FileIssue> = parsed.errors.map((e) => yamlIssue(e, lines))
    let value: unknown = undefined
    if (docIssues.length === 0) {
      try {
        value = parsed.toJS({ maxAliasCount: options.maxAliasCount })
      } catch (error) {
        docIssues.push({
          rule: error instanceof ReferenceError ? "yaml/alias-limit" : "yaml/parse",
          message: error instanceof ReferenceError
            ? `The document expands more than ${options.maxAliasCount} aliases (a YAML alias bomb?); remove the aliases, or raise LoadOptions.maxAliasCount`
            : `The document cannot be converted to data: ${error instanceof Error ? error.message : String(error)}`,
          line: start.line,
          column: start.col
        })
      }
    }
    const entries: Positions | undefined = options.entries === true ? new Map() : undefined
    documents.push({
      index,
      value,
      empty: parsed.contents === null || (YAML.isScalar(parsed.contents) && parsed.contents.value === null && docIssues.length === 0),
      line: start.line,
      column: start.col,
      issues: docIssues,
      positions: docIssues.length === 0 ? nodePositions(parsed, lines, entries) : new Map(),
      ...(entries === undefined ? {} : { entries })
    })
  }
  return { documents, issues }
}

const yamlIssue = (e: YAML.YAMLError, lines: YAML.LineCounter): FileIssue => {
  const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0])
  const first = e.message.split("\n")[0] ?? e.message
  return { rule: "yaml/parse", message: `YAML syntax error: ${first}; fix the YAML at this position`, line: pos.line, column: pos.col }
}

/**
 * The position of every map value and sequence item of a document (aliases are not followed),
 * and into `entries`, when given, the position of every map key and sequence item.
 */
const nodePositions = (doc: YAML.Document.Parsed, lines: YAML.LineCounter, entries?: Positions): Positions => {
  const out: Positions = new Map()
  const put = (key: string, offset: number | undefined, into: Positions = out) => {
    if (offset === undefined) return
    const pos = lines.linePos(offset)
    into.set(key, pack(pos.line, pos.col))
  }
  const visit = (node: unknown, key: string) => {
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const k = YAML.isScalar(pair.key) ? pair.key.value : pair.key
        if (typeof k !== "string" && typeof k !== "number") continue
        const child = key.length === 0 ? String(k) : `${key}.${String(k)}`
        const at = YAML.isNode(pair.value) ? pair.value.range?.[0] : YAML.isNode(pair.key) ? pair.key.range?.[0] : undefined
        put(child, at)
        if (entries !== undefined) put(child, YAML.isNode(pair.key) ? pair.key.range?.[0] : at, entries)
        visit(pair.value, child)
      }
    } else if (YAML.isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = `${key}[${i}]`
        if (YAML.isNode(item)) {
          put(child, item.range?.[0])
          if (entries !== undefined) put(child, item.range?.[0], entries)
        }
        visit(item, child)
      })
    }
  }
  put("", doc.contents?.range[0] ?? 0)
  if (entries !== undefined) put("", doc.contents?.range[0] ?? 0, entries)
  visit(doc.contents, "")
  return out
}
