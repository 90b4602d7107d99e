/**
 * OpenTelemetry wiring from catalog metadata.
 *
 * A service's telemetry identity comes from its catalog entity, never from hand-written
 * strings: `service.name` and `service.namespace` are the entity's name and namespace,
 * `paved.entity_ref` its canonical ref, so every span can be joined back to the catalog (and
 * to its owner, looked up at query time). {@link layer} gives Effect programs an
 * `@effect/opentelemetry` NodeSdk layer; {@link otelEnvironment} gives the same identity to
 * services written with the plain OpenTelemetry SDK, through the standard `OTEL_*` variables.
 *
 * @since 0.1.0
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import type * as OtelResource from "@effect/opentelemetry/Resource"
import { OTLPTraceExporter as OTLPTraceExporterJson } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as OTLPTraceExporterProto } from "@opentelemetry/exporter-trace-otlp-proto"
import { BatchLogRecordProcessor, type LogRecordProcessor } from "@opentelemetry/sdk-logs"
import { type MetricReader, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Entity, EntityRef } from "@paved/catalog"
import * as Duration from "effect/Duration"
import type * as Layer from "effect/Layer"
import { logExporter, metricExporter } from "./internal/otlpExporters.js"

/**
 * The wire encoding of the OTLP/HTTP exporter: `http/protobuf` (the OTel default) or
 * `http/json`.
 *
 * @since 0.1.0
 */
export type Protocol = "http/protobuf" | "http/json"

/**
 * Version-control facts about the running build, exported as the OTel VCS attributes
 * (`vcs.repository.url.full`, `vcs.ref.head.revision`, `vcs.ref.head.name`).
 *
 * @since 0.1.0
 */
export interface Vcs {
  readonly repositoryUrl?: string | undefined
  readonly revision?: string | undefined
  readonly ref?: string | undefined
}

/**
 * What {@link resourceAttributes} and {@link otelEnvironment} need besides the entity.
 *
 * @since 0.1.0
 */
export interface ResourceOptions {
  /** `deployment.environment.name`; default `local`. */
  readonly environment?: string | undefined
  /** `service.version`; default the entity's `paved.dev/version` annotation, when present. */
  readonly serviceVersion?: string | undefined
  /** VCS facts; the repository URL defaults to the entity's source-location annotations. */
  readonly vcs?: Vcs | undefined
  /** Extra resource attributes (they never override the catalog-derived ones). */
  readonly attributes?: Readonly<Record<string, string | number | boolean>> | undefined
}

/**
 * Options of {@link layer}.
 *
 * @since 0.1.0
 */
export interface LayerOptions extends ResourceOptions {
  /**
   * Base URL of an OTLP/HTTP endpoint (`/v1/traces` is appended). Default:
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT` when set, else the
   * embedded receiver at `http://localhost:4318`.
   */
  readonly endpoint?: string | undefined
  /** Default: `OTEL_EXPORTER_OTLP_PROTOCOL` when set, else `http/protobuf`. */
  readonly protocol?: Protocol | undefined
  /** Replaces the OTLP exporter entirely (tests, benchmarks, custom pipelines). */
  readonly spanProcessor?: SpanProcessor | ReadonlyArray<SpanProcessor> | undefined
  /** How long shutdown may take to flush pending spans; default 3 seconds. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /**
   * Export the program's Effect metrics (`Metric.counter`, `Metric.gauge`, `Metric.histogram`,
   * ...) to `/v1/metrics` of the same endpoint with the same resource; default true.
   */
  readonly metrics?: boolean | undefined
  /** How often metrics are exported; default 10 seconds (and once more at shutdown). */
  readonly metricInterval?: Duration.DurationInput | undefined
  /**
   * Send Effect's log lines (`Effect.log*`) to `/v1/logs` as OTLP log records carrying the
   * current span's trace and span ids; default true. Console logging is kept.
   */
  readonly logs?: boolean | undefined
  /** Replaces the metric reader (tests, custom pipelines). */
  readonly metricReader?: MetricReader | undefined
  /** Replaces the log record processor (tests, custom pipelines). */
  readonly logRecordProcessor?: LogRecordProcessor | undefined
}

/**
 * Either a full catalog entity (richest attributes) or only its canonical ref.
 *
 * @since 0.1.0
 */
export type Subject = Entity.Entity | EntityRef.EntityRef

const annotation = (entity: Entity.Entity, key: string): string | undefined => entity.metadata.annotations?.[key]

const repositoryFromAnnotations = (entity: Entity.Entity): string | undefined => {
  const slug = annotation(entity, "github.com/project-slug")
  if (slug !== undefined) return `https://github.com/${slug}`
  const location = annotation(entity, "backstage.io/source-location")
  if (location === undefined) return undefined
  const url = location.replace(/^url:/, "")
  // A source location usually points inside the repository (`.../tree/main/`); the repository
  // URL is what precedes the `/tree/` or `/blob/` part.
  return url.replace(/\/(tree|blob)\/.*$/, "").replace(/\/$/, "")
}

/**
 * The OTel resource attributes of a service, from its catalog entity (or ref) and options.
 *
 * @since 0.1.0
 */
export const resourceAttributes = (
  subject: Subject,
  options: ResourceOptions = {}
): Record<string, string | number | boolean> => {
  const entity = typeof subject === "string" ? undefined : subject
  const ref = typeof subject === "string" ? subject : EntityRef.of(subject)
  const parts = EntityRef.toCompound(ref)
  const version = options.serviceVersion ?? (entity && annotation(entity, "paved.dev/version"))
  const repositoryUrl = options.vcs?.repositoryUrl ?? (entity && repositoryFromAnnotations(entity))
  const attributes: Record<string, string | number | boolean> = { ...options.attributes }
  attributes["service.name"] = entity?.metadata.name ?? parts.name
  attributes["service.namespace"] = entity?.metadata.namespace ?? parts.namespace
  attributes["deployment.environment.name"] = options.environment ?? "local"
  attributes["paved.entity_ref"] = ref
  if (version !== undefined) attributes["service.version"] = version
  if (repositoryUrl !== undefined) attributes["vcs.repository.url.full"] = repositoryUrl
  if (options.vcs?.revision !== undefined) attributes["vcs.ref.head.revision"] = options.vcs.revision
  if (options.vcs?.ref !== undefined) attributes["vcs.ref.head.name"] = options.vcs.ref
  return attributes
}

const tracesUrl = (endpoint: string): string => endpoint.replace(/\/+$/, "") + "/v1/traces"

const envProtocol = (): Protocol | undefined => {
  const value = process.env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? process.env["OTEL_EXPORTER_OTLP_PROTOCOL"]
  return value === "http/json" || value === "http/protobuf" ? value : undefined
}

/**
 * The span exporter {@link layer} uses: OTLP/HTTP in JSON or protobuf. Without an explicit
 * endpoint the OTel exporter reads `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` itself and falls back
 * to `http://localhost:4318`, where `paved observe serve` listens by default.
 *
 * @since 0.1.0
 */
export const makeExporter = (options: { readonly endpoint?: string | undefined; readonly protocol?: Protocol | undefined } = {}) => {
  const config = options.endpoint === undefined ? {} : { url: tracesUrl(options.endpoint) }
  const protocol = options.protocol ?? envProtocol() ?? "http/protobuf"
  return protocol === "http/json" ? new OTLPTraceExporterJson(config) : new OTLPTraceExporterProto(config)
}

/**
 * An `@effect/opentelemetry` NodeSdk layer for the given service: resource from the catalog
 * entity (see {@link resourceAttributes}), spans batched to an OTLP/HTTP endpoint, the
 * program's Effect metrics exported periodically and its log lines sent as OTLP logs with the
 * current span's ids, all with the same resource. Provide it to a program and every
 * `Effect.withSpan`, `Metric.counter` and `Effect.log` reaches the receiver with the service's
 * catalog identity; the layer flushes pending telemetry when its scope closes.
 *
 * @since 0.1.0
 */
export const layer = (subject: Subject, options: LayerOptions = {}): Layer.Layer<OtelResource.Resource> =>
  NodeSdk.layer(() => {
    const attributes = resourceAttributes(subject, options)
    const serviceName = String(attributes["service.name"])
    const version = attributes["service.version"]
    return {
      resource: {
        serviceName,
        ...(version === undefined ? {} : { serviceVersion: String(version) }),
        attributes
      },
      spanProcessor: options.spanProcessor ?? new BatchSpanProcessor(makeExporter(options)),
      ...(options.metrics === false ? {} : {
        metricReader: options.metricReader ?? new PeriodicExportingMetricReader({
          exporter: metricExporter({ endpoint: options.endpoint, protocol: options.protocol ?? envProtocol() ?? "http/protobuf" }),
          exportIntervalMillis: Duration.toMillis(Duration.decode(options.metricInterval ?? "10 seconds"))
        })
      }),
      ...(options.logs === false ? {} : {
        logRecordProcessor: options.logRecordProcessor ??
          new BatchLogRecordProcessor({ exporter: logExporter({ endpoint: options.endpoint, protocol: options.protocol ?? envProtocol() ?? "http/protobuf" }) })
      }),
      shutdownTimeout: options.shutdownTimeout ?? "3 seconds"
    }
  })

// OTEL_RESOURCE_ATTRIBUTES is a W3C-baggage-like list: keys and values are percent-encoded so
// that commas, equals signs and spaces in a value survive.
const encodeResourceAttributes = (attributes: Record<string, string | number | boolean>): string =>
  Object.entries(attributes)
    .filter(([key]) => key !== "service.name")
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join(",")

/**
 * Options of {@link otelEnvironment}.
 *
 * @since 0.1.0
 */
export interface EnvironmentOptions extends ResourceOptions {
  /** Base URL of the OTLP/HTTP endpoint, e.g. the URL `Receiver.serve` returned. */
  readonly endpoint: string
  /** Default `http/protobuf`. */
  readonly protocol?: Protocol | undefined
}

/**
 * The standard OTel environment variables that give a service written with the plain
 * OpenTelemetry SDK (any language) the same identity {@link layer} gives an Effect program:
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL`.
 *
 * @since 0.1.0
 */
export const otelEnvironment = (subject: Subject, options: EnvironmentOptions): Record<string, string> => {
  const attributes = resourceAttributes(subject, options)
  return {
    OTEL_SERVICE_NAME: String(attributes["service.name"]),
    OTEL_RESOURCE_ATTRIBUTES: encodeResourceAttributes(attributes),
    OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint.replace(/\/+$/, ""),
    OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol ?? "http/protobuf"
  }
}
