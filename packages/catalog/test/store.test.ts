import { describe } from "@effect/vitest"
import { CatalogStore } from "@paved/catalog"
import { serverAvailable } from "../../../testing/servers.js"
import { storeConformance } from "./fixtures/store/conformance.js"
import { pgTempLayer, sqliteTempLayer } from "./fixtures/store/layers.js"

describe("CatalogStore conformance: memory", () => {
  storeConformance(() => CatalogStore.layerMemory)
})

describe("CatalogStore conformance: SQLite", () => {
  storeConformance(sqliteTempLayer)
})

describe.runIf(serverAvailable("postgresql"))("CatalogStore conformance: PostgreSQL", () => {
  storeConformance(pgTempLayer)
})
