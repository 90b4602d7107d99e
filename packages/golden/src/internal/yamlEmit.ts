/**
 * A small block-style YAML emitter for plain data (objects, arrays, strings, numbers, booleans).
 * Pipelines are rendered for every service a conformance check looks at, and this is an order
 * of magnitude faster than building a `yaml` Document; strings that could be read as anything
 * but themselves are double-quoted (JSON strings are valid YAML).
 */

type Plain = string | number | boolean | null | undefined | ReadonlyArray<unknown> | { readonly [key: string]: unknown }

const reserved = /^(?:true|false|yes|no|on|off|y|n|null|~|-?\.inf|\.nan)$/i
const numeric = /^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0[xob]/i
// eslint-disable-next-line no-control-regex
const plainSafe = /^[A-Za-z0-9_$/.(][^\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]*$/

const scalar = (s: string): string =>
  s.length === 0 || !plainSafe.test(s) || reserved.test(s) || numeric.test(s) || /: |:$| #|\s$/.test(s) || s.startsWith("- ")
    ? JSON.stringify(s)
    : s

const isEmptyCollection = (v: unknown): boolean =>
  (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)

const inline = (v: unknown): string => {
  if (v === null || v === undefined) return "null"
  if (typeof v === "string") return scalar(v)
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  return Array.isArray(v) ? "[]" : "{}"
}

const isBlock = (v: unknown): boolean => typeof v === "object" && v !== null && !isEmptyCollection(v)

const emit = (value: Plain, indent: string, out: Array<string>): void => {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isBlock(item) && !Array.isArray(item)) {
        const lines: Array<string> = []
        emit(item as Plain, indent + "  ", lines)
        out.push(indent + "- " + lines[0]!.slice(indent.length + 2), ...lines.slice(1))
      } else if (isBlock(item)) {
        out.push(indent + "-")
        emit(item as Plain, indent + "  ", out)
      } else out.push(`${indent}- ${inline(item)}`)
    }
    return
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue
    if (isBlock(v)) {
      out.push(`${indent}${scalar(key)}:`)
      emit(v as Plain, Array.isArray(v) ? indent + "  " : indent + "  ", out)
    } else out.push(`${indent}${scalar(key)}: ${inline(v)}`)
  }
}

/** Emits a top-level object or array as block YAML, ending with a newline. */
export const stringify = (value: { readonly [key: string]: unknown } | ReadonlyArray<unknown>): string => {
  if (isEmptyCollection(value)) return inline(value) + "\n"
  const out: Array<string> = []
  emit(value, "", out)
  return out.join("\n") + "\n"
}
