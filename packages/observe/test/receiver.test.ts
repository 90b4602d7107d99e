import { it } from "@effect/vitest"
import { Receiver, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { describe, expect } from "vitest"
import { checkoutTrace, providerFor } from "./fixtures.js"

const exportCheckout = (url: string, protocol: "json" | "proto", fail = false) =>
  Effect.promise(async () => {
    const providers = {
      web: providerFor(url, "web", protocol, { "paved.entity_ref": "component:default/web" }),
      orders: providerFor(url, "orders", protocol),
      billing: providerFor(url, "billing", protocol)
    }
    const traceId = await checkoutTrace({
      web: providers.web.getTracer("test"),
      orders: providers.orders.getTracer("test"),
      billing: providers.billing.getTracer("test")
    }, { fail })
    await Promise.all(Object.values(providers).map((p) => p.forceFlush()))
    await Promise.all(Object.values(providers).map((p) => p.shutdown()))
    return traceId
  })

describe("Receiver with the OpenTelemetry SDK exporters", () => {
  for (const protocol of ["json", "proto"] as const) {
    it.scoped(`stores spans sent as OTLP/HTTP ${protocol} and answers trace, RED and map queries`, () =>
      Effect.gen(function*() {
        const store = yield* SpanStore.SpanStore
        const receiver = yield* Receiver.serve({ port: 0, store })
        expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        const ok = yield* exportCheckout(receiver.url, protocol)
        const failed = yield* exportCheckout(receiver.url, protocol, true)

        const tree = Option.getOrThrow(yield* store.trace(ok))
        expect(tree.spans.map((s) => [s.depth, s.service, s.name])).toEqual([
          [0, "web", "GET /checkout"],
          [1, "web", "POST /orders"],
          [2, "orders", "POST /orders"],
          [3, "orders", "INSERT orders"],
          [3, "orders", "publish order.created"],
          [4, "billing", "process order.created"]
        ])
        expect(tree.services).toEqual(["billing", "orders", "web"])
        expect(tree.spans[0]!.entityRef).toBe("component:default/web")
        expect(tree.spans[0]!.attributes["http.response.status_code"]).toBe(200)
        expect(tree.spans.every((s) => s.offsetUs >= 0 && s.offsetUs <= tree.durationUs)).toBe(true)

        const errors = yield* store.searchTraces({ status: "error" })
        expect(errors.map((t) => t.traceId)).toEqual([failed])
        expect(errors[0]!.rootName).toBe("GET /checkout")
        expect(errors[0]!.spanCount).toBe(6)
        const byService = yield* store.searchTraces({ service: "billing", operation: "process order.created" })
        expect(new Set(byService.map((t) => t.traceId))).toEqual(new Set([ok, failed]))
        const byAttribute = yield* store.searchTraces({ attributes: { "peer.service": "orders-db" } })
        expect(byAttribute).toHaveLength(2)
        const byNumber = yield* store.searchTraces({ attributes: { "http.response.status_code": "200" } })
        expect(byNumber).toHaveLength(2)
        expect(yield* store.searchTraces({ minDurationMs: 60_000 })).toEqual([])

        const red = yield* store.red({ since: "5 minutes" })
        const billing = red.find((r) => r.service === "billing")!
        expect(billing).toMatchObject({ operation: "process order.created", count: 2, errors: 1, errorRatio: 0.5 })
        expect(red.find((r) => r.service === "web")).toMatchObject({ operation: "GET /checkout", count: 2, errors: 0 })
        const perService = yield* store.red({ since: "5 minutes", groupBy: "service", service: "orders" })
        expect(perService).toMatchObject([{ service: "orders", operation: "*", count: 2 }])

        const map = yield* store.serviceMap({ since: "5 minutes" })
        expect(map.map((e) => [e.source, e.target, e.via, e.calls])).toEqual([
          ["orders", "billing", "spans", 2],
          ["orders", "orders-db", "peer", 2],
          ["web", "orders", "spans", 2]
        ])
        const services = yield* store.services({ since: "5 minutes" })
        expect(services.map((s) => s.entityRef)).toEqual(["component:default/billing", "component:default/orders", "component:default/web"])
      }).pipe(Effect.provide(SpanStore.layerMemory)))
  }
})
