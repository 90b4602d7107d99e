/**
 * A fast reader for the plain subset of YAML that hand-written catalog files use: block
 * mappings and sequences, single-line plain and quoted scalars, one-line flow sequences of
 * scalars, literal block scalars, comments and `---` separators. It returns `undefined` the
 * moment it meets anything else (anchors, aliases, tags, folded or multi-line scalars, flow
 * mappings, tabs, duplicate keys, directives), and the caller parses with `yaml` instead.
 * Scalars resolve as `yaml`'s default core schema does, so both readers give equal values.
 * It records the position of every map value and sequence item as it reads (the same positions
 * `yaml`'s nodes have), so a problem found later never needs the file parsed again.
 */
import { pack, type Positions } from "./yamlSource.js"


/** One document: its value and where its content starts (1-based line and column). */
export interface FastDocument {
  readonly value: unknown
  readonly line: number
  readonly column: number
  /** Where each node starts, by JSON path (see `Positions`). */
  readonly positions: Positions
}

const INT = /^[-+]?[0-9]+$/
const OCT = /^0o[0-7]+$/
const HEX = /^0x[0-9a-fA-F]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/
const SPECIAL_FLOAT = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
/** Characters a plain scalar may not start with (YAML indicators), apart from those handled. */
const BAD_START = /^[-?:,\]{}#&*!|>%@`]/

/** Signals that the input is outside the subset. */
class Unsupported {}
const unsupported = new Unsupported()

const plain = (s: string): unknown => {
  switch (s) {
    case "":
    case "~":
    case "null":
    case "Null":
    case "NULL":
      return null
    case "true":
    case "True":
    case "TRUE":
      return true
    case "false":
    case "False":
    case "FALSE":
      return false
  }
  const c = s.charCodeAt(0)
  // Only strings starting with a digit, sign or dot can be numbers in the core schema.
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INT.test(s)) {
      const n = Number(s)
      if (!Number.isSafeInteger(n)) throw unsupported
      return n
    }
    if (OCT.test(s) || HEX.test(s) || SPECIAL_FLOAT.test(s)) throw unsupported
    if (FLOAT.test(s)) return parseFloat(s)
  }
  return s
}

interface Line {
  readonly indent: number
  /** The line after its indentation, trailing spaces removed; empty for a blank line. */
  readonly text: string
  /** The line after its indentation, as written (literal blocks keep trailing spaces). */
  readonly full: string
  /** A blank or comment-only line: skipped except inside literal blocks. */
  readonly insignificant: boolean
  readonly number: number
}

/** The value part of a line, without a trailing comment; quoted scalars are decoded. */
const scalar = (raw: string): unknown => {
  const s = raw
  if (s.length === 0) return null
  const q = s.charCodeAt(0)
  if (q === 39 /* ' */) {
    const end = s.length - 1
    if (end < 1 || s[end] !== "'") throw unsupported
    const body = s.slice(1, end)
    if (body.replace(/''/g, "").includes("'")) throw unsupported
    return body.replace(/''/g, "'")
  }
  if (q === 34 /* " */) {
    if (s.length < 2 || s[s.length - 1] !== "\"" || s[s.length - 2] === "\\") throw unsupported
    const body = s.slice(1, -1)
    if (body.includes("\"")) {
      if (/(^|[^\\])"/.test(body)) throw unsupported
    }
    if (!body.includes("\\")) return body
    if (/\\[^"\\nt/]/.test(body)) throw unsupported
    return body.replace(/\\(["\\nt/])/g, (_m, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c))
  }
  if (s.includes(": ") || s.endsWith(":") || s.includes("\t")) throw unsupported
  return plain(s)
}

/** Strips a comment (` #...`) from an unquoted value. */
const stripComment = (s: string): string => {
  if (s.charCodeAt(0) === 39 || s.charCodeAt(0) === 34) {
    const hash = s.lastIndexOf(" #")
    const quote = s.charAt(0)
    if (hash > 0 && s.lastIndexOf(quote) < hash) return s.slice(0, hash).trimEnd()
    return s
  }
  if (s.startsWith("#")) return ""
  const hash = s.indexOf(" #")
  return (hash === -1 ? s : s.slice(0, hash)).trimEnd()
}

const flowSequence = (s: string): Array<unknown> => {
  if (!s.endsWith("]")) throw unsupported
  const body = s.slice(1, -1).trim()
  if (body.length === 0) return []
  if (/[[\]{}&*!|>]/.test(body) || body.includes("\"") || body.includes("'") || body.includes(": ")) throw unsupported
  const items = body.split(",").map((x) => x.trim())
  if (items[items.length - 1] === "") items.pop()
  if (items.some((x) => x.length === 0 || BAD_START.test(x) || x.includes(" #"))) throw unsupported
  return items.map(plain)
}

const value = (raw: string): unknown => {
  const s = stripComment(raw)
  if (s.length === 0) return null
  if (s === "{}") return {}
  if (s.charCodeAt(0) === 91 /* [ */) return flowSequence(s)
  if (BAD_START.test(s)) throw unsupported
  return scalar(s)
}

const child = (at: string, key: string): string => (at.length === 0 ? key : `${at}.${key}`)

/**
 * Which positions to record: `all` nodes, or only those integrity problems point at (`refs`:
 * `spec`, `spec.<field>`, `spec.<field>[i]`), which is all a valid entity ever needs.
 */
export type Recording = "all" | "refs"

class Reader {
  i = 0
  readonly positions: Positions = new Map()
  constructor(readonly lines: ReadonlyArray<Line>, readonly record: Recording) {}

  /** The path of `key` under `at`, or `undefined` when its position is not recorded. */
  key(at: string | undefined, key: string): string | undefined {
    if (at === undefined) return undefined
    if (this.record === "all") return child(at, key)
    if (at === "") return key === "spec" ? key : undefined
    return at === "spec" ? `spec.${key}` : undefined
  }

  /** The path of item `index` under `at`, or `undefined` when its position is not recorded. */
  item(at: string | undefined, index: number): string | undefined {
    if (at === undefined) return undefined
    if (this.record === "all" || (at.startsWith("spec.") && at.indexOf(".", 5) === -1 && !at.includes("["))) return `${at}[${index}]`
    return undefined
  }

  /** Records where the node at `at` starts: `line`, 0-based `column`. */
  mark(at: string | undefined, line: number, column: number): void {
    if (at !== undefined) this.positions.set(at, pack(line, column + 1))
  }

  /** Positions of the items of a one-line flow sequence starting at 0-based `column`. */
  markFlow(at: string | undefined, raw: string, line: number, column: number): void {
    if (this.item(at, 0) === undefined) return
    let offset = 1
    let index = 0
    const body = raw.slice(0, raw.lastIndexOf("]"))
    while (offset < body.length) {
      while (body.charCodeAt(offset) === 32) offset++
      if (offset >= body.length) break
      this.mark(this.item(at, index++), line, column + offset)
      const comma = body.indexOf(",", offset)
      if (comma === -1) break
      offset = comma + 1
    }
  }

  peek(): Line | undefined {
    while (this.i < this.lines.length && this.lines[this.i]!.insignificant) this.i++
    return this.lines[this.i]
  }

  /** A block node whose lines are indented by exactly `indent` (the first line decides). */
  block(indent: number, at: string | undefined): unknown {
    const first = this.peek()
    if (first === undefined || first.indent < indent) return null
    this.mark(at, first.number, first.indent)
    if (first.text === "-" || first.text.startsWith("- ")) return this.sequence(first.indent, at)
    return this.mapping(first.indent, at)
  }

  mapping(indent: number, at: string | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    while (true) {
      const line = this.peek()
      if (line === undefined || line.indent < indent) return out
      if (line.indent > indent) throw unsupported
      this.i++
      this.entry(out, line.text, indent, line.number, at)
    }
  }

  /** One `key: value` at `indent`, whose nested block (if any) is indented further. */
  entry(out: Record<string, unknown>, text: string, indent: number, line: number, at: string | undefined): void {
    const colon = keyEnd(text)
    const key = parseKey(text.slice(0, colon))
    if (Object.prototype.hasOwnProperty.call(out, key) || key === "<<" || key === "__proto__") throw unsupported
    const here = this.key(at, key)
    const rest = text.slice(colon + 1).trimStart()
    const restColumn = indent + text.length - rest.length
    if (rest.charCodeAt(0) === 124 /* | */) {
      this.mark(here, line, restColumn)
      out[key] = this.literal(rest, indent)
      return
    }
    const next = this.peek()
    if (rest.length === 0 || rest.startsWith("#")) {
      // A nested block; a sequence may sit at the same indent as its key.
      if (next !== undefined && (next.indent > indent || (next.indent === indent && (next.text === "-" || next.text.startsWith("- "))))) {
        if (next.indent === indent) {
          this.mark(here, next.number, indent)
          out[key] = this.sequence(indent, here)
        } else out[key] = this.block(next.indent, here)
      } else {
        // `yaml` places an empty value right after the colon.
        this.mark(here, line, rest.length === 0 ? indent + colon + 1 : restColumn)
        out[key] = null
      }
      return
    }
    this.mark(here, line, restColumn)
    if (rest.charCodeAt(0) === 91 /* [ */) this.markFlow(here, rest, line, restColumn)
    out[key] = value(rest)
    if (next !== undefined && next.indent > indent) throw unsupported
  }

  sequence(indent: number, at: string | undefined): Array<unknown> {
    const out: Array<unknown> = []
    while (true) {
      const line = this.peek()
      if (line === undefined || line.indent !== indent || !(line.text === "-" || line.text.startsWith("- "))) {
        if (line !== undefined && line.indent > indent) throw unsupported
        return out
      }
      this.i++
      const rest = line.text.slice(1).trimStart()
      const next = this.peek()
      const here = this.item(at, out.length)
      if (rest.length === 0 || rest.startsWith("#")) {
        if (next !== undefined && next.indent > indent) out.push(this.block(next.indent, here))
        else {
          this.mark(here, line.number, rest.length === 0 ? indent + 1 : indent + line.text.length - rest.length)
          out.push(null)
        }
        continue
      }
      const itemIndent = indent + (line.text.length - rest.length)
      this.mark(here, line.number, itemIndent)
      if (rest === "-" || rest.startsWith("- ")) throw unsupported
      if (rest.charCodeAt(0) !== 91 && rest.charCodeAt(0) !== 34 && rest.charCodeAt(0) !== 39 && hasKey(rest)) {
        // A compact mapping: `- key: value` followed by more keys at the item's indent.
        const item: Record<string, unknown> = {}
        this.entry(item, rest, itemIndent, line.number, here)
        while (true) {
          const more = this.peek()
          if (more === undefined || more.indent < itemIndent) break
          if (more.indent > itemIndent) throw unsupported
          this.i++
          this.entry(item, more.text, itemIndent, more.number, here)
        }
        out.push(item)
        continue
      }
      if (rest.charCodeAt(0) === 91 /* [ */) this.markFlow(here, rest, line.number, itemIndent)
      out.push(value(rest))
      if (next !== undefined && next.indent > indent) throw unsupported
    }
  }

  /** `|`, `|-`, `|+`: the more-indented lines that follow, newlines kept. */
  literal(header: string, indent: number): string {
    const h = stripComment(header)
    if (h !== "|" && h !== "|-" && h !== "|+") throw unsupported
    const body: Array<Line> = []
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!
      if (line.indent <= indent && line.text.length > 0) break
      body.push(line)
      this.i++
    }
    return literalText(body, h)
  }
}

/** Literal lines come from the raw text (blank lines included), see {@link splitLines}. */
const literalText = (body: ReadonlyArray<Line>, header: string): string => {
  const content = body.filter((l) => l.text.length > 0)
  if (content.length === 0) throw unsupported
  const indent = content[0]!.indent
  const lines = body.map((l) => {
    if (l.text.length === 0) return ""
    if (l.indent < indent) throw unsupported
    return " ".repeat(l.indent - indent) + l.full
  })
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  const text = lines.join("\n")
  return header === "|-" ? text : header === "|+" ? (() => { throw unsupported })() : text + "\n"
}

const hasKey = (s: string): boolean => {
  const c = s.indexOf(": ")
  return c > 0 || (s.endsWith(":") && s.length > 1)
}

const keyEnd = (text: string): number => {
  const c = text.indexOf(": ")
  if (c > 0) return c
  if (text.endsWith(":") && text.length > 1) return text.length - 1
  throw unsupported
}

const parseKey = (raw: string): string => {
  const k = raw.trimEnd()
  if (k.length === 0 || BAD_START.test(k) || k.includes(" #") || k.includes("\t")) throw unsupported
  const q = k.charCodeAt(0)
  if (q === 34 || q === 39 || q === 91 || q === 123) throw unsupported
  return k
}

/** Splits text into documents of lines; `undefined` for what the subset does not cover. */
const splitDocuments = (text: string): Array<Array<Line>> | undefined => {
  if (text.includes("\t") || text.includes("\r") || text.startsWith("%")) return undefined
  const raw = text.split("\n")
  const docs: Array<Array<Line>> = [[]]
  let sawContent = false
  for (let n = 0; n < raw.length; n++) {
    const line = raw[n]!
    if (line.startsWith("---")) {
      if (line !== "---" && !line.startsWith("--- #")) return undefined
      if (sawContent) docs.push([])
      sawContent = true
      continue
    }
    if (line.startsWith("...")) return undefined
    let indent = 0
    while (line.charCodeAt(indent) === 32) indent++
    const full = line.slice(indent)
    const text = full.trimEnd()
    const insignificant = text.length === 0 || text.startsWith("#")
    // A line of spaces only would be content inside a literal block; leave those to `yaml`.
    if (text.length === 0 && line.length > 0) return undefined
    docs[docs.length - 1]!.push({ indent: text.length === 0 ? 0 : indent, text, full, insignificant, number: n + 1 })
    if (!insignificant) sawContent = true
  }
  return docs
}

/**
 * Reads every document, or returns `undefined` when the text is outside the subset (then use
 * `yaml`). An empty document reads as `null`, as `yaml` reads it.
 */
export const parseFast = (text: string, record: Recording = "all"): Array<FastDocument> | undefined => {
  const docs = splitDocuments(text)
  if (docs === undefined || docs.every((lines) => lines.every((l) => l.insignificant))) return undefined
  try {
    return docs.map((lines) => {
      const reader = new Reader(lines, record)
      const first = reader.peek()
      if (first === undefined) return { value: null, line: 1, column: 1, positions: reader.positions }
      if (first.indent !== 0) throw unsupported
      const result = reader.block(0, "")
      if (reader.peek() !== undefined) throw unsupported
      return { value: result, line: first.number, column: first.indent + 1, positions: reader.positions }
    })
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
}
