// Tracing for the demo services, configured only through the standard OpenTelemetry
// environment variables that Paved injects (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_ENDPOINT). The services therefore run unchanged against the embedded
// receiver, a Tempo or a Honeycomb: only the environment differs.
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api"
import { W3CTraceContextPropagator } from "@opentelemetry/core"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"

const enabled = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT)

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME ?? "unknown" })
    .merge(detectResources({ detectors: [envDetector] })),
  spanProcessors: enabled
    ? [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 200 })]
    : []
})
provider.register({ propagator: new W3CTraceContextPropagator() })

const tracer = trace.getTracer("inkwell-demo")

/** Wraps an HTTP request handler in a SERVER span that continues the caller's trace. */
export const traced = (handler) => async (req, res) => {
  const parent = propagation.extract(context.active(), req.headers)
  const route = `${req.method} ${req.url.split("?")[0].replace(/\/[0-9a-f-]{1,36}$/i, "/:id")}`
  await tracer.startActiveSpan(route, { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method, "url.path": req.url } }, parent, async (span) => {
    try {
      await handler(req, res)
      span.setAttribute("http.response.status_code", res.statusCode)
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
    } catch (error) {
      span.recordException(error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) })
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: String(error) }))
    } finally {
      span.end()
    }
  })
}

/** `fetch` with a CLIENT span and W3C trace context, so the service map sees the call. */
export const tracedFetch = (peerService, url, init = {}) =>
  tracer.startActiveSpan(`${init.method ?? "GET"} ${peerService}`, {
    kind: SpanKind.CLIENT,
    attributes: { "peer.service": peerService, "url.full": url, "http.request.method": init.method ?? "GET" }
  }, async (span) => {
    const headers = { ...(init.headers ?? {}) }
    propagation.inject(context.active(), headers)
    try {
      const response = await fetch(url, { ...init, headers })
      span.setAttribute("http.response.status_code", response.status)
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      return response
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) })
      throw error
    } finally {
      span.end()
    }
  })

/**
 * Runs a SQL query in a CLIENT span named after the database resource (`DATABASE_SERVICE_NAME`),
 * so that the service map shows which service uses which database.
 */
export const tracedQuery = (pool, text, params) =>
  tracer.startActiveSpan(text.split(/\s+/, 1)[0].toUpperCase(), {
    kind: SpanKind.CLIENT,
    attributes: {
      "db.system.name": "postgresql",
      "db.query.text": text,
      ...(process.env.DATABASE_SERVICE_NAME ? { "peer.service": process.env.DATABASE_SERVICE_NAME } : {})
    }
  }, async (span) => {
    try {
      return await pool.query(text, params)
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) })
      throw error
    } finally {
      span.end()
    }
  })

/** Flushes pending spans; called on SIGTERM before the process exits. */
export const shutdownTelemetry = () => provider.shutdown().catch(() => undefined)
