/**
 * The hot path: one raw value in, one valid entity (namespace defaulted) or a list of issues
 * out. Compiled `Schema.is` checks run first; the slower decode with every error collected
 * runs only for values that fail, to say exactly where and why.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { EntityMeta, type Entity, ApiVersion, Kind, ROOT_FIELDS } from "../Entity.js"
import { DEFAULT_NAMESPACE } from "../EntityRef.js"
import type { KindDefinition } from "../Kinds.js"
import type { Registry } from "../KindRegistry.js"
import type { Severity } from "../Problem.js"
import { compile } from "./fastCheck.js"

/** A problem inside one entity, before the file and position are known. */
export interface Issue {
  readonly severity: Severity
  readonly path: ReadonlyArray<PropertyKey>
  readonly rule: string
  readonly message: string
}

/** What validation made of one value. */
export interface Validated {
  readonly entity: Entity | undefined
  readonly definition: KindDefinition | undefined
  readonly issues: ReadonlyArray<Issue>
}

const Envelope = Schema.Struct({
  apiVersion: ApiVersion,
  kind: Kind,
  metadata: EntityMeta,
  spec: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

type Check = (u: unknown) => boolean
const compiled = new WeakMap<object, Check>()
const checkOf = (schema: Schema.Schema<unknown, unknown>): Check => {
  let check = compiled.get(schema)
  if (check === undefined) {
    check = compile(schema.ast)
    compiled.set(schema, check)
  }
  return check
}
const isEnvelope = checkOf(Envelope as unknown as Schema.Schema<unknown, unknown>)

const metadataRules: Readonly<Record<string, string>> = {
  name: "entity/name",
  namespace: "entity/namespace",
  labels: "entity/label",
  annotations: "entity/annotation",
  tags: "entity/tag",
  links: "entity/link"
}

const envelopeRule = (path: ReadonlyArray<PropertyKey>): string => {
  const [head, second] = path
  if (head === "apiVersion") return "entity/api-version"
  if (head === "kind") return "entity/kind"
  if (head === "spec") return "entity/spec"
  if (head === "metadata" && typeof second === "string") return metadataRules[second] ?? "entity/metadata"
  return "entity/metadata"
}

/** Renders a path the way people write it: `metadata.tags[1]`, `spec.owner`. */
export const pathToString = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`
    else out += out.length === 0 ? String(p) : `.${String(p)}`
  }
  return out
}

const issuesOf = (
  schema: Schema.Schema<unknown, unknown>,
  value: unknown,
  prefix: ReadonlyArray<PropertyKey>,
  rule: (path: ReadonlyArray<PropertyKey>) => string,
  hint: string
): Array<Issue> => {
  // Record keys that fail their refinement count as excess properties in Effect Schema, so
  // excess properties are errors here; root-level ones are reported as foreign root fields.
  const result = Schema.decodeUnknownEither(schema as unknown as Schema.Schema<unknown, never>, { errors: "all", onExcessProperty: "error" })(value)
  if (Either.isRight(result)) return []
  // An optional field's schema is `X | undefined`; the "Expected undefined" half of that union
  // says nothing useful next to the issue with X.
  return ParseResult.ArrayFormatter.formatErrorSync(result.left).filter((i) => !i.message.startsWith("Expected undefined") && !(i._tag === "Unexpected" && prefix.length + i.path.length === 1)).map((i) => {
    const path = [...prefix, ...i.path]
    if (i._tag === "Unexpected" && path.length === 3 && path[0] === "metadata" && (path[1] === "labels" || path[1] === "annotations")) {
      const key = String(path[2])
      return {
        severity: "error",
        path,
        rule: path[1] === "labels" ? "entity/label" : "entity/annotation",
        message: `"${key}" is not a valid ${path[1] === "labels" ? "label" : "annotation"} key: write it as an optional DNS prefix and a name, e.g. "example.com/owner-team" (name: [a-zA-Z0-9] sequences separated by [-_.], at most 63)`
      } satisfies Issue
    }
    const message = i._tag === "Missing"
      ? `${pathToString(path)} is required; add it${hint}`
      : i._tag === "Unexpected"
      ? `${pathToString(path)} is not allowed here; remove it`
      : `${pathToString(path)}: ${i.message}${hint}`
    return { severity: "error", path, rule: rule(path), message }
  })
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Levenshtein distance, for "did you mean" suggestions between short words. */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

const unknownKind = (kind: string, registry: Registry): Issue => {
  const near = registry.kinds.find((d) => d.kind.toLowerCase() === kind.toLowerCase())
  const known = registry.kinds.map((d) => d.kind).join(", ")
  // A typo: the closest known kind within two edits (one for short names) and of about the same
  // length, so that a real kind of its own (`AiResource`) is not taken for a typo of `Resource`.
  const typo = near === undefined
    ? registry.kinds
      .map((d) => ({ kind: d.kind, d: distance(d.kind.toLowerCase(), kind.toLowerCase()) }))
      .filter((c) => c.d <= (kind.length <= 4 ? 1 : 2) && Math.abs(c.kind.length - kind.length) <= 1)
      .sort((a, b) => a.d - b.d)[0]
    : undefined
  return {
    severity: "error",
    path: ["kind"],
    rule: "entity/unknown-kind",
    message: near !== undefined
      ? `Unknown kind "${kind}": kinds are case-sensitive, write "${near.kind}"`
      : typo !== undefined
      ? `Unknown kind "${kind}": did you mean "${typo.kind}"? This catalog knows ${known}`
      : `Unknown kind "${kind}": this catalog knows ${known}; register a schema for "${kind}" with KindRegistry.kind(...) to accept it, or fix the kind`
  }
}

const NONE: ReadonlyArray<Issue> = []

/** Validates one raw value against the envelope rules and its kind. */
export const validateEntity = (raw: unknown, registry: Registry): Validated => {
  if (!isRecord(raw)) {
    const what = raw === null ? "null" : Array.isArray(raw) ? "a list" : typeof raw
    return {
      entity: undefined,
      definition: undefined,
      issues: [{ severity: "error", path: [], rule: "entity/not-object", message: `Expected an entity (a mapping with apiVersion, kind, metadata and spec) but found ${what}; remove this document or complete it` }]
    }
  }
  const issues: Array<Issue> = []
  for (const key in raw) {
    if (!ROOT_FIELDS.includes(key)) {
      issues.push({
        severity: "error",
        path: [key],
        rule: "entity/foreign-root-field",
        message: `Unknown root field "${key}": an entity has only apiVersion, kind, metadata and spec (relations and status are computed); move it under metadata or spec, or remove it`
      })
    }
  }
  if (!isEnvelope(raw)) for (const i of issuesOf(Envelope as unknown as Schema.Schema<unknown, unknown>, raw, [], envelopeRule, "")) issues.push(i)
  const kind = raw.kind
  const definition = typeof kind === "string" ? registry.get(kind) : undefined
  if (typeof kind === "string" && kind.length > 0 && definition === undefined && !issues.some((i) => i.path[0] === "kind")) {
    issues.push(unknownKind(kind, registry))
  }
  if (definition !== undefined) {
    if (typeof raw.apiVersion === "string" && !definition.apiVersions.includes(raw.apiVersion)) {
      issues.push({
        severity: "error",
        path: ["apiVersion"],
        rule: "entity/api-version",
        message: `apiVersion "${raw.apiVersion}" is not one of ${definition.kind}'s versions (${definition.apiVersions.join(", ")}); use one of those`
      })
    }
    specIssues(raw.spec, definition, issues)
  }
  if (issues.length > 0) return { entity: undefined, definition, issues }
  const metadata = raw.metadata as Entity["metadata"]
  const meta = metadata.namespace === undefined ? withDefaultNamespace(metadata) : metadata
  const entity: Entity = raw.spec === undefined
    ? { apiVersion: raw.apiVersion as string, kind: kind as string, metadata: meta }
    : { apiVersion: raw.apiVersion as string, kind: kind as string, metadata: meta, spec: raw.spec as Record<string, unknown> }
  return { entity, definition, issues: NONE }
}

/**
 * A copy of metadata with the default namespace added last, as `{ ...metadata, namespace }`
 * would give it, but key by key: V8 gives every object made by such a spread a hidden class of
 * its own (10,000 of them for 10,000 entities, kept for as long as the entities are), where
 * copied keys share one.
 */
const withDefaultNamespace = (metadata: Entity["metadata"]): Entity["metadata"] => {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(metadata)) {
    const value = (metadata as Record<string, unknown>)[key]
    if (key === "__proto__") Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
    else copy[key] = value
  }
  copy.namespace = DEFAULT_NAMESPACE
  return copy as Entity["metadata"]
}

const specRule = () => "kind/spec"

const specIssues = (spec: unknown, definition: KindDefinition, issues: Array<Issue>): void => {
  if (spec === undefined) {
    issues.push({ severity: "error", path: ["spec"], rule: "kind/spec", message: `A ${definition.kind} needs a spec; add one with its required fields` })
    return
  }
  if (!isRecord(spec)) return
  const type = spec.type
  const variant = typeof type === "string" && definition.variants !== undefined ? definition.variants[type] : undefined
  const schema = variant ?? definition.spec
  if (!checkOf(schema)(spec)) {
    const hint = variant === undefined && definition.variants !== undefined && typeof type === "string"
      ? ` (${definition.kind} type "${type}" has no schema of its own here; if it is a type your catalog uses, register one with KindRegistry.variant("${definition.kind}", "${type}", schema))`
      : ""
    for (const i of issuesOf(schema, spec, ["spec"], specRule, hint)) issues.push(i)
  }
  if (definition.extensions === undefined) return
  for (const extension of definition.extensions) {
    if (!checkOf(extension)(spec)) for (const i of issuesOf(extension, spec, ["spec"], specRule, "")) issues.push(i)
  }
}
