import { it } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Otlp } from "@paved/observe"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import { describe, expect } from "vitest"

const sdkSpans = (attributes: Record<string, string | number | boolean | Array<string>>, names: ReadonlyArray<string>): Array<ReadableSpan> => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "prop", "service.namespace": "ns" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)]
  })
  const tracer = provider.getTracer("prop")
  for (const name of names) {
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes })
    span.addEvent("checkpoint", { step: 1 })
    span.setStatus({ code: SpanStatusCode.ERROR, message: "nope" })
    span.end()
  }
  return exporter.getFinishedSpans() as Array<ReadableSpan>
}

const attributeValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.array(fc.string(), { maxLength: 3 }))

describe("Otlp decoding", () => {
  it("keeps an attribute named __proto__ as data, without touching the prototype", () => {
    // Built by hand: the OTel SDK itself drops such a key, but a hostile sender need not.
    const body = JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "hostile" } }] },
        scopeSpans: [{
          spans: [{
            traceId: "0af7651916cd43dd8448eb211c80319c",
            spanId: "b7ad6b7169203331",
            name: "x",
            kind: 2,
            startTimeUnixNano: "1700000000000000000",
            endTimeUnixNano: "1700000000001000000",
            attributes: [{ key: "__proto__", value: { stringValue: "x" } }, { key: "ok", value: { intValue: "1" } }]
          }]
        }]
      }]
    })
    const attributes = Either.getOrThrow(Otlp.decodeTraces("json", new TextEncoder().encode(body))).items[0]!.attributes
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype)
    expect(Object.entries(attributes)).toEqual([["__proto__", "x"], ["ok", 1]])
  })

  it.prop("protobuf and JSON from the SDK serializers decode to the same records", [
    // The SDK drops an attribute named __proto__ (covered by the hand-built test above).
    fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "__proto__"), attributeValue, { maxKeys: 6 }),
    fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 5 })
  ], ([attributes, names]) => {
    const spans = sdkSpans(attributes, names)
    const fromProto = Otlp.decodeTraces("protobuf", ProtobufTraceSerializer.serializeRequest(spans)!)
    const fromJson = Otlp.decodeTraces("json", JsonTraceSerializer.serializeRequest(spans)!)
    expect(Either.isRight(fromProto) && Either.isRight(fromJson)).toBe(true)
    const a = Either.getOrThrow(fromProto)
    const b = Either.getOrThrow(fromJson)
    expect(a.rejected).toBe(0)
    expect(a.items).toHaveLength(names.length)
    // Times may differ by the last microsecond (doubles vs decimal strings); all else is equal.
    const withoutTimes = (items: typeof a.items) => items.map(({ durationUs: _d, events, startUs: _s, ...rest }) => ({ ...rest, events: events.map(({ timeUs: _t, ...e }) => e) }))
    expect(withoutTimes(a.items)).toEqual(withoutTimes(b.items))
    for (let i = 0; i < a.items.length; i++) expect(Math.abs(a.items[i]!.startUs - b.items[i]!.startUs)).toBeLessThanOrEqual(1)
    expect(a.items.map((s) => s.name)).toEqual([...names])
    expect(a.items[0]).toMatchObject({ service: "prop", namespace: "ns", entityRef: "component:ns/prop", kind: 3, status: 2, statusMessage: "nope" })
    expect(a.items[0]!.attributes).toEqual(attributes)
  }, { fastCheck: { numRuns: 50 } })

  it.prop("protobuf strings that repeat or share a length decode as themselves (NUL as U+FFFD), however many", [
    fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.fullUnicodeString({ maxLength: 8 }), fc.constantFrom("\u0000", "a\u0000", "é", "GET", "GET ")), { minLength: 1, maxLength: 40 })
  ], (words) => {
    // Thousands of distinct short names (more than the reader keeps) between the words twice
    // (the SDK refuses an empty span name, hence the prefix).
    const named = words.map((w) => `n${w}`)
    const names = [...named, ...Array.from({ length: 3000 }, (_, i) => `op${i}`), ...named]
    const spans = sdkSpans({ words: `<${words.join("|")}>` }, names)
    const decoded = Either.getOrThrow(Otlp.decodeTraces("protobuf", ProtobufTraceSerializer.serializeRequest(spans)!))
    const clean = (text: string) => text.replaceAll("\u0000", "\uFFFD")
    expect(decoded.items.map((s) => s.name)).toEqual(names.map(clean))
    expect(decoded.items.at(-1)!.attributes).toEqual({ words: clean(`<${words.join("|")}>`) })
  }, { fastCheck: { numRuns: 10 } })

  it.prop("arbitrary bytes never throw: they decode or fail with a reason", [fc.uint8Array({ maxLength: 300 })], ([bytes]) => {
    for (const encoding of ["protobuf", "json"] as const) {
      const traces = Otlp.decodeTraces(encoding, bytes)
      const logs = Otlp.decodeLogs(encoding, bytes)
      if (Either.isLeft(traces)) expect(traces.left.message).toMatch(/^Not an OTLP export request: /)
      if (Either.isLeft(logs)) expect(logs.left.message).toMatch(/^Not an OTLP export request: /)
    }
  }, { fastCheck: { numRuns: 500 } })

  it.prop("every truncation of a valid protobuf request is answered without throwing", [fc.integer({ min: 1, max: 5 })], ([count]) => {
    const body = ProtobufTraceSerializer.serializeRequest(sdkSpans({ k: "v" }, Array.from({ length: count }, (_, i) => `op${i}`)))!
    for (let cut = 0; cut < body.length; cut++) {
      const result = Otlp.decodeTraces("protobuf", body.subarray(0, cut))
      if (Either.isRight(result)) expect(result.right.items.length).toBeLessThanOrEqual(count)
    }
  }, { fastCheck: { numRuns: 10 } })
})
