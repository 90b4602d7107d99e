/**
 * Bench support: realistic OTLP export requests, serialized by the OpenTelemetry SDK's own
 * serializers from spans created with the SDK (so ids, attributes and encoding are exactly what
 * an exporter sends).
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"

/** `total` spans from `services` services, in requests of `batch` spans (the SDK default is 512). */
export const makeRequests = (total: number, batch: number, services = 8) => {
  const perService: Array<Array<ReadableSpan>> = []
  for (let s = 0; s < services; s++) {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": `svc-${s}`, "service.namespace": "bench", "paved.entity_ref": `component:bench/svc-${s}` }),
      spanProcessors: [new SimpleSpanProcessor(exporter)]
    })
    const tracer = provider.getTracer("bench")
    for (let i = 0; i < total / services; i++) {
      const span = tracer.startSpan(`GET /items/${i % 20}`, {
        kind: i % 3 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
        attributes: { "http.request.method": "GET", "http.route": `/items/${i % 20}`, "http.response.status_code": 200, "server.address": `svc-${(s + 1) % services}` }
      })
      if (i % 50 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: "upstream failed" })
      span.end()
    }
    perService.push(exporter.getFinishedSpans() as Array<ReadableSpan>)
  }
  const spans = perService.flat()
  const json: Array<Uint8Array> = []
  const proto: Array<Uint8Array> = []
  for (let i = 0; i < spans.length; i += batch) {
    const chunk = spans.slice(i, i + batch)
    json.push(JsonTraceSerializer.serializeRequest(chunk)!)
    proto.push(ProtobufTraceSerializer.serializeRequest(chunk)!)
  }
  return { spans: spans.length, json, proto }
}
