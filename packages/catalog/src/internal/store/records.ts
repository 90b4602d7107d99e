/**
 * What the store keeps per entity, derived once at ingestion: the canonical JSON and its hash,
 * the flattened search pairs (Backstage's `search` table shape), the full-text column, the owner
 * and the relation edges. Every backend stores exactly these values, so queries agree.
 */
import { createHash } from "node:crypto"
import * as Either from "effect/Either"
import type { Entity } from "../../Entity.js"
import * as EntityRef from "../../EntityRef.js"
import type * as Problem from "../../Problem.js"

/** One relation edge. */
export interface Edge {
  readonly source: EntityRef.EntityRef
  readonly type: string
  readonly target: EntityRef.EntityRef
}

/** One row of the flattened search table: lowercased key and value, and the value as written. */
export interface SearchPair {
  readonly key: string
  readonly value: string | null
  readonly raw: string | null
}

/** The facts that make up a record, before derivation. */
export interface RecordInput {
  readonly ref: EntityRef.EntityRef
  readonly entity: Entity
  readonly entityJson: string
  readonly hash: string
  readonly location: string
  readonly file: string
  readonly line: number | null
  readonly column: number | null
  readonly problems: ReadonlyArray<Problem.Problem>
  readonly firstSeen: string
  readonly lastChanged: string
  readonly orphan: boolean
}

/** Everything a backend writes for one entity: its facts and what {@link makeRecord} derives. */
export interface EntityRecord extends RecordInput {
  readonly kind: string
  readonly namespace: string
  readonly name: string
  readonly owner: string | null
  readonly text: string
  readonly edges: ReadonlyArray<Edge>
}

/** The light view of a stored entity that reconciliation reads for every ref (no JSON). */
export interface RecordHead {
  readonly ref: EntityRef.EntityRef
  readonly location: string
  readonly file: string
  readonly hash: string
  readonly problemsJson: string
  readonly line: number | null
  readonly column: number | null
  readonly orphan: boolean
  readonly firstSeen: string
  readonly lastChanged: string
}

/** Values longer than this (and empty ones) are kept as "key exists" only, as Backstage does. */
const MAX_VALUE_LENGTH = 200

const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0)

// Native JSON.stringify with keys sorted on the way: several times faster than a hand-written
// recursive printer, which matters when a re-ingest hashes 100k entities.
const sortKeys = (_key: string, value: unknown): unknown =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(byKey))
    : value

const stableStringify = (value: unknown): string => JSON.stringify(value, sortKeys) ?? "null"

/** Canonical JSON (sorted keys): equal entities always hash the same. */
export const canonicalJson = stableStringify

/** SHA-256 of the canonical JSON. */
export const contentHash = (json: string): string => createHash("sha256").update(json).digest("hex")

const pushPairs = (out: Array<SearchPair>, seen: Set<string>, key: string, value: unknown): void => {
  if (value === undefined) return
  if (Array.isArray(value)) {
    for (const item of value) pushPairs(out, seen, key, item)
    return
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) pushPairs(out, seen, `${key}.${k}`, v)
    return
  }
  const lowerKey = key.toLowerCase()
  const raw = value === null ? null : String(value)
  const usable = raw !== null && raw.length > 0 && raw.length <= MAX_VALUE_LENGTH ? raw : null
  const lower = usable === null ? null : usable.toLowerCase()
  const id = `${lowerKey}\u0000${lower ?? "\u0001"}`
  if (seen.has(id)) return
  seen.add(id)
  out.push({ key: lowerKey, value: lower, raw: usable })
}

/** Canonical relation type names, so that `ownedby` given by a person finds `ownedBy` edges. */
const knownRelationTypes = [
  "ownedBy", "ownerOf", "dependsOn", "dependencyOf", "consumesApi", "apiConsumedBy", "providesApi",
  "apiProvidedBy", "partOf", "hasPart", "memberOf", "hasMember", "childOf", "parentOf"
] as const
const relationTypeByLower = new Map<string, string>(knownRelationTypes.map((t) => [t.toLowerCase(), t]))

/** The canonical spelling of a relation type (known types case-insensitively; others as given). */
export const relationType = (type: string): string => relationTypeByLower.get(type.toLowerCase()) ?? type

/** The owner of an entity: its `ownedBy` relation, else `spec.owner` parsed as a group ref. */
export const ownerOf = (entity: Entity): string | null => {
  const rel = entity.relations?.find((r) => r.type.toLowerCase() === "ownedby")
  if (rel !== undefined) return rel.targetRef
  const owner = entity.spec?.["owner"]
  if (typeof owner !== "string") return null
  const parsed = EntityRef.parse(owner, {
    defaultKind: "group",
    defaultNamespace: entity.metadata.namespace ?? EntityRef.DEFAULT_NAMESPACE
  })
  return Either.isRight(parsed) ? parsed.right : owner.toLowerCase()
}

/** Status facts that are searchable like entity fields (`paved.orphan=true`, `paved.problem=error`). */
export interface StatusFacts {
  readonly orphan: boolean
  readonly problems: ReadonlyArray<Problem.Problem>
  readonly location: string
}

/**
 * The search pairs of an entity, shaped like Backstage's `search` table: every leaf of the
 * entity except `relations` under its dotted, lowercased path; `relations.<type>` holding each
 * target; `metadata.namespace` defaulted; plus Paved's status keys.
 */
export const searchPairs = (entity: Entity, status: StatusFacts): ReadonlyArray<SearchPair> => {
  const out: Array<SearchPair> = []
  const seen = new Set<string>()
  const { relations, ...rest } = entity
  for (const [k, v] of Object.entries(rest)) pushPairs(out, seen, k, v)
  if (entity.metadata.namespace === undefined) pushPairs(out, seen, "metadata.namespace", EntityRef.DEFAULT_NAMESPACE)
  for (const r of relations ?? []) pushPairs(out, seen, `relations.${r.type}`, r.targetRef)
  pushPairs(out, seen, "paved.location", status.location)
  if (status.orphan) pushPairs(out, seen, "paved.orphan", "true")
  for (const p of status.problems) pushPairs(out, seen, "paved.problem", p.severity)
  return out
}

/** The full-text column: name, title, description and tags, lowercased. */
export const fullText = (entity: Entity): string =>
  [entity.metadata.name, entity.metadata.title ?? "", entity.metadata.description ?? "", ...(entity.metadata.tags ?? [])]
    .join(" ")
    .toLowerCase()

/** The relation edges of an entity. */
export const edgesOf = (ref: EntityRef.EntityRef, entity: Entity): ReadonlyArray<Edge> => {
  const seen = new Set<string>()
  const out: Array<Edge> = []
  for (const r of entity.relations ?? []) {
    const type = relationType(r.type)
    const key = `${type}\u0000${r.targetRef}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ source: ref, type, target: r.targetRef })
  }
  return out
}

/** Derives the searchable parts of a record. */
export const makeRecord = (input: RecordInput): EntityRecord => {
  const parts = EntityRef.toCompound(input.ref)
  return {
    ...input,
    kind: parts.kind,
    namespace: parts.namespace,
    name: parts.name,
    owner: ownerOf(input.entity),
    text: fullText(input.entity),
    edges: edgesOf(input.ref, input.entity)
  }
}

/**
 * The search pairs of a record. Derived on demand rather than kept on the record, so a large
 * ingest never holds millions of pairs at once.
 */
export const searchOf = (record: EntityRecord): ReadonlyArray<SearchPair> => searchPairs(record.entity, record)

/** The JSON paths at which two values differ (at most `limit`). */
export const changedPaths = (before: unknown, after: unknown, limit = 50): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= limit) return
    if (a === b) return
    const objA = a !== null && typeof a === "object" && !Array.isArray(a)
    const objB = b !== null && typeof b === "object" && !Array.isArray(b)
    if (objA && objB) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)])
      for (const k of [...keys].sort()) {
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`)
      }
      return
    }
    if (stableStringify(a) !== stableStringify(b)) out.push(path === "" ? "(entity)" : path)
  }
  walk(before, after, "")
  return out
}
