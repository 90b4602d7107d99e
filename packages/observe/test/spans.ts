/**
 * Test support: span records built directly, for store conformance and drift tests.
 */
import type { Span } from "@paved/observe"

let counter = 0
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

export const newTraceId = () => hex(++counter, 32)

export interface SpanInput {
  readonly traceId: string
  readonly service: string
  readonly name: string
  readonly parent?: Span.SpanRecord | undefined
  readonly kind?: number
  readonly startUs?: number
  readonly durationUs?: number
  readonly error?: boolean
  readonly peer?: string
  readonly attributes?: Span.Attributes
  readonly entityRef?: string
}

export const span = (input: SpanInput): Span.SpanRecord => ({
  traceId: input.traceId,
  spanId: hex(++counter, 16),
  parentSpanId: input.parent?.spanId ?? "",
  service: input.service,
  namespace: "default",
  entityRef: input.entityRef ?? `component:default/${input.service}`,
  name: input.name,
  kind: input.kind ?? 2,
  startUs: input.startUs ?? (input.parent ? input.parent.startUs + 10 : Date.now() * 1000 - 60_000_000),
  durationUs: input.durationUs ?? 1000,
  status: input.error === true ? 2 : 0,
  statusMessage: input.error === true ? "boom" : "",
  peer: input.peer ?? "",
  attributes: input.attributes ?? {},
  resource: { "service.name": input.service },
  events: []
})

/** `caller` (server span → client span) calls `callee` (server span) in one trace. */
export const call = (caller: string, callee: string, options: { readonly error?: boolean; readonly startUs?: number } = {}) => {
  const traceId = newTraceId()
  const root = span({ traceId, service: caller, name: `GET /${caller}`, ...(options.startUs === undefined ? {} : { startUs: options.startUs }) })
  const client = span({ traceId, service: caller, name: `call ${callee}`, kind: 3, parent: root })
  const server = span({ traceId, service: callee, name: `handle ${caller}`, parent: client, ...(options.error === undefined ? {} : { error: options.error }) })
  return [root, client, server]
}
