import { it } from "@effect/vitest"
import type { Entity } from "@paved/catalog"
import { Relations } from "@paved/catalog"
import { Drift, SpanStore, TeamView } from "@paved/observe"
import * as Effect from "effect/Effect"
import { describe, expect } from "vitest"
import { call, newTraceId, span } from "./spans.js"

const entity = (kind: string, name: string, spec: Record<string, unknown>): Entity.Entity => ({
  apiVersion: "backstage.io/v1alpha1",
  kind,
  metadata: { name },
  spec
})

const catalog = Relations.attach([
  entity("Group", "platform", { type: "team", children: ["group:default/checkout"] }),
  entity("Group", "checkout", { type: "team", parent: "platform", children: [] }),
  entity("Group", "payments-team", { type: "team", children: [] }),
  entity("Component", "web", { type: "service", lifecycle: "production", owner: "checkout", dependsOn: ["component:orders"], consumesApis: ["payments-api"] }),
  entity("Component", "orders", { type: "service", lifecycle: "production", owner: "checkout", dependsOn: ["resource:orders-db", "component:inventory"] }),
  entity("Component", "inventory", { type: "service", lifecycle: "production", owner: "platform" }),
  entity("Component", "payments", { type: "service", lifecycle: "production", owner: "payments-team", providesApis: ["payments-api"] }),
  entity("Component", "billing", { type: "service", lifecycle: "production", owner: "payments-team" }),
  entity("API", "payments-api", { type: "openapi", lifecycle: "production", owner: "payments-team", definition: "openapi: 3.0.0" }),
  entity("Resource", "orders-db", { type: "database", owner: "checkout" })
])

const observed = () => {
  const traceId = newTraceId()
  const root = span({ traceId, service: "orders", name: "POST /orders" })
  const db = span({ traceId, service: "orders", name: "INSERT", kind: 3, parent: root, peer: "orders-db" })
  const stripe = span({ traceId, service: "web", name: "POST /charge", kind: 3, peer: "api.stripe.com" })
  return [
    ...call("web", "orders"),
    ...call("web", "payments", { error: true }),
    ...call("orders", "billing"),
    root,
    db,
    stripe,
    span({ traceId: newTraceId(), service: "ghost", name: "GET /" })
  ]
}

describe("Drift", () => {
  it.effect("reports undeclared calls, unused declarations and unknown services", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      yield* store.insertSpans(observed())
      const report = yield* Drift.compute(store, catalog, { since: "1 hour" })
      expect(report.drift).toBe(true)
      expect(report.undeclared.map((e) => [e.sourceRef, e.targetRef, e.target, e.via])).toEqual([
        ["component:default/orders", "component:default/billing", "billing", "spans"],
        ["component:default/web", "", "api.stripe.com", "peer"]
      ])
      expect(report.unobserved).toEqual([
        { sourceRef: "component:default/orders", targetRef: "component:default/inventory", relation: "dependsOn" }
      ])
      expect(report.unknownServices.map((s) => s.entityRef)).toEqual(["component:default/ghost"])
    }).pipe(Effect.provide(SpanStore.layerMemory)))

  it.effect("finds no drift when the traces match the declarations", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const traceId = newTraceId()
      const root = span({ traceId, service: "orders", name: "POST /orders" })
      const db = span({ traceId, service: "orders", name: "INSERT", kind: 3, parent: root, peer: "orders-db" })
      yield* store.insertSpans([...call("web", "orders"), ...call("web", "payments"), ...call("orders", "inventory"), root, db])
      const report = yield* Drift.compute(store, catalog, { since: "1 hour" })
      expect(report).toEqual({ undeclared: [], unobserved: [], unknownServices: [], drift: false })
    }).pipe(Effect.provide(SpanStore.layerMemory)))

  it.effect("declared API use without a provider call is unobserved once, naming the API", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      yield* store.insertSpans(call("web", "orders"))
      const report = yield* Drift.compute(store, catalog, { since: "1 hour" })
      expect(report.unobserved.filter((u) => u.sourceRef === "component:default/web")).toEqual([
        { sourceRef: "component:default/web", targetRef: "component:default/payments", relation: "consumesApi", api: "api:default/payments-api" }
      ])
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})

describe("TeamView", () => {
  it.effect("shows what a group and its child groups own, with RED, owners read at query time", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      yield* store.insertSpans(observed())
      const view = yield* TeamView.compute(store, catalog, "group:default/platform", { since: "1 hour" })
      expect(view.groups).toEqual(["group:default/platform", "group:default/checkout"])
      expect(view.entities.map((e) => [e.ref, e.owner, e.red?.count ?? 0])).toEqual([
        ["component:default/inventory", "group:default/platform", 0],
        ["component:default/orders", "group:default/checkout", 3],
        ["component:default/web", "group:default/checkout", 3],
        ["resource:default/orders-db", "group:default/checkout", 0]
      ])
      const web = view.entities.find((e) => e.ref === "component:default/web")!
      expect(web.operations.map((o) => [o.operation, o.count, o.errors])).toEqual([["GET /web", 2, 0], ["POST /charge", 1, 0]])
      // Ownership moves in the catalog: the next query follows it, nothing is redeployed.
      const moved = catalog.map((e) => e.metadata.name === "web" ? { ...e, relations: [{ type: "ownedBy", targetRef: "group:default/payments-team" as never }] } : e)
      const after = yield* TeamView.compute(store, moved, "group:default/payments-team", { since: "1 hour" })
      expect(after.entities.map((e) => e.ref)).toContain("component:default/web")
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})
