/**
 * The catalog list's search index: one row per entity with the columns the list shows, a
 * precomputed lowercase haystack per row and interned facet values, so that filtering 100k
 * entities on every keystroke is a single pass over strings already in memory.
 *
 * The index is append-only (entities arrive in pages from the store); searches are pure
 * functions of an index and a query.
 */
import * as EntityRef from "@paved/catalog/EntityRef"
import type { Entity } from "@paved/catalog/Entity"
import * as Either from "effect/Either"

/**
 * What the catalog list shows for one entity.
 *
 * @since 0.1.0
 */
export interface EntityRow {
  readonly ref: string
  readonly kind: string
  readonly namespace: string
  readonly name: string
  readonly title: string
  readonly type: string
  readonly owner: string
  readonly ownerLabel: string
  readonly lifecycle: string
  readonly system: string
  readonly tags: ReadonlyArray<string>
  readonly description: string
}

/**
 * The facets a query can filter on and the facet picker shows.
 *
 * @since 0.1.0
 */
export const facetNames = ["kind", "owner", "lifecycle", "tag", "type", "namespace", "system"] as const

/**
 * A facet name.
 *
 * @since 0.1.0
 */
export type FacetName = typeof facetNames[number]

const stringField = (spec: Record<string, unknown> | undefined, key: string): string => {
  const v = spec?.[key]
  return typeof v === "string" ? v : ""
}

/**
 * A reference as people write it: without the kind when it is the field's default kind and
 * without the namespace when it is `default`.
 *
 * @since 0.1.0
 */
export const shortRef = (ref: string, defaultKind?: string): string => {
  if (ref.length === 0) return ""
  const parts = EntityRef.toCompound(ref as EntityRef.EntityRef)
  const ns = parts.namespace === EntityRef.DEFAULT_NAMESPACE ? "" : `${parts.namespace}/`
  const kind = defaultKind !== undefined && parts.kind === defaultKind ? "" : `${parts.kind}:`
  return `${kind}${ns}${parts.name}`
}

const relationTarget = (entity: Entity, type: string): string | undefined =>
  entity.relations?.find((r) => r.type === type)?.targetRef

const refField = (entity: Entity, relation: string, field: string, defaultKind: string): string => {
  const fromRelation = relationTarget(entity, relation)
  if (fromRelation !== undefined) return fromRelation
  const raw = stringField(entity.spec, field)
  if (raw.length === 0) return ""
  const parsed = EntityRef.parse(raw, { defaultKind, defaultNamespace: entity.metadata.namespace })
  return Either.isRight(parsed) ? parsed.right : raw.toLowerCase()
}

/**
 * The row of an entity: owner and system as canonical refs, from relations when computed.
 * Pass the canonical `ref` when the store already has it (saves formatting it again).
 *
 * @since 0.1.0
 */
export const rowOf = (entity: Entity, ref?: string): EntityRow => {
  const owner = refField(entity, "ownedBy", "owner", "group")
  const system = refField(entity, "partOf", "system", "system")
  return {
    ref: ref ?? EntityRef.of(entity),
    kind: entity.kind,
    namespace: entity.metadata.namespace ?? EntityRef.DEFAULT_NAMESPACE,
    name: entity.metadata.name,
    title: entity.metadata.title ?? "",
    type: stringField(entity.spec, "type"),
    owner,
    ownerLabel: owner.includes(":") && owner.includes("/") ? shortRef(owner, "group") : owner,
    lifecycle: stringField(entity.spec, "lifecycle"),
    system: system.includes(":") && system.includes("/") ? shortRef(system, "system") : system,
    tags: entity.metadata.tags ?? [],
    description: entity.metadata.description ?? ""
  }
}

interface Dictionary {
  readonly values: Array<string>
  readonly ids: Map<string, number>
}

const intern = (dict: Dictionary, value: string): number => {
  const known = dict.ids.get(value)
  if (known !== undefined) return known
  const id = dict.values.length
  dict.values.push(value)
  dict.ids.set(value, id)
  return id
}

/**
 * The index: rows, haystacks and facet value ids, all append-only.
 *
 * @since 0.1.0
 */
export interface CatalogIndex {
  readonly rows: Array<EntityRow>
  readonly haystacks: Array<string>
  readonly dictionaries: Record<FacetName, Dictionary>
  /** Facet value ids per row (single-valued facets). */
  readonly single: Record<Exclude<FacetName, "tag">, Array<number>>
  /** Tag value ids per row. */
  readonly tags: Array<ReadonlyArray<number>>
}

/**
 * An empty index.
 *
 * @since 0.1.0
 */
export const empty = (): CatalogIndex => ({
  rows: [],
  haystacks: [],
  dictionaries: {
    kind: { values: [], ids: new Map() },
    owner: { values: [], ids: new Map() },
    lifecycle: { values: [], ids: new Map() },
    tag: { values: [], ids: new Map() },
    type: { values: [], ids: new Map() },
    namespace: { values: [], ids: new Map() },
    system: { values: [], ids: new Map() }
  },
  single: { kind: [], owner: [], lifecycle: [], type: [], namespace: [], system: [] },
  tags: []
})

const facetValue = (row: EntityRow, facet: Exclude<FacetName, "tag">): string => {
  switch (facet) {
    case "kind":
      return row.kind.toLowerCase()
    case "owner":
      return row.ownerLabel.toLowerCase()
    case "lifecycle":
      return row.lifecycle.toLowerCase()
    case "type":
      return row.type.toLowerCase()
    case "namespace":
      return row.namespace.toLowerCase()
    case "system":
      return row.system.toLowerCase()
  }
}

const singleFacets = ["kind", "owner", "lifecycle", "type", "namespace", "system"] as const

/**
 * Adds rows to the index (in place) and returns it.
 *
 * @since 0.1.0
 */
export const append = (index: CatalogIndex, rows: ReadonlyArray<EntityRow>): CatalogIndex => {
  for (const row of rows) {
    index.rows.push(row)
    index.haystacks.push(
      [row.ref, row.title, row.ownerLabel, row.lifecycle, row.type, row.system, row.tags.join(" "), row.description]
        .join("\n")
        .toLowerCase()
    )
    for (const facet of singleFacets) index.single[facet].push(intern(index.dictionaries[facet], facetValue(row, facet)))
    index.tags.push(row.tags.map((t) => intern(index.dictionaries.tag, t.toLowerCase())))
  }
  return index
}

/**
 * Builds an index from entities.
 *
 * @since 0.1.0
 */
export const fromEntities = (entities: ReadonlyArray<Entity>): CatalogIndex => append(empty(), entities.map((e) => rowOf(e)))

/**
 * One token of a query: free text, or `facet:value` (the value matches as a prefix).
 *
 * @since 0.1.0
 */
export type Token =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Facet"; readonly facet: FacetName; readonly value: string }

const facetAliases: Record<string, FacetName> = {
  kind: "kind",
  owner: "owner",
  lifecycle: "lifecycle",
  tag: "tag",
  type: "type",
  namespace: "namespace",
  ns: "namespace",
  system: "system"
}

/**
 * Parses the filter line: whitespace-separated tokens, `facet:value` for facets (`kind`,
 * `owner`, `lifecycle`, `tag`, `type`, `namespace`/`ns`, `system`), anything else is free text
 * matched anywhere in the ref, title, owner, lifecycle, type, system, tags or description.
 *
 * @since 0.1.0
 */
export const parseQuery = (input: string): ReadonlyArray<Token> =>
  input.toLowerCase().split(/\s+/).filter((t) => t.length > 0).map((t): Token => {
    const colon = t.indexOf(":")
    const facet = colon > 0 ? facetAliases[t.slice(0, colon)] : undefined
    return facet === undefined ? { _tag: "Text", text: t } : { _tag: "Facet", facet, value: t.slice(colon + 1) }
  })

/**
 * The facet tokens of a query, by facet, as the values typed.
 *
 * @since 0.1.0
 */
export const activeFacets = (input: string): ReadonlyArray<{ readonly facet: FacetName; readonly value: string }> =>
  parseQuery(input).flatMap((t) => (t._tag === "Facet" && t.value.length > 0 ? [{ facet: t.facet, value: t.value }] : []))

/**
 * Whether every row matching `next` also matches `previous`, so that a search for `next` can
 * start from the matches of `previous` (typing more characters narrows a filter).
 *
 * @since 0.1.0
 */
export const narrows = (previous: ReadonlyArray<Token>, next: ReadonlyArray<Token>): boolean => {
  if (next.length < previous.length) return false
  return previous.every((p, i) => {
    const n = next[i]!
    if (p._tag === "Text") return n._tag === "Text" && n.text.includes(p.text)
    return n._tag === "Facet" && n.facet === p.facet && n.value.startsWith(p.value)
  })
}

/**
 * The result of a search: the row numbers that match, in index order.
 *
 * @since 0.1.0
 */
export interface SearchResult {
  readonly tokens: ReadonlyArray<Token>
  readonly matches: Int32Array
  /** The index size the search ran over; a result over fewer rows cannot seed a new search. */
  readonly size: number
  /** The index searched; a result over another index cannot seed a new search. */
  readonly source: CatalogIndex
}

const reusable = (previous: SearchResult | undefined, index: CatalogIndex): previous is SearchResult =>
  previous !== undefined && previous.source === index && previous.size === index.rows.length

const matchingIds = (dict: Dictionary, prefix: string): Uint8Array => {
  const ok = new Uint8Array(dict.values.length)
  for (let i = 0; i < dict.values.length; i++) if (dict.values[i]!.startsWith(prefix)) ok[i] = 1
  return ok
}

const compile = (index: CatalogIndex, tokens: ReadonlyArray<Token>): ((row: number) => boolean) => {
  const texts = tokens.flatMap((t) => (t._tag === "Text" ? [t.text] : []))
  const facets = tokens.flatMap((t) => (t._tag === "Facet" && t.value.length > 0 ? [t] : []))
  const singles = facets.filter((t) => t.facet !== "tag").map((t) => ({
    column: index.single[t.facet as Exclude<FacetName, "tag">],
    ok: matchingIds(index.dictionaries[t.facet], t.value)
  }))
  const tagSets = facets.filter((t) => t.facet === "tag").map((t) => matchingIds(index.dictionaries.tag, t.value))
  return (row) => {
    for (const s of singles) if (s.ok[s.column[row]!] !== 1) return false
    for (const ok of tagSets) if (!index.tags[row]!.some((id) => ok[id] === 1)) return false
    const hay = index.haystacks[row]!
    for (const t of texts) if (!hay.includes(t)) return false
    return true
  }
}

/**
 * The rows matching `input`. When `previous` is a search over the same index size whose query
 * this one narrows, only its matches are scanned.
 *
 * @since 0.1.0
 */
export const search = (index: CatalogIndex, input: string, previous?: SearchResult): SearchResult => {
  const tokens = parseQuery(input)
  const size = index.rows.length
  if (tokens.length === 0) {
    const all = new Int32Array(size)
    for (let i = 0; i < size; i++) all[i] = i
    return { tokens, matches: all, size, source: index }
  }
  const test = compile(index, tokens)
  const out = new Int32Array(reusable(previous, index) && narrows(previous.tokens, tokens)
    ? previous.matches.length
    : size)
  let n = 0
  if (reusable(previous, index) && narrows(previous.tokens, tokens)) {
    for (const row of previous.matches) if (test(row)) out[n++] = row
  } else {
    for (let row = 0; row < size; row++) if (test(row)) out[n++] = row
  }
  return { tokens, matches: out.slice(0, n), size, source: index }
}

/**
 * The most frequent values of a facet among the matches, most frequent first.
 *
 * @since 0.1.0
 */
export const facetCounts = (
  index: CatalogIndex,
  matches: Int32Array,
  facet: FacetName,
  limit: number
): ReadonlyArray<{ readonly value: string; readonly count: number }> => {
  const dict = index.dictionaries[facet]
  const counts = new Int32Array(dict.values.length)
  if (facet === "tag") {
    for (const row of matches) for (const id of index.tags[row]!) counts[id]!++
  } else {
    const column = index.single[facet]
    for (const row of matches) counts[column[row]!]!++
  }
  const out: Array<{ value: string; count: number }> = []
  for (let id = 0; id < counts.length; id++) {
    if (counts[id]! > 0 && dict.values[id]!.length > 0) out.push({ value: dict.values[id]!, count: counts[id]! })
  }
  out.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
  return out.slice(0, limit)
}

/**
 * The filter line with the token for `facet` set to `value` (replacing one already there).
 *
 * @since 0.1.0
 */
export const withFacet = (input: string, facet: FacetName, value: string): string => {
  const kept = input.split(/\s+/).filter((t) => {
    if (t.length === 0) return false
    const colon = t.indexOf(":")
    return !(colon > 0 && facetAliases[t.slice(0, colon).toLowerCase()] === facet)
  })
  return [...kept, `${facet}:${value.includes(" ") ? value.replace(/\s+/g, "") : value}`].join(" ") + " "
}
