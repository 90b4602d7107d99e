/**
 * Queries over the store, compatible with Backstage's catalog API filters.
 *
 * A filter set is `key=value` conditions joined by commas (AND); repeated filter sets are
 * alternatives (OR); a bare `key` means the field exists; keys and values compare
 * case-insensitively; array fields match any element (`metadata.tags=java`); relations are
 * searchable as `relations.<type>=<target ref>` (`relations.ownedby=group:default/team-a`).
 * Paved adds `paved.orphan=true`, `paved.problem=error|warning` and `paved.location=...`.
 * Full text looks at name, title, description and tags. Pages are cut with an opaque cursor.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import type { StoredEntity } from "./internal/store/model.js"

/**
 * One condition: the field `key` has one of `values`, or exists when `values` is absent.
 *
 * @since 0.1.0
 */
export interface Condition {
  readonly key: string
  readonly values?: ReadonlyArray<string> | undefined
}

/**
 * Conditions that must all hold.
 *
 * @since 0.1.0
 */
export type FilterSet = ReadonlyArray<Condition>

/**
 * The order of results: a field (dotted path, or `ref`) and a direction.
 *
 * @since 0.1.0
 */
export interface Order {
  readonly field: string
  readonly direction: "asc" | "desc"
}

/**
 * A query. `filter` sets are alternatives (any may match); no filter matches everything.
 * Without `limit` every match is returned.
 *
 * @since 0.1.0
 */
export interface Query {
  readonly filter?: ReadonlyArray<FilterSet> | undefined
  readonly text?: string | undefined
  readonly orderBy?: Order | undefined
  readonly limit?: number | undefined
  readonly cursor?: string | undefined
}

/**
 * One page of results, shaped like Backstage's `/entities/by-query` answer.
 *
 * @since 0.1.0
 */
export interface Page {
  readonly items: ReadonlyArray<StoredEntity>
  readonly totalItems: number
  readonly nextCursor: string | null
}

/**
 * The count of entities per value of a field.
 *
 * @since 0.1.0
 */
export interface FacetCount {
  readonly value: string
  readonly count: number
}

/**
 * A filter, order or cursor that cannot be understood.
 *
 * @since 0.1.0
 */
export class InvalidQuery extends Data.TaggedError("InvalidQuery")<{
  readonly input: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid query "${this.input}": ${this.reason}`
  }
}

const normaliseKey = (key: string): string => key.trim().toLocaleLowerCase("en-US")

/**
 * Parses one Backstage filter string `key=value,key2=value2,key3` into a filter set. A key
 * repeated in one set accepts any of its values.
 *
 * @since 0.1.0
 */
export const parseFilter = (input: string): Either.Either<FilterSet, InvalidQuery> => {
  const byKey = new Map<string, Array<string> | undefined>()
  for (const part of input.split(",")) {
    if (part.trim().length === 0) continue
    const eq = part.indexOf("=")
    const key = normaliseKey(eq === -1 ? part : part.slice(0, eq))
    if (key.length === 0) return Either.left(new InvalidQuery({ input, reason: `"${part}" has no key before '='` }))
    if (eq === -1) {
      if (!byKey.has(key)) byKey.set(key, undefined)
      continue
    }
    const value = part.slice(eq + 1).trim().toLocaleLowerCase("en-US")
    const existing = byKey.get(key)
    byKey.set(key, existing === undefined ? [value] : [...existing, value])
  }
  if (byKey.size === 0) return Either.left(new InvalidQuery({ input, reason: "it has no condition; write key=value" }))
  return Either.right([...byKey].map(([key, values]) => (values === undefined ? { key } : { key, values })))
}

/**
 * Parses `field` or `field,asc|desc` into an order.
 *
 * @since 0.1.0
 */
export const parseOrder = (input: string): Either.Either<Order, InvalidQuery> => {
  const [field = "", direction = "asc"] = input.split(",").map((s) => s.trim())
  if (field.length === 0) return Either.left(new InvalidQuery({ input, reason: "the field to order by is empty" }))
  if (direction !== "asc" && direction !== "desc") {
    return Either.left(new InvalidQuery({ input, reason: `the direction must be asc or desc, not "${direction}"` }))
  }
  return Either.right({ field: field === "ref" ? "ref" : normaliseKey(field), direction })
}

/**
 * The position after the last item of a page: its sort value and ref, plus the query shape it
 * belongs to so that a cursor is never applied to another query.
 *
 * @since 0.1.0
 */
export interface CursorPosition {
  readonly sortValue: string
  readonly ref: string
  readonly shape: string
}

/**
 * A fingerprint of the parts of a query that a cursor depends on.
 *
 * @since 0.1.0
 */
export const shapeOf = (query: Query): string =>
  JSON.stringify([query.filter ?? [], query.text ?? "", query.orderBy ?? null])

/**
 * Encodes a cursor (opaque base64url).
 *
 * @since 0.1.0
 */
export const encodeCursor = (position: CursorPosition): string =>
  Buffer.from(JSON.stringify([position.sortValue, position.ref, position.shape]), "utf8").toString("base64url")

/**
 * Decodes a cursor and checks it belongs to this query.
 *
 * @since 0.1.0
 */
export const decodeCursor = (cursor: string, query: Query): Either.Either<CursorPosition, InvalidQuery> => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((p) => typeof p === "string")) {
      const [sortValue, ref, shape] = parsed as [string, string, string]
      if (shape !== shapeOf(query)) {
        return Either.left(new InvalidQuery({ input: cursor, reason: "the cursor belongs to another query; start again without it" }))
      }
      return Either.right({ sortValue, ref, shape })
    }
  } catch {
    // falls through to the error below
  }
  return Either.left(new InvalidQuery({ input: cursor, reason: "it is not a cursor returned by a previous page" }))
}
