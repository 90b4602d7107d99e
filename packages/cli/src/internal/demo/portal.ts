/**
 * The demo's portal: the same pages `paved portal build|serve` make, over the demo's three
 * databases (catalog, telemetry, environments) and the pre-reorg organisation, so ownership
 * health, golden-path currency and dependency drift show where a developer would look.
 * `paved demo` writes the static site to `.paved/demo/portal/`; `paved demo --keep` also serves
 * it live while the environment is up.
 */
import { CatalogStore, type CatalogView } from "@paved/catalog"
import { EnvStore } from "@paved/envs"
import { TemplateRegistry } from "@paved/golden"
import { SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as path from "node:path"

// React's production build: the demo only renders, and the development build is several times slower.
const loadPortal = Effect.promise(() => {
  process.env.NODE_ENV ??= "production"
  return import("@paved/portal").then((m) => m.Portal)
})

const stores = (stateDir: string) =>
  Layer.mergeAll(
    CatalogStore.layerSqlite({ filename: path.join(stateDir, "catalog.db") }),
    SpanStore.layerSqlite({ filename: path.join(stateDir, "telemetry.db") }),
    EnvStore.layerSqlite({ filename: path.join(stateDir, "envs.db") }),
    TemplateRegistry.layerBuiltin
  )

/** Writes the static portal of the demo to `<stateDir>/portal` and returns its index page. */
export const buildPortal = (stateDir: string, previous: CatalogView.CatalogView) =>
  Effect.gen(function*() {
    const Portal = yield* loadPortal
    const report = yield* Portal.build({ out: path.join(stateDir, "portal"), previous }).pipe(Effect.provide(stores(stateDir)))
    return path.join(report.out, "index.html")
  })

/** Serves the portal of the demo on 127.0.0.1 for the life of the scope; returns its URL. */
export const servePortal = (stateDir: string, previous: CatalogView.CatalogView) =>
  Effect.gen(function*() {
    const Portal = yield* loadPortal
    const server = yield* Portal.serve({ previous, port: 0 }).pipe(Effect.provide(stores(stateDir)))
    return server.url
  })
