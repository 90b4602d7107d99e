/**
 * Reading one YAML file safely: a size check before reading, strict UTF-8, every document with
 * its errors, aliases bounded, and positions for JSON paths inside a document.
 */
import * as fs from "node:fs/promises"
import * as YAML from "yaml"

/** A problem at the level of a file, before any entity exists. */
export interface FileIssue {
  readonly rule: string
  readonly message: string
  readonly line?: number
  readonly column?: number
}

/** One parsed document: its plain value, or why it has none. */
export interface ParsedDocument {
  readonly index: number
  readonly value: unknown
  readonly empty: boolean
  readonly line: number
  readonly column: number
  readonly issues: ReadonlyArray<FileIssue>
  readonly doc: YAML.Document.Parsed
}

/** The outcome of reading a file as text. */
export type ReadText =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Failed"; readonly issue: FileIssue }

const decoder = new TextDecoder("utf-8", { fatal: true })

/** Reads a file as strict UTF-8 after checking its size against `maxBytes`. */
export const readText = async (file: string, maxBytes: number): Promise<ReadText> => {
  let handle: fs.FileHandle | undefined
  try {
    handle = await fs.open(file, "r")
    const stat = await handle.stat()
    if (stat.isDirectory()) return { _tag: "Failed", issue: { rule: "file/not-a-file", message: `${file} is a directory, not a file; point at a YAML file inside it` } }
    if (stat.size > maxBytes) {
      return {
        _tag: "Failed",
        issue: { rule: "file/too-large", message: `The file is ${stat.size} bytes, above the limit of ${maxBytes}; split it, or raise LoadOptions.maxFileBytes` }
      }
    }
    const bytes = await handle.readFile()
    if (bytes.length > maxBytes) {
      return { _tag: "Failed", issue: { rule: "file/too-large", message: `The file grew above the limit of ${maxBytes} bytes while it was read; split it, or raise LoadOptions.maxFileBytes` } }
    }
    try {
      const text = decoder.decode(bytes)
      return { _tag: "Text", text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text }
    } catch {
      return { _tag: "Failed", issue: { rule: "file/encoding", message: "The file is not valid UTF-8; save it as UTF-8" } }
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === "ENOENT" || code === "ENOTDIR") return { _tag: "Missing" }
    return { _tag: "Failed", issue: { rule: "file/unreadable", message: `Cannot read the file (${String(code ?? error)}); check its permissions` } }
  } finally {
    await handle?.close()
  }
}

/** Parses every document of a YAML text, converting each to a plain value with bounded aliases. */
export const parseDocuments = (
  text: string,
  options: { readonly maxAliasCount: number; readonly maxDocuments: number }
): { readonly documents: ReadonlyArray<ParsedDocument>; readonly issues: ReadonlyArray<FileIssue>; readonly lines: YAML.LineCounter } => {
  const lines = new YAML.LineCounter()
  const parsed = YAML.parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })
  const all: ReadonlyArray<YAML.Document.Parsed> = Array.isArray(parsed) ? parsed : []
  const issues: Array<FileIssue> = []
  if (all.length > options.maxDocuments) {
    issues.push({ rule: "yaml/too-many-documents", message: `The file has ${all.length} documents, above the limit of ${options.maxDocuments}; split it, or raise LoadOptions.maxDocuments. Only the first ${options.maxDocuments} were read` })
  }
  const documents: Array<ParsedDocument> = []
  for (let index = 0; index < Math.min(all.length, options.maxDocuments); index++) {
    const doc = all[index]!
    const start = lines.linePos(doc.contents?.range[0] ?? doc.range[0])
    const docIssues: Array<FileIssue> = doc.errors.map((e) => yamlIssue(e, lines))
    let value: unknown = undefined
    if (docIssues.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: options.maxAliasCount })
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
    documents.push({
      index,
      value,
      empty: doc.contents === null || (YAML.isScalar(doc.contents) && doc.contents.value === null && docIssues.length === 0),
      line: start.line,
      column: start.col,
      issues: docIssues,
      doc
    })
  }
  return { documents, issues, lines }
}

const yamlIssue = (e: YAML.YAMLError, lines: YAML.LineCounter): FileIssue => {
  const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0])
  const first = e.message.split("\n")[0] ?? e.message
  return { rule: "yaml/parse", message: `YAML syntax error: ${first}; fix the YAML at this position`, line: pos.line, column: pos.col }
}

/**
 * The position of a JSON path inside a document: the value node when it exists, or the deepest
 * existing parent (for a missing field, the mapping that should hold it).
 */
export const locate = (
  doc: YAML.Document.Parsed,
  lines: YAML.LineCounter,
  path: ReadonlyArray<PropertyKey>
): { readonly line: number; readonly column: number } => {
  let node: unknown = doc.contents
  let found: unknown = node
  for (const segment of path) {
    if (YAML.isMap(node)) {
      const pair = node.items.find((p) => (YAML.isScalar(p.key) ? p.key.value : p.key) === segment)
      if (pair === undefined) break
      node = pair.value
      found = pair.value ?? pair.key
    } else if (YAML.isSeq(node) && typeof segment === "number") {
      node = node.items[segment]
      if (node === undefined) break
      found = node
    } else break
  }
  const range = YAML.isNode(found) ? found.range : undefined
  const pos = lines.linePos(range?.[0] ?? doc.contents?.range[0] ?? 0)
  return { line: pos.line, column: pos.col }
}
