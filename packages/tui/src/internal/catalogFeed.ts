/**
 * The catalog as the list needs it: a `Stream` that pages through the store in ref order and
 * appends each page to one search index, so the first page is on screen while the rest loads.
 */
import { CatalogStore, pages, type StoreError } from "@paved/catalog/CatalogStore"
import type { InvalidQuery } from "@paved/catalog/Query"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as CatalogIndex from "../state/catalogIndex.js"

/** The index as loaded so far. */
export interface CatalogSnapshot {
  readonly index: CatalogIndex.CatalogIndex
  readonly loaded: number
  readonly total: number
}

/**
 * The first page is one screen or so, so the first frame comes fast; later pages are large
 * enough to load quickly and small enough that keys and frames get a turn between them.
 */
const FIRST_PAGE = 100
const PAGE = 2000

/**
 * The first page alone, read before the first render so that the first frame already lists
 * entities (the live stream then takes over).
 */
export const firstPage = (): Effect.Effect<CatalogSnapshot, StoreError | InvalidQuery, CatalogStore> =>
  Effect.flatMap(CatalogStore, (store) =>
    Effect.map(store.query({ orderBy: { field: "ref", direction: "asc" }, limit: FIRST_PAGE }), (page) => {
      const index = CatalogIndex.append(CatalogIndex.empty(), page.items.map((s) => CatalogIndex.rowOf(s.entity, s.ref)))
      return { index, loaded: index.rows.length, total: Math.max(page.totalItems, index.rows.length) }
    }))

/** The wait before page `page` (counted from 0) is read. */
const pause = (page: number): Effect.Effect<void> =>
  page === 0 ? Effect.void : Effect.sleep(page === 1 ? "25 millis" : "0 millis")

/** Loads the catalog page by page; each element is the index with one more page in it. */
export const load = (): Stream.Stream<CatalogSnapshot, StoreError | InvalidQuery, CatalogStore> =>
  Stream.suspend(() => {
    const index = CatalogIndex.empty()
    return pages({ orderBy: { field: "ref", direction: "asc" } }, { pageSize: PAGE, firstPageSize: FIRST_PAGE }).pipe(
      Stream.zipWithIndex,
      // Each page goes through the timer queue: the store client and the index are synchronous,
      // and without this the terminal would not draw or read keys until the last page. After
      // the first page, wait a frame so that it is on screen before the next page is read (the
      // pages stream reads the next page only when the pause below has been pulled through).
      Stream.flatMap(([page, i]) => {
        CatalogIndex.append(index, page.items.map((s) => CatalogIndex.rowOf(s.entity, s.ref)))
        const snapshot: CatalogSnapshot = { index, loaded: index.rows.length, total: Math.max(page.totalItems, index.rows.length) }
        const last = page.nextCursor === null || page.items.length === 0
        return last ? Stream.succeed(snapshot) : Stream.concat(Stream.succeed(snapshot), Stream.drain(Stream.fromEffect(pause(i + 1))))
      })
    )
  })

/** How often the store's history is checked for changes. */
const POLL = "3 seconds"

/**
 * The catalog, live: the first load arrives page by page; after that, whenever the store's
 * history has a newer change (an ingest elsewhere), the catalog is read again and the new index
 * replaces the old one when complete, so the list never shows a half-read catalog.
 */
export const live = (): Stream.Stream<CatalogSnapshot, StoreError | InvalidQuery, CatalogStore> =>
  Stream.unwrap(Effect.map(CatalogStore, (store) => {
    const newest = Effect.map(store.history({ limit: 1 }), (h) => h[0]?.id ?? 0)
    const versions = Stream.repeatEffectWithSchedule(newest, Schedule.spaced(POLL)).pipe(Stream.changes)
    return versions.pipe(
      Stream.zipWithIndex,
      Stream.flatMap(([, i]) =>
        i === 0
          ? load()
          : Stream.fromEffect(Stream.runLast(load())).pipe(Stream.filterMap((last) => last)), { switch: true })
    )
  }))
