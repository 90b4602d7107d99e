// Traces, metrics and logs for the demo services, configured only through the standard OpenTelemetry
// environment variables that Paved injects (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_ENDPOINT). The services therefore run unchanged against the embedded
// receiver, a Tempo or a Honeycomb: only the environment differs.
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api"
import { W3CTraceContextPropagator } from "@opentelemetry/core"
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs"
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { monitorEventLoopDelay } from "node:perf_hooks"

const enabled = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT)

const resource = resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME ?? "unknown" })
  .merge(detectResources({ detectors: [envDetector] }))

const provider = new NodeTracerProvider({
  resource,
  spanProcessors: enabled
    ? [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 200 })]
    : []
})
provider.register({ propagator: new W3CTraceContextPropagator() })

const tracer = trace.getTracer("inkwell-demo")

// Metrics: the standard HTTP server duration histogram, and the runtime's memory and
// event-loop delay (the names of the OTel semantic conventions), exported every second.
const meters = new MeterProvider({
  resource,
  readers: enabled ? [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 1000 })] : []
})
const meter = meters.getMeter("inkwell-demo")
const requestDuration = meter.createHistogram("http.server.request.duration", {
  unit: "s",
  description: "Duration of HTTP server requests.",
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] }
})
meter.createObservableGauge("process.memory.usage", { unit: "By", description: "Resident set size." })
  .addCallback((result) => result.observe(process.memoryUsage().rss))
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()
meter.createObservableGauge("nodejs.eventloop.delay.p99", { unit: "s", description: "Event loop delay, 99th percentile." })
  .addCallback((result) => result.observe(loopDelay.percentile(99) / 1e9))

// Logs: one record per request, in the request's span (so the trace view shows it).
const logs = new LoggerProvider({
  resource,
  processors: enabled ? [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(), scheduledDelayMillis: 200 })] : []
})
const logger = logs.getLogger("inkwell-demo")

/** Emits a log record in the current span. */
export const log = (severityText, body, attributes = {}) =>
  logger.emit({ severityText, severityNumber: { DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 }[severityText] ?? 9, body, attributes, context: context.active() })

/** Wraps an HTTP request handler in a SERVER span that continues the caller's trace. */
export const traced = (handler) => async (req, res) => {
  const parent = propagation.extract(context.active(), req.headers)
  const route = `${req.method} ${req.url.split("?")[0].replace(/\/[0-9a-f-]{1,36}$/i, "/:id")}`
  const started = performance.now()
  await tracer.startActiveSpan(route, { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method, "url.path": req.url } }, parent, async (span) => {
    try {
      await handler(req, res)
      span.setAttribute("http.response.status_code", res.statusCode)
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      if (req.url !== "/healthz") log(res.statusCode >= 500 ? "ERROR" : res.statusCode >= 400 ? "WARN" : "INFO", `${route} answered ${res.statusCode}`)
    } catch (error) {
      span.recordException(error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) })
      log("ERROR", `${route} failed: ${String(error)}`)
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: String(error) }))
    } finally {
      span.end()
      requestDuration.record((performance.now() - started) / 1000, {
        "http.request.method": req.method,
        "http.route": route.slice(route.indexOf(" ") + 1),
        "http.response.status_code": res.statusCode
      })
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

/** Flushes pending spans, metrics and logs; called on SIGTERM before the process exits. */
export const shutdownTelemetry = () =>
  Promise.allSettled([provider.shutdown(), meters.shutdown(), logs.shutdown()]).then(() => undefined)
