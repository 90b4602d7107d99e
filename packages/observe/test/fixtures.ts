/**
 * Test support: export spans with the real OpenTelemetry SDK and exporters to a receiver.
 */
import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api"
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"

/** A tracer provider for one service exporting to `url` in the given encoding. */
export const providerFor = (
  url: string,
  service: string,
  protocol: "json" | "proto",
  extra: Record<string, string> = {}
) => {
  const exporter = protocol === "json"
    ? new JsonExporter({ url: `${url}/v1/traces` })
    : new ProtoExporter({ url: `${url}/v1/traces` })
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service, "service.namespace": "default", ...extra }),
    spanProcessors: [new SimpleSpanProcessor(exporter)]
  })
}

/**
 * A checkout request crossing three services: web (server) → web client call → orders (server)
 * → orders produces to a queue → billing consumes; orders also calls a database peer.
 * Returns the trace id.
 */
export const checkoutTrace = async (
  tracers: { readonly web: Tracer; readonly orders: Tracer; readonly billing: Tracer },
  options: { readonly fail?: boolean } = {}
): Promise<string> => {
  const { trace, context } = await import("@opentelemetry/api")
  const root = tracers.web.startSpan("GET /checkout", { kind: SpanKind.SERVER, attributes: { "http.request.method": "GET", "http.response.status_code": 200 } })
  const rootCtx = trace.setSpan(context.active(), root)
  const call = tracers.web.startSpan("POST /orders", { kind: SpanKind.CLIENT, attributes: { "server.address": "orders" } }, rootCtx)
  const callCtx = trace.setSpan(rootCtx, call)
  const handle = tracers.orders.startSpan("POST /orders", { kind: SpanKind.SERVER }, callCtx)
  const handleCtx = trace.setSpan(callCtx, handle)
  const db = tracers.orders.startSpan("INSERT orders", { kind: SpanKind.CLIENT, attributes: { "peer.service": "orders-db", "db.system.name": "postgresql" } }, handleCtx)
  db.end()
  const produce = tracers.orders.startSpan("publish order.created", { kind: SpanKind.PRODUCER, attributes: { "messaging.destination.name": "orders" } }, handleCtx)
  const produceCtx = trace.setSpan(handleCtx, produce)
  const consume = tracers.billing.startSpan("process order.created", { kind: SpanKind.CONSUMER }, produceCtx)
  if (options.fail === true) consume.setStatus({ code: SpanStatusCode.ERROR, message: "card declined" })
  consume.end()
  produce.end()
  handle.end()
  call.end()
  root.end()
  return root.spanContext().traceId
}
