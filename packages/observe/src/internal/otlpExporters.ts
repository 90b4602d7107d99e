/**
 * OTLP/HTTP metric and log exporters for {@link Observe.layer}: the SDK's own serializers
 * (`@opentelemetry/otlp-transformer`, JSON or protobuf) posted with `fetch`. Small on purpose:
 * the layer needs no retry logic beyond the periodic reader's next export, and this keeps the
 * package's runtime dependencies to the trace exporters it already had.
 */
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs"
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from "@opentelemetry/sdk-metrics"
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer"

type Protocol = "http/protobuf" | "http/json"

/** `ExportResult` of `@opentelemetry/core`: code 0 is success, 1 failure. */
interface ExportResult {
  readonly code: 0 | 1
  readonly error?: Error
}

const post = (url: string, protocol: Protocol, body: Uint8Array | undefined, timeoutMs: number): Promise<ExportResult> => {
  if (body === undefined) return Promise.resolve({ code: 1, error: new Error("the OTLP serializer produced nothing") })
  const pending = inflight
  const request = fetch(url, {
    method: "POST",
    headers: { "content-type": protocol === "http/json" ? "application/json" : "application/x-protobuf" },
    body,
    signal: AbortSignal.timeout(timeoutMs)
  }).then(
    async (res): Promise<ExportResult> => {
      await res.arrayBuffer().catch(() => undefined)
      return res.ok ? { code: 0 } : { code: 1, error: new Error(`${url} answered ${res.status}`) }
    },
    (error: unknown): ExportResult => ({ code: 1, error: error instanceof Error ? error : new Error(String(error)) })
  )
  pending.add(request)
  void request.finally(() => pending.delete(request))
  return request
}

const inflight = new Set<Promise<unknown>>()

const signalUrl = (endpoint: string | undefined, signal: "metrics" | "logs"): string => {
  const specific = process.env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]
  if (endpoint === undefined && specific !== undefined && specific !== "") return specific
  const base = endpoint ?? process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "http://localhost:4318"
  return `${base.replace(/\/+$/, "")}/v1/${signal}`
}

/** A push metric exporter (cumulative temporality, as Prometheus-style backends expect). */
export const metricExporter = (options: { readonly endpoint?: string | undefined; readonly protocol: Protocol; readonly timeoutMs?: number }): PushMetricExporter => {
  const url = signalUrl(options.endpoint, "metrics")
  const serializer = options.protocol === "http/json" ? JsonMetricsSerializer : ProtobufMetricsSerializer
  return {
    export: (metrics: ResourceMetrics, done: (result: ExportResult) => void) => {
      void post(url, options.protocol, serializer.serializeRequest(metrics), options.timeoutMs ?? 10_000).then(done)
    },
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    forceFlush: () => Promise.all([...inflight]).then(() => undefined),
    shutdown: () => Promise.all([...inflight]).then(() => undefined)
  }
}

/** A log record exporter. */
export const logExporter = (options: { readonly endpoint?: string | undefined; readonly protocol: Protocol; readonly timeoutMs?: number }): LogRecordExporter => {
  const url = signalUrl(options.endpoint, "logs")
  const serializer = options.protocol === "http/json" ? JsonLogsSerializer : ProtobufLogsSerializer
  return {
    export: (logs: Array<ReadableLogRecord>, done: (result: ExportResult) => void) => {
      void post(url, options.protocol, serializer.serializeRequest(logs), options.timeoutMs ?? 10_000).then(done)
    },
    forceFlush: () => Promise.all([...inflight]).then(() => undefined),
    shutdown: () => Promise.all([...inflight]).then(() => undefined)
  }
}
