/**
 * The behaviour every backend shares: ref normalisation, query normalisation and cursors, and
 * ingestion as reconcile-then-apply inside one backend transaction.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as EntityRef from "../../EntityRef.js"
import type { HistoryQuery } from "../../History.js"
import type { IngestInput, IngestOptions, IngestReport, RefusalOf } from "../../Ingest.js"
import * as Query from "../../Query.js"
import type { Backend, NormalQuery } from "./backend.js"
import { reconcile } from "./reconcile.js"
import type { Direction, StoreError, StoredEntity } from "./model.js"
import { relationType } from "./records.js"

/** A ref as a person writes it (`component:foo`, `Component:default/Foo`) in canonical form. */
export const canonicalRef = (input: string): string => {
  const parsed = EntityRef.parse(input)
  return Either.isRight(parsed) ? parsed.right : input.toLocaleLowerCase("en-US")
}

const terms = (text: string | undefined): ReadonlyArray<string> =>
  text === undefined ? [] : text.toLocaleLowerCase("en-US").split(/\s+/).filter((t) => t.length > 0)

/**
 * Builds the service from a backend. Its type is inferred (the `CatalogStore` module checks it
 * against the service interface) so that this module does not import `CatalogStore`.
 */
export const makeService = (backend: Backend) => {
  const getMany = (refs: ReadonlyArray<string>) => backend.getMany([...new Set(refs.map(canonicalRef))])
  return {
    backend: backend.kind,
    // The refusal is possible only with `maxOrphans` set, which `RefusalOf` tells the caller.
    ingest: ((input: IngestInput, options: IngestOptions = {}) => {
      const onProgress = options.onProgress
      let writes = 0
      let unchanged = 0
      const ingested = backend.transaction((tx) =>
        Effect.flatMap(reconcile(input, options, tx), ({ plan, report }) => {
          if (onProgress === undefined) return Effect.as(tx.apply(plan), report)
          writes = plan.upserts.length + plan.deletes.length
          unchanged = report.unchanged
          onProgress({ phase: "writing", writes, unchanged })
          return Effect.as(tx.apply(plan), report)
        })
      )
      return (onProgress === undefined ? ingested : Effect.tap(ingested, () => onProgress({ phase: "written", writes, unchanged })))
        .pipe(Effect.withSpan("CatalogStore.ingest", { attributes: { entities: input.entities.length } }))
    }) as <O extends IngestOptions = {}>(input: IngestInput, options?: O) => Effect.Effect<IngestReport, StoreError | RefusalOf<O>>,
    get: (ref: string) =>
      Effect.map(getMany([ref]), (items) => Option.fromNullable<StoredEntity>(items[0])),
    getMany,
    query: (query: Query.Query) =>
      Effect.gen(function*() {
        if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) {
          return yield* new Query.InvalidQuery({ input: String(query.limit), reason: "the limit must be a positive integer" })
        }
        const after = query.cursor === undefined ? undefined : yield* Query.decodeCursor(query.cursor, query)
        const normal: NormalQuery = {
          filter: query.filter,
          terms: terms(query.text),
          order: query.orderBy ?? { field: "ref", direction: "asc" },
          limit: query.limit,
          after
        }
        const { rows, total } = yield* backend.query(normal)
        const hasMore = query.limit !== undefined && rows.length > query.limit
        const page = hasMore ? rows.slice(0, query.limit) : rows
        const last = page[page.length - 1]
        return {
          items: page.map((r) => r.item),
          totalItems: total,
          nextCursor: hasMore && last !== undefined
            ? Query.encodeCursor({ sortValue: last.sortValue, ref: last.item.ref, shape: Query.shapeOf(query) })
            : null
        }
      }).pipe(Effect.withSpan("CatalogStore.query")),
    facets: (field: string, query: Pick<Query.Query, "filter" | "text"> = {}) =>
      backend.facets(field.trim().toLocaleLowerCase("en-US"), query.filter, terms(query.text)),
    edges: (
      refs: ReadonlyArray<string>,
      options: { readonly direction: Direction; readonly types?: ReadonlyArray<string> | undefined }
    ) =>
      backend.edges(
        [...new Set(refs.map(canonicalRef))],
        options.direction,
        options.types === undefined ? undefined : options.types.map(relationType)
      ),
    allEdges: (types?: ReadonlyArray<string>) => backend.allEdges(types === undefined ? undefined : types.map(relationType)),
    history: (query: HistoryQuery = {}) =>
      backend.history({
        ref: query.ref === undefined ? undefined : canonicalRef(query.ref),
        since: query.since?.toISOString(),
        limit: query.limit ?? 1000
      }),
    locations: backend.locations,
    count: backend.count
  }
}
