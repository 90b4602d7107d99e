import { it } from "@effect/vitest"
import { resourceFromAttributes, detectResources, envDetector } from "@opentelemetry/resources"
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import type { Entity } from "@paved/catalog"
import { EntityRef } from "@paved/catalog"
import { Observe, Receiver, SpanStore } from "@paved/observe"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { describe, expect } from "vitest"

const orders: Entity.Entity = {
  apiVersion: "backstage.io/v1alpha1",
  kind: "Component",
  metadata: {
    name: "orders",
    namespace: "shop",
    annotations: {
      "backstage.io/source-location": "url:https://github.com/inkwell/orders/tree/main/",
      "paved.dev/version": "1.4.2"
    }
  },
  spec: { type: "service", lifecycle: "production", owner: "team-a" }
}

describe("Observe.resourceAttributes", () => {
  it("derives the OTel resource from the catalog entity", () => {
    expect(Observe.resourceAttributes(orders, { environment: "staging", vcs: { revision: "abc123", ref: "main" } })).toEqual({
      "service.name": "orders",
      "service.namespace": "shop",
      "service.version": "1.4.2",
      "deployment.environment.name": "staging",
      "paved.entity_ref": "component:shop/orders",
      "vcs.repository.url.full": "https://github.com/inkwell/orders",
      "vcs.ref.head.revision": "abc123",
      "vcs.ref.head.name": "main"
    })
  })

  it("works from a bare ref, and extra attributes never override the catalog's", () => {
    const ref = EntityRef.make({ kind: "Component", namespace: "default", name: "Billing" })
    expect(Observe.resourceAttributes(ref, { attributes: { "service.name": "spoofed", team: "x" } })).toEqual({
      team: "x",
      "service.name": "billing",
      "service.namespace": "default",
      "deployment.environment.name": "local",
      "paved.entity_ref": "component:default/billing"
    })
  })
})

describe("Observe.layer", () => {
  it.scopedLive("exports an Effect program's spans with the entity's identity to the receiver", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      for (const protocol of ["http/json", "http/protobuf"] as const) {
        const program = Effect.gen(function*() {
          yield* Effect.sleep("1 millis").pipe(Effect.withSpan("load order", { attributes: { "order.id": "o-1" } }))
          yield* Effect.fail("out of stock").pipe(Effect.withSpan("reserve stock"), Effect.ignore)
        }).pipe(Effect.withSpan(`POST /orders ${protocol}`, { kind: "server" }))
        // The layer's scope closing flushes the batch processor.
        yield* program.pipe(Effect.provide(Observe.layer(orders, { endpoint: receiver.url, protocol, environment: "test" })))
      }
      const traces = yield* store.searchTraces({ service: "orders" })
      expect(traces).toHaveLength(2)
      for (const summary of traces) {
        const tree = Option.getOrThrow(yield* store.trace(summary.traceId))
        expect(tree.spans.map((s) => [s.depth, s.name.replace(/ http\/.*/, ""), s.status])).toEqual([
          [0, "POST /orders", 1],
          [1, "load order", 1],
          [1, "reserve stock", 2]
        ])
        const root = tree.spans[0]!
        expect(root.entityRef).toBe("component:shop/orders")
        expect(root.kind).toBe(2)
        expect(root.resource).toMatchObject({
          "service.name": "orders",
          "service.namespace": "shop",
          "service.version": "1.4.2",
          "deployment.environment.name": "test",
          "vcs.repository.url.full": "https://github.com/inkwell/orders"
        })
        expect(tree.spans[1]!.attributes["order.id"]).toBe("o-1")
      }
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})

describe("Observe.layer without an endpoint", () => {
  it.scopedLive("follows OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      const keys = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL"] as const
      const saved = keys.map((k) => process.env[k])
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url
          process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json"
        }),
        () => Effect.sync(() => keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i]))))
      )
      yield* Effect.void.pipe(Effect.withSpan("from env"), Effect.provide(Observe.layer(orders)))
      const [found] = yield* store.searchTraces({ operation: "from env" })
      expect(found?.rootService).toBe("orders")
      // The spans, and the final metrics export at shutdown, both went to the endpoint from the
      // environment and were accepted.
      expect(receiver.stats().requests).toEqual({ 200: expect.any(Number) })
      expect(receiver.stats().requests[200]).toBeGreaterThanOrEqual(1)
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})

describe("Observe.otelEnvironment", () => {
  it.scopedLive("gives a plain OTel SDK service the same identity through OTEL_* variables", () =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ port: 0, store })
      const env = Observe.otelEnvironment(orders, { endpoint: receiver.url, environment: "preview-42", vcs: { revision: "a,b=c d" } })
      expect(env).toMatchObject({
        OTEL_SERVICE_NAME: "orders",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf"
      })
      // What a plain SDK does with these variables: the env detector builds the resource and the
      // exporter reads the endpoint.
      const saved = { ...process.env }
      yield* Effect.acquireRelease(Effect.sync(() => Object.assign(process.env, env)), () =>
        Effect.sync(() => {
          for (const key of Object.keys(env)) delete process.env[key]
          Object.assign(process.env, saved)
        }))
      const detected = detectResources({ detectors: [envDetector] })
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes(detected.attributes),
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter())]
      })
      yield* Effect.promise(async () => {
        provider.getTracer("plain").startSpan("plain work").end()
        await provider.forceFlush()
        await provider.shutdown()
      })
      const [found] = yield* store.searchTraces({ operation: "plain work" })
      const tree = Option.getOrThrow(yield* store.trace(found!.traceId))
      expect(tree.spans[0]!.entityRef).toBe("component:shop/orders")
      expect(tree.spans[0]!.resource).toMatchObject({
        "service.name": "orders",
        "service.namespace": "shop",
        "deployment.environment.name": "preview-42",
        "vcs.ref.head.revision": "a,b=c d"
      })
    }).pipe(Effect.provide(SpanStore.layerMemory)))
})
