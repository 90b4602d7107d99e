/**
 * Scorecards for the TUI: the catalog read from the store once, indexed as a `CatalogView`, and
 * the default scorecard evaluated over it (facts from the `Facts` service when the runtime has
 * one, none otherwise: fact rules are then "unknown", as on the command line).
 */
import { CatalogStore, type StoreError } from "@paved/catalog/CatalogStore"
import * as CatalogView from "@paved/catalog/CatalogView"
import * as Facts from "@paved/catalog/Facts"
import type { InvalidQuery } from "@paved/catalog/Query"
import * as Scorecard from "@paved/catalog/Scorecard"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** Evaluates the default scorecard over everything in the store. */
export const evaluate = (): Effect.Effect<Scorecard.Report, StoreError | InvalidQuery, CatalogStore> =>
  Effect.gen(function*() {
    const store = yield* CatalogStore
    const page = yield* store.query({})
    const catalog = CatalogView.fromEntities(page.items.map((s) => s.entity))
    const facts = yield* Effect.serviceOption(Facts.Facts)
    return yield* Scorecard.evaluate(Scorecard.defaultScorecard, catalog).pipe(
      Effect.provideService(Facts.Facts, Option.getOrElse(facts, () => Facts.make([])))
    )
  })
