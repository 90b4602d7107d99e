/**
 * Query text for the SQL backends, Backstage-style: each condition is a membership test against
 * the flattened `catalog_search` table (indexed on key, value), filter sets are OR-ed, full-text
 * terms are `LIKE` tests on the lowercased text column.
 */
import type { FilterSet } from "../../Query.js"
import type { NormalQuery } from "./backend.js"

/** A piece of SQL with `?` placeholders and its parameters. */
export interface Fragment {
  readonly text: string
  readonly params: ReadonlyArray<unknown>
}

const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ")

const escapeLike = (term: string): string => term.replace(/[\\%_]/g, (c) => "\\" + c)

const setClause = (set: FilterSet): Fragment => {
  const parts: Array<string> = []
  const params: Array<unknown> = []
  for (const c of set) {
    if (c.values === undefined) {
      parts.push(`e.ref IN (SELECT s.ref FROM catalog_search s WHERE s.key = ?)`)
      params.push(c.key)
    } else {
      parts.push(`e.ref IN (SELECT s.ref FROM catalog_search s WHERE s.key = ? AND s.value IN (${marks(c.values.length)}))`)
      params.push(c.key, ...c.values)
    }
  }
  return { text: parts.length === 0 ? "1 = 1" : parts.join(" AND "), params }
}

/** The WHERE condition over `catalog_entities e` for a filter and full-text terms. */
export const whereClause = (filter: ReadonlyArray<FilterSet> | undefined, terms: ReadonlyArray<string>): Fragment => {
  const parts: Array<string> = []
  const params: Array<unknown> = []
  if (filter !== undefined && filter.length > 0) {
    const sets = filter.map(setClause)
    parts.push("(" + sets.map((s) => `(${s.text})`).join(" OR ") + ")")
    for (const s of sets) params.push(...s.params)
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
    : `COALESCE((SELECT MIN(s2.value) FROM catalog_search s2 WHERE s2.ref = e.ref AND s2.key = ?), '')`
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
  const where = whereClause(q.filter, q.terms)
  return { text: `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM catalog_entities e WHERE ${where.text}`, params: where.params }
}

/** Counts per value of a field among the matches of a filter. */
export const facetQuery = (
  field: string,
  filter: ReadonlyArray<FilterSet> | undefined,
  terms: ReadonlyArray<string>
): Fragment => {
  const unfiltered = (filter === undefined || filter.length === 0) && terms.length === 0
  const where = whereClause(filter, terms)
  return {
    text: `SELECT MIN(s.raw) AS value, CAST(COUNT(*) AS INTEGER) AS n FROM catalog_search s
      WHERE s.key = ? AND s.value IS NOT NULL
      ${unfiltered ? "" : `AND s.ref IN (SELECT e.ref FROM catalog_entities e WHERE ${where.text})`}
      GROUP BY s.value ORDER BY n DESC, s.value ASC`,
    params: unfiltered ? [field] : [field, ...where.params]
  }
}

/** `?, ?, ?` for a list. */
export const placeholders = marks
