/**
 * Store layers that `paved ui` and `paved portal` compose the same way: a catalog browsed from
 * files (loaded into a memory store), and a store that may be missing.
 */
import { Catalog } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * A memory catalog store holding what `Catalog.load` reads from `inputs` (files, directories or
 * globs). A memory store's first ingest orphans nothing, so it is never refused; what fails is
 * the store itself.
 */
export const fromFiles = (inputs: ReadonlyArray<string>): Layer.Layer<CatalogStore.CatalogStore, CatalogStore.StoreError> =>
  Layer.tap(CatalogStore.layerMemory, (context) =>
    Effect.flatMap(Catalog.load(inputs), (loaded) => Context.get(context, CatalogStore.CatalogStore).ingest(loaded)))

/**
 * A store the views can do without (scores, spans, environments, provisioning state): when it
 * cannot be opened it is left out, and the views that read it with `Effect.serviceOption` say so.
 * The layer promises nothing about it.
 */
export const optional = <A, E>(layer: Layer.Layer<A, E>): Layer.Layer<never> => Layer.catchAll(layer, () => Layer.empty)
