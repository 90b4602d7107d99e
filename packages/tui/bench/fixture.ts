/**
 * Bench fixture: a synthetic organisation of `n` entities (components, APIs, resources over
 * 250 teams and 1000 systems), ingested into a SQLite catalog store file.
 */
import * as CatalogStore from "@paved/catalog/CatalogStore"
import type { Entity } from "@paved/catalog/Entity"
import * as EntityRef from "@paved/catalog/EntityRef"
import * as Effect from "effect/Effect"

const lifecycles = ["production", "experimental", "deprecated"]
const tagPool = ["java", "go", "typescript", "python", "kafka", "grpc", "rest", "payments", "search", "ml"]

/** The `i`th synthetic entity. */
export const syntheticEntity = (i: number): Entity => {
  const kind = i % 10 < 7 ? "Component" : i % 10 < 9 ? "API" : "Resource"
  const team = `team-${i % 250}`
  return {
    apiVersion: "backstage.io/v1alpha1",
    kind,
    metadata: {
      name: `svc-${i}`,
      description: `Synthetic ${kind.toLowerCase()} number ${i} of the ${team} portfolio`,
      tags: [tagPool[i % tagPool.length]!, tagPool[(i * 7) % tagPool.length]!]
    },
    spec: {
      type: kind === "Component" ? "service" : kind === "API" ? "openapi" : "database",
      owner: team,
      lifecycle: lifecycles[i % 3]!,
      system: `sys-${i % 1000}`
    },
    relations: [{ type: "ownedBy", targetRef: `group:default/${team}` as EntityRef.EntityRef }]
  }
}

/** Ingests `n` synthetic entities into the SQLite store at `filename`. */
export const populate = (filename: string, n: number): Effect.Effect<void, CatalogStore.StoreError> =>
  Effect.gen(function*() {
    const store = yield* CatalogStore.CatalogStore
    const entities = Array.from({ length: n }, (_, i) => {
      const entity = syntheticEntity(i)
      return { entity, ref: EntityRef.of(entity), file: "bench.yaml", line: 1, column: 1, location: "file:bench.yaml" }
    })
    yield* store.ingest({ entities, problems: [], sources: [{ file: "bench.yaml", location: "file:bench.yaml", ok: true }] })
  }).pipe(Effect.provide(CatalogStore.layerSqlite({ filename })))
