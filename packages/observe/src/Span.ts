/**
 * The records the receiver stores and the queries return: spans and log records as decoded
 * from OTLP, with the catalog identity of the service that sent them.
 *
 * Times are microseconds since the Unix epoch (a JavaScript number holds them exactly);
 * OTLP's nanoseconds are finer than any waterfall needs.
 *
 * @since 0.1.0
 */

/**
 * An attribute value as OTLP carries it (`AnyValue`): scalars, arrays and key/value maps.
 * Bytes are kept as base64 strings.
 *
 * @since 0.1.0
 */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | ReadonlyArray<AttributeValue>
  | { readonly [key: string]: AttributeValue }

/**
 * @since 0.1.0
 */
export type Attributes = Readonly<Record<string, AttributeValue>>

/**
 * OTLP span kinds (`SpanKind`): 0 unspecified, 1 internal, 2 server, 3 client, 4 producer,
 * 5 consumer.
 *
 * @since 0.1.0
 */
export const SpanKind = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5
} as const

/**
 * @since 0.1.0
 */
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind]

/**
 * The name of a span kind, for output.
 *
 * @since 0.1.0
 */
export const kindName = (kind: number): string =>
  ["unspecified", "internal", "server", "client", "producer", "consumer"][kind] ?? "unspecified"

/**
 * OTLP status codes: 0 unset, 1 ok, 2 error.
 *
 * @since 0.1.0
 */
export const StatusCode = { unset: 0, ok: 1, error: 2 } as const

/**
 * @since 0.1.0
 */
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode]

/**
 * A timed event inside a span (an exception, a log line).
 *
 * @since 0.1.0
 */
export interface SpanEvent {
  readonly name: string
  readonly timeUs: number
  readonly attributes: Attributes
}

/**
 * One stored span. `parentSpanId` is empty for a root span. `peer` is the remote service a
 * client or producer span talks to (`peer.service`, else `server.address`, else
 * `messaging.destination.name`), used for service-map edges when the callee sends no spans.
 *
 * @since 0.1.0
 */
export interface SpanRecord {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly service: string
  readonly namespace: string
  readonly entityRef: string
  readonly name: string
  readonly kind: number
  readonly startUs: number
  readonly durationUs: number
  readonly status: number
  readonly statusMessage: string
  readonly peer: string
  readonly attributes: Attributes
  readonly resource: Attributes
  readonly events: ReadonlyArray<SpanEvent>
}

/**
 * One stored log record, correlated with its trace and span when the SDK sent them.
 *
 * @since 0.1.0
 */
export interface LogRecord {
  readonly timeUs: number
  readonly traceId: string
  readonly spanId: string
  readonly service: string
  readonly entityRef: string
  readonly severityNumber: number
  readonly severityText: string
  readonly body: AttributeValue
  readonly attributes: Attributes
}

/**
 * The catalog ref a span belongs to: its `paved.entity_ref` resource attribute, else the
 * Component named like the service in its namespace.
 *
 * @since 0.1.0
 */
export const entityRefOf = (resource: Attributes, service: string, namespace: string): string => {
  const ref = resource["paved.entity_ref"]
  if (typeof ref === "string" && ref.length > 0) return ref.toLowerCase()
  return `component:${namespace || "default"}/${service}`.toLowerCase()
}

/**
 * The remote peer of a client or producer span (see {@link SpanRecord}).
 *
 * @since 0.1.0
 */
export const peerOf = (kind: number, attributes: Attributes): string => {
  if (kind !== SpanKind.client && kind !== SpanKind.producer) return ""
  for (const key of ["peer.service", "server.address", "messaging.destination.name", "net.peer.name"]) {
    const value = attributes[key]
    if (typeof value === "string" && value.length > 0) return value
  }
  return ""
}
