/**
 * Query text for the SQL backends, Backstage-style: each condition is a membership test against
 * the flattened `catalog_search` table (indexed on key, value), filter sets are OR-ed, full-text
 * terms are `LIKE` tests on the lowercased text column.
 */
import type { Condition, FilterSet } from "../../Query.js"
import type { NormalQuery } from "./backend.js"

/** A piece of SQL with `?` placeholders and its parameters. */
export interface Fragment {
  readonly text: string
  readonly params: ReadonlyArray<unknown>
}

const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ")

const escapeLike = (term: string): string => term.replace(/[\\%_]/g, (c) => "\\" + c)

// Keys whose values are shared by a large part of any catalog: a poor place to start a search.
const broadKeys = new Set(["kind", "apiversion", "metadata.namespace", "spec.lifecycle"])

// '' in the value column means "no usable value", so an empty value never matches.
const conditionTest = (alias: string, c: Condition): Fragment => {
  if (c.values === undefined) return { text: `${alias}.key = ?`, params: [c.key] }
  const values = c.values.filter((v) => v.length > 0)
  if (values.length === 0) return { text: `${alias}.key = ? AND 1 = 0`, params: [c.key] }
  return { text: `${alias}.key = ? AND ${alias}.value IN (${marks(values.length)})`, params: [c.key, ...values] }
}

/**
 * The refs matching one filter set. The search starts from the covering (key, value) index of
 * its most selective-looking condition and probes the (ref, key, value) index for the others,
 * so a broad condition never has to be materialised. `kind` needs no probe at all: refs are
 * canonical `kind:namespace/name`, so `kind=component` is the ref range [`component:`,
 * `component;`).
 */
const setRefs = (set: FilterSet): Fragment => {
  const kinds = set.find((c) => c.key === "kind" && c.values !== undefined)?.values
  const others = set.filter((c) => !(c.key === "kind" && c.values !== undefined))
  const ranked = [...others].sort((a, b) => rank(a) - rank(b))
  const [driver, ...rest] = ranked
  const alias = driver === undefined ? "e0" : "s0"
  const parts: Array<string> = []
  const params: Array<unknown> = []
  if (driver !== undefined) {
    const head = conditionTest("s0", driver)
    parts.push(head.text)
    params.push(...head.params)
  }
  if (kinds !== undefined) {
    const kindSets = set.filter((c) => c.key === "kind" && c.values !== undefined).map((c) => c.values!)
    for (const values of kindSets) {
      parts.push("(" + values.map(() => `(${alias}.ref >= ? AND ${alias}.ref < ?)`).join(" OR ") + ")")
      for (const v of values) params.push(`${v}:`, `${v};`)
    }
  }
  rest.forEach((c, i) => {
    const test = conditionTest(`s${i + 1}`, c)
    parts.push(`EXISTS (SELECT 1 FROM catalog_search s${i + 1} WHERE s${i + 1}.ref = ${alias}.ref AND ${test.text})`)
    params.push(...test.params)
  })
  const from = driver === undefined ? "catalog_entities e0" : "catalog_search s0"
  return { text: `SELECT ${alias}.ref FROM ${from}${parts.length === 0 ? "" : ` WHERE ${parts.join(" AND ")}`}`, params }
}

const rank = (c: Condition): number => (c.values === undefined ? 2 : broadKeys.has(c.key) ? 1 : 0)

/** The refs matching any of the filter sets (a subquery), or undefined for "every entity". */
export const filterRefs = (filter: ReadonlyArray<FilterSet> | undefined): Fragment | undefined => {
  if (filter === undefined || filter.length === 0) return undefined
  const sets = filter.map(setRefs)
  return { text: sets.map((s) => s.text).join(" UNION "), params: sets.flatMap((s) => s.params) }
}

/** The WHERE condition over `catalog_entities e` for a filter and full-text terms. */
export const whereClause = (filter: ReadonlyArray<FilterSet> | undefined, terms: ReadonlyArray<string>): Fragment => {
  const parts: Array<string> = []
  const params: Array<unknown> = []
  const refs = filterRefs(filter)
  if (refs !== undefined) {
    parts.push(`e.ref IN (${refs.text})`)
    params.push(...refs.params)
  }
  for (const t of terms) {
    parts.push(`e.search_text LIKE ? ESCAPE '\\'`)
    params.push(`%${escapeLike(t)}%`)
  }
  return { text: parts.length === 0 ? "1 = 1" : parts.join(" AND "), params }
}

/** The columns every entity read selects. */
export const entityColumns =
  "e.ref, e.entity_json, e.location, e.file, e.line, e.col, e.hash, e.problems_json, e.first_seen, e.last_changed, e.orphan, e.owner"

/** One page of a query: rows ordered by the sort value then ref, after the keyset position. */
export const pageQuery = (q: NormalQuery): Fragment => {
  const where = whereClause(q.filter, q.terms)
  const sortExpr = q.order.field === "ref"
    ? "e.ref"
    : `COALESCE((SELECT MIN(s2.value) FROM catalog_search s2 WHERE s2.ref = e.ref AND s2.key = ? AND s2.value <> ''), '')`
  const sortParams = q.order.field === "ref" ? [] : [q.order.field]
  const dir = q.order.direction === "asc" ? "ASC" : "DESC"
  const cmp = q.order.direction === "asc" ? ">" : "<"
  const params: Array<unknown> = [...sortParams, ...where.params]
  let keyset = ""
  if (q.after !== undefined) {
    keyset = `WHERE (t.sort_value ${cmp} ? OR (t.sort_value = ? AND t.ref ${cmp} ?))`
    params.push(q.after.sortValue, q.after.sortValue, q.after.ref)
  }
  let limit = ""
  if (q.limit !== undefined) {
    limit = "LIMIT ?"
    params.push(q.limit + 1)
  }
  return {
    text: `SELECT t.* FROM (SELECT ${entityColumns}, ${sortExpr} AS sort_value FROM catalog_entities e WHERE ${where.text}) t
      ${keyset} ORDER BY t.sort_value ${dir}, t.ref ${dir} ${limit}`,
    params
  }
}

/** The number of matches of a query. */
export const countQuery = (q: NormalQuery): Fragment => {
  const refs = filterRefs(q.filter)
  if (refs !== undefined && q.terms.length === 0) {
    return { text: `SELECT CAST(COUNT(DISTINCT m.ref) AS INTEGER) AS n FROM (${refs.text}) m`, params: refs.params }
  }
  const where = whereClause(q.filter, q.terms)
  return { text: `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM catalog_entities e WHERE ${where.text}`, params: where.params }
}

/** Counts per value of a field among the matches of a filter. */
export const facetQuery = (
  field: string,
  filter: ReadonlyArray<FilterSet> | undefined,
  terms: ReadonlyArray<string>
): Fragment => {
  const refs = filterRefs(filter)
  const scope: Fragment | undefined = terms.length > 0
    ? (() => {
      const where = whereClause(filter, terms)
      return { text: `SELECT e.ref FROM catalog_entities e WHERE ${where.text}`, params: where.params }
    })()
    : refs
  return {
    text: `SELECT MIN(s.raw) AS value, CAST(COUNT(*) AS INTEGER) AS n FROM catalog_search s
      WHERE s.key = ? AND s.value <> '' ${scope === undefined ? "" : `AND s.ref IN (${scope.text})`}
      GROUP BY s.value ORDER BY n DESC, s.value ASC`,
    params: scope === undefined ? [field] : [field, ...scope.params]
  }
}

/** `?, ?, ?` for a list. */
export const placeholders = marks
