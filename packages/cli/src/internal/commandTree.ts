/**
 * A plain view of an @effect/cli command descriptor: names, options, positional arguments and
 * subcommands, read once so that help, usage errors and list options can be handled before
 * @effect/cli parses anything. The descriptor's shape is @effect/cli's (v0.77) internal
 * representation; `test/pipes.test.ts` renders every group's help, so a change there shows.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"

/** One option of a command. */
export interface OptionInfo {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly takesValue: boolean
  /** The primitive type of the value: Text, Integer, Float, Choice, Path, Bool, ... */
  readonly type: string
  readonly placeholder: string
  readonly choices: ReadonlyArray<string> | undefined
  readonly description: string
  readonly repeated: boolean
  readonly optional: boolean
  readonly fallback: string | undefined
}

/** One positional argument of a command. */
export interface ArgInfo {
  readonly name: string
  readonly description: string
  readonly repeated: boolean
  readonly optional: boolean
}

/** A command: its name, what it does, its options and arguments, its subcommands. */
export interface CommandInfo {
  readonly name: string
  readonly description: string
  readonly options: ReadonlyArray<OptionInfo>
  readonly args: ReadonlyArray<ArgInfo>
  readonly children: ReadonlyArray<CommandInfo>
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Node = any

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g

/** The plain text of a help document. */
export const helpText = (doc: Node): string =>
  doc === undefined || doc === null || doc._tag === "Empty" ? "" : HelpDoc.toAnsiText(doc).replace(ansi, "").replace(/\s+/g, " ").trim()

// `description` is rendered when first read: only help and usage errors read it, and rendering
// every option's help document was a tenth of `paved catalog validate`'s start-up.
const described = <A extends object>(fields: A, doc: Node): A & { readonly description: string } => {
  let text: string | undefined
  return Object.defineProperty(fields, "description", { enumerable: true, get: () => (text ??= helpText(doc)) }) as A & { readonly description: string }
}

const fallbackText = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined
  if (typeof value === "object" && "_tag" in value && (value as { _tag: string })._tag === "None") return undefined
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value)
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(",")
  return undefined
}

const options = (node: Node, flags: { repeated: boolean; optional: boolean; fallback: string | undefined }): Array<OptionInfo> => {
  if (node === undefined || node === null) return []
  switch (node._tag) {
    case "Empty":
      return []
    case "Single": {
      const primitive = node.primitiveType
      const isBool = primitive?._tag === "Bool"
      const choices = primitive?._tag === "Choice" ? (primitive.alternatives as ReadonlyArray<[string, unknown]>).map(([k]) => k) : undefined
      return [described({
        name: node.name,
        aliases: node.aliases ?? [],
        takesValue: !isBool,
        type: String(primitive?._tag ?? "Text"),
        placeholder: choices !== undefined ? choices.join("|") : String(node.placeholder ?? "value").toUpperCase(),
        choices,
        repeated: flags.repeated,
        optional: flags.optional || isBool,
        fallback: flags.fallback
      }, node.description)]
    }
    case "Map":
      return options(node.options, flags)
    case "Both":
    case "OrElse":
      return [...options(node.left, flags), ...options(node.right, flags)]
    case "KeyValueMap":
      return options(node.argumentOption, { ...flags, repeated: true })
    case "Variadic":
      return options(node.argumentOption, { ...flags, repeated: true, optional: flags.optional || (node.min?._tag !== "Some" || node.min.value === 0) })
    case "WithDefault":
      return options(node.options, { ...flags, optional: true, fallback: fallbackText(node.fallback) })
    case "WithFallback":
      return options(node.options, { ...flags, optional: true })
    default:
      return []
  }
}

const args = (node: Node, flags: { repeated: boolean; optional: boolean }): Array<ArgInfo> => {
  if (node === undefined || node === null) return []
  switch (node._tag) {
    case "Empty":
      return []
    case "Single":
      return [described({ name: String(node.pseudoName?._tag === "Some" ? node.pseudoName.value : node.name).replace(/[<>]/g, ""), ...flags }, node.description)]
    case "Map":
      return args(node.args, flags)
    case "Both":
      return [...args(node.left, flags), ...args(node.right, flags)]
    case "Variadic":
      return args(node.args, { repeated: true, optional: flags.optional || node.min?._tag !== "Some" || node.min.value === 0 })
    case "WithDefault":
    case "WithFallbackConfig":
      return args(node.args, { ...flags, optional: true })
    default:
      return []
  }
}

/** Reads a command descriptor (`command.descriptor`). */
export const read = (descriptor: Node, children: ReadonlyArray<CommandInfo> = []): CommandInfo => {
  let node = descriptor
  while (node._tag === "Map") node = node.command
  if (node._tag === "Subcommands") {
    // The outermost list of subcommands is the command's (as when the parent is read alone).
    return read(node.parent, children.length > 0 ? children : (node.children as ReadonlyArray<Node>).map((child) => read(child)))
  }
  if (node._tag === "Standard") {
    return described({
      name: node.name,
      options: options(node.options, { repeated: false, optional: false, fallback: undefined }),
      args: args(node.args, { repeated: false, optional: false }),
      children
    }, node.description)
  }
  return described({ name: String(node.name ?? ""), options: [], args: [], children }, node.description)
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Edit distance, for "did you mean". */
export const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = current
    }
  }
  return row[b.length]!
}

/** The closest candidate to `word`, when it is close enough to be a likely typo. */
export const closest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}
