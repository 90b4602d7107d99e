/**
 * `$text`, `$json` and `$yaml` placeholders: a mapping with that single key is replaced by the
 * content of the file it names, resolved relative to the file that holds it and never outside
 * the root. Remote URLs are left unresolved with a warning (Paved reads no network here).
 */
import * as Effect from "effect/Effect"
import * as path from "node:path"
import * as YAML from "yaml"
import type { ReadResult, Source } from "../CatalogSource.js"
import type { Severity } from "../Problem.js"

/** An issue with a placeholder, at its JSON path. */
export interface PlaceholderIssue {
  readonly severity: Severity
  readonly path: ReadonlyArray<PropertyKey>
  readonly rule: string
  readonly message: string
}

/** The limits placeholders obey. */
export interface PlaceholderLimits {
  readonly root: string
  readonly maxFileBytes: number
  readonly maxAliasCount: number
  /** Where placeholder files are read (the catalog's `CatalogSource`). */
  readonly source: Source
}

const KEYS = new Set(["$text", "$json", "$yaml"])
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i

/** Whether `target` lies inside `root`. */
export const isInside = (root: string, target: string): boolean => {
  const rel = path.relative(root, target)
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))
}

/**
 * Whether `target`, with symbolic links followed, still lies inside `root` (a link inside the
 * root that points at `/etc/passwd` is an escape too). A target that does not exist passes; the
 * read reports it.
 */
export const isInsideReal = (source: Source, root: string, target: string) =>
  Effect.gen(function*() {
    const real = yield* source.realPath(target)
    if (real === undefined) return true
    return isInside((yield* source.realPath(root)) ?? root, real)
  })

/** Whether a value holds any placeholder (cheap check so most entities skip the async walk). */
export const hasPlaceholder = (value: unknown): boolean => {
  if (Array.isArray(value)) return value.some(hasPlaceholder)
  if (typeof value !== "object" || value === null) return false
  for (const key in value) {
    if (KEYS.has(key)) return true
    if (hasPlaceholder((value as Record<string, unknown>)[key])) return true
  }
  return false
}

/**
 * Returns the value with every placeholder resolved, and the issues met on the way. A source
 * that fails is an issue at the placeholder (`source/failed`), not a failure of the effect.
 */
export const resolvePlaceholders = (
  value: unknown,
  file: string,
  limits: PlaceholderLimits
): Effect.Effect<{ readonly value: unknown; readonly issues: ReadonlyArray<PlaceholderIssue> }> => {
  const issues: Array<PlaceholderIssue> = []
  const walk = (v: unknown, at: ReadonlyArray<PropertyKey>): Effect.Effect<unknown> =>
    Effect.gen(function*() {
      if (Array.isArray(v)) {
        const out: Array<unknown> = []
        for (let i = 0; i < v.length; i++) out.push(yield* walk(v[i], [...at, i]))
        return out
      }
      if (typeof v !== "object" || v === null) return v
      const record = v as Record<string, unknown>
      const keys = Object.keys(record)
      if (keys.length === 1 && KEYS.has(keys[0]!)) return yield* resolveOne(keys[0]!, record[keys[0]!], at)
      const out: Record<string, unknown> = {}
      for (const k of keys) out[k] = yield* walk(record[k], [...at, k])
      return out
    })
  const resolveOne = (key: string, target: unknown, at: ReadonlyArray<PropertyKey>): Effect.Effect<unknown> =>
    Effect.gen(function*() {
      const where = [...at, key]
      if (typeof target !== "string" || target.length === 0) {
        issues.push({ severity: "error", path: where, rule: "placeholder/invalid", message: `${key} needs a file path or URL as its value` })
        return undefined
      }
      if (REMOTE.test(target)) {
        issues.push({
          severity: "warning",
          path: where,
          rule: "placeholder/unresolved",
          message: `Unresolved placeholder: ${key} points at ${target}, which is not read while loading files; the URL is kept as the value. Vendor the file next to the entity to resolve it`
        })
        return target
      }
      const resolved = path.resolve(path.dirname(file), target)
      if (!isInside(limits.root, resolved)) {
        issues.push({ severity: "error", path: where, rule: "location/escape", message: `${key} points at ${target}, outside the root directory ${limits.root}; keep placeholder files inside the root, or set LoadOptions.root` })
        return undefined
      }
      const inside = yield* Effect.either(isInsideReal(limits.source, limits.root, resolved))
      const read: ReadResult | undefined = inside._tag === "Left" || !inside.right
        ? undefined
        : yield* limits.source.read([resolved], limits.maxFileBytes).pipe(
          Effect.map((results): ReadResult => results[0] ?? { _tag: "Missing" }),
          Effect.catchAll((e) => Effect.succeed<ReadResult>({ _tag: "Failed", issue: { rule: "source/failed", message: e.message } }))
        )
      if (inside._tag === "Left") {
        issues.push({ severity: "error", path: where, rule: "source/failed", message: `${key} ${target}: ${inside.left.message}` })
        return undefined
      }
      if (read === undefined) {
        issues.push({ severity: "error", path: where, rule: "location/escape", message: `${key} points at ${target}, a symbolic link to a file outside the root directory ${limits.root}; copy the file into the root instead` })
        return undefined
      }
      if (read._tag === "Missing") {
        issues.push({ severity: "error", path: where, rule: "placeholder/not-found", message: `${key} points at ${target} (${resolved}), which does not exist; fix the path` })
        return undefined
      }
      if (read._tag === "Failed") {
        issues.push({ severity: "error", path: where, rule: read.issue.rule, message: `${key} ${target}: ${read.issue.message}` })
        return undefined
      }
      if (key === "$text") return read.text
      if (key === "$json") {
        try {
          return JSON.parse(read.text) as unknown
        } catch (error) {
          issues.push({ severity: "error", path: where, rule: "placeholder/parse", message: `$json ${target} is not valid JSON (${String(error)}); fix that file` })
          return undefined
        }
      }
      try {
        return YAML.parse(read.text, { maxAliasCount: limits.maxAliasCount }) as unknown
      } catch (error) {
        issues.push({ severity: "error", path: where, rule: "placeholder/parse", message: `$yaml ${target} is not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); fix that file` })
        return undefined
      }
    })
  return Effect.map(walk(value, []), (out) => ({ value: out, issues }))
}
