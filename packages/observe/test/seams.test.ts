import { it } from "@effect/vitest"
import { Receiver, SpanStore, TeamView } from "@paved/observe"
import type { Entity } from "@paved/catalog"
import { Relations } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { describe, expect } from "vitest"

/** A read side that knows one service, as a Tempo or Jaeger reader would answer. */
const remoteQuery: SpanStore.Query = {
  searchTraces: () => Effect.succeed([]),
  trace: () => Effect.succeed(Option.none()),
  red: () =>
    Effect.succeed([{
      entityRef: "component:default/orders",
      service: "orders",
      operation: "*",
      count: 42,
      ratePerSecond: 0.7,
      errors: 1,
      errorRatio: 1 / 42,
      meanMs: 12,
      p50Ms: 10,
      p95Ms: 30,
      p99Ms: 40
    }]),
  serviceMap: () => Effect.succeed([]),
  services: () => Effect.succeed([]),
  logs: () => Effect.succeed([]),
  metricSeries: () => Effect.succeed([]),
  metricWindow: () => Effect.succeed(Option.none())
}

const catalog = Relations.attach([
  { apiVersion: "backstage.io/v1alpha1", kind: "Group", metadata: { name: "checkout" }, spec: { type: "team", children: [] } },
  { apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "orders" }, spec: { type: "service", lifecycle: "production", owner: "checkout" } }
] satisfies ReadonlyArray<Entity.Entity>)

describe("SpanStore seams: the write side and the read side are separate services", () => {
  it.scoped("a read-side layer merged after a store layer answers every reader, while the receiver writes to the store", () =>
    Effect.gen(function*() {
      const writer = yield* SpanStore.SpanWriter
      const query = yield* SpanStore.TelemetryQuery
      const store = yield* SpanStore.SpanStore
      expect(query).toBe(remoteQuery)
      const team = yield* TeamView.compute(query, catalog, "group:default/checkout")
      expect(team.entities.map((e) => [e.ref, e.red?.count])).toEqual([["component:default/orders", 42]])

      // The receiver needs only the write side; what it stores is in the embedded store.
      const receiver = yield* Receiver.serve({ port: 0, store: writer })
      const now = BigInt(Date.now()) * 1_000_000n
      const res = yield* Effect.promise(() =>
        fetch(`${receiver.url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            resourceSpans: [{
              resource: { attributes: [{ key: "service.name", value: { stringValue: "orders" } }] },
              scopeSpans: [{ spans: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "GET /orders", kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) }] }]
            }]
          })
        }))
      expect(res.status).toBe(200)
      expect((yield* store.searchTraces()).map((t) => t.traceId)).toEqual(["0af7651916cd43dd8448eb211c80319c"])
      expect(yield* query.searchTraces()).toEqual([])
    }).pipe(Effect.provide(Layer.merge(SpanStore.layerMemory, Layer.succeed(SpanStore.TelemetryQuery, remoteQuery)))))
})
