/**
 * The catalog as the list needs it: a `Stream` that pages through the store in ref order and
 * appends each page to one search index, so the first page is on screen while the rest loads.
 */
import { CatalogStore, type StoreError } from "@paved/catalog/CatalogStore"
import type { InvalidQuery } from "@paved/catalog/Query"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as CatalogIndex from "../state/catalogIndex.js"

/** The index as loaded so far. */
export interface CatalogSnapshot {
  readonly index: CatalogIndex.CatalogIndex
  readonly loaded: number
  readonly total: number
}

/** The first page is small so the first frame comes fast; later pages are larger. */
const FIRST_PAGE = 200
const PAGE = 5000

/** Loads the catalog page by page; each element is the index with one more page in it. */
export const load = (): Stream.Stream<CatalogSnapshot, StoreError | InvalidQuery, CatalogStore> =>
  Stream.unwrap(Effect.gen(function*() {
    const store = yield* CatalogStore
    const index = CatalogIndex.empty()
    let total = 0
    return Stream.paginateEffect(undefined as string | undefined, (cursor) =>
      store.query({
        orderBy: { field: "ref", direction: "asc" },
        limit: cursor === undefined ? FIRST_PAGE : PAGE,
        ...(cursor === undefined ? {} : { cursor })
      }).pipe(Effect.map((page) => {
        total = page.totalItems
        CatalogIndex.append(index, page.items.map((s) => CatalogIndex.rowOf(s.entity)))
        const snapshot: CatalogSnapshot = { index, loaded: index.rows.length, total: Math.max(total, index.rows.length) }
        return [
          snapshot,
          page.nextCursor === null || page.items.length === 0 ? Option.none() : Option.some(page.nextCursor)
        ] as const
      }))
    )
  }))
