/**
 * The TypeScript sources of a generated node-http-service: an HTTP server on `node:http`, OTel
 * tracing driven by the standard OTEL_* environment variables (spans exported as OTLP/HTTP JSON
 * with `fetch`, so the service needs no runtime dependency), and a `node --test` suite.
 */

export interface SourceOptions {
  readonly name: string
  readonly healthPaths: ReadonlyArray<string>
}

export const telemetryTs = (name: string): string => `/**
 * Tracing from the standard OpenTelemetry environment variables, which Paved sets from the
 * catalog entity (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES with paved.entity_ref,
 * OTEL_EXPORTER_OTLP_ENDPOINT). Spans are exported as OTLP/HTTP JSON; nothing is exported when
 * no endpoint is set or OTEL_TRACES_EXPORTER=none.
 */
import { randomBytes } from "node:crypto"

type AttributeValue = { stringValue: string } | { intValue: string }

export interface Attribute {
  readonly key: string
  readonly value: AttributeValue
}

export interface SpanRecord {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: Array<Attribute>
  status: { code: number }
}

const nowNanos = (): string => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)).toString()

const attribute = (key: string, value: string | number): Attribute =>
  typeof value === "number" ? { key, value: { intValue: String(value) } } : { key, value: { stringValue: value } }

const parseResourceAttributes = (raw: string | undefined): Array<Attribute> =>
  (raw ?? "").split(",").flatMap((pair) => {
    const eq = pair.indexOf("=")
    return eq <= 0 ? [] : [attribute(decodeURIComponent(pair.slice(0, eq).trim()), decodeURIComponent(pair.slice(eq + 1).trim()))]
  })

const tracesUrl = (env: NodeJS.ProcessEnv): string | undefined => {
  if (env.OTEL_TRACES_EXPORTER === "none") return undefined
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\\/$/, "") + "/v1/traces"
  return undefined
}

export class Telemetry {
  readonly serviceName: string
  readonly url: string | undefined
  private readonly resource: Array<Attribute>
  private pending: Array<SpanRecord> = []
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.serviceName = env.OTEL_SERVICE_NAME ?? ${JSON.stringify(name)}
    this.url = tracesUrl(env)
    this.resource = [attribute("service.name", this.serviceName), ...parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES)]
    if (this.url !== undefined) {
      this.timer = setInterval(() => void this.flush(), 1000)
      this.timer.unref()
    }
  }

  /** Starts a server span, continuing the caller's trace when a W3C traceparent header is given. */
  startSpan(name: string, traceparent: string | undefined): SpanRecord {
    const parent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(traceparent ?? "")
    return {
      traceId: parent?.[1] ?? randomBytes(16).toString("hex"),
      spanId: randomBytes(8).toString("hex"),
      ...(parent?.[2] === undefined ? {} : { parentSpanId: parent[2] }),
      name,
      kind: 2,
      startTimeUnixNano: nowNanos(),
      endTimeUnixNano: "0",
      attributes: [],
      status: { code: 0 }
    }
  }

  endSpan(span: SpanRecord, attributes: Record<string, string | number>, error: boolean): void {
    span.endTimeUnixNano = nowNanos()
    span.attributes = Object.entries(attributes).map(([k, v]) => attribute(k, v))
    span.status = { code: error ? 2 : 1 }
    if (this.url !== undefined) this.pending.push(span)
  }

  /** Sends the finished spans; a failed export drops them rather than slowing requests down. */
  async flush(): Promise<void> {
    if (this.url === undefined || this.pending.length === 0) return
    const spans = this.pending
    this.pending = []
    const body = {
      resourceSpans: [{ resource: { attributes: this.resource }, scopeSpans: [{ scope: { name: this.serviceName }, spans }] }]
    }
    await fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then((res) => void res.body?.cancel())
      .catch(() => undefined)
  }

  async shutdown(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.flush()
  }
}
`

export const serverTs = (options: SourceOptions): string => `/**
 * The HTTP service. Routes are plain functions from a request to a status and a JSON body, so
 * they are easy to test; every request is traced as a server span.
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import { Telemetry } from "./telemetry.js"

export interface ServiceConfig {
  readonly port: number
  readonly databaseUrl: string | undefined
}

export const readConfig = (env: NodeJS.ProcessEnv = process.env): ServiceConfig => ({
  port: Number(env.PORT ?? "8080"),
  databaseUrl: env.DATABASE_URL
})

export interface Reply {
  readonly status: number
  readonly body: unknown
}

type Route = (request: IncomingMessage, config: ServiceConfig) => Reply

// Health endpoints are owned by the golden path; platforms probe them.
const health: Record<string, Route> = {
${options.healthPaths.map((p) => `  ${JSON.stringify(p)}: () => ({ status: 200, body: { status: "ok" } })`).join(",\n")}
}

// Service routes: add yours here.
const routes: Record<string, Route> = {
  "/": (_request, config) => ({
    status: 200,
    body: { service: ${JSON.stringify(options.name)}, database: config.databaseUrl === undefined ? "not configured" : "configured" }
  })
}

export const route = (request: IncomingMessage, config: ServiceConfig): Reply => {
  const path = new URL(request.url ?? "/", "http://localhost").pathname
  const handler = request.method === "GET" ? (health[path] ?? routes[path]) : undefined
  return handler === undefined ? { status: 404, body: { error: "not found", path } } : handler(request, config)
}

export const createService = (config: ServiceConfig, telemetry: Telemetry = new Telemetry()): Server =>
  createServer((request, response) => {
    const header = request.headers.traceparent
    const span = telemetry.startSpan(\`\${request.method ?? "GET"} \${request.url ?? "/"}\`, Array.isArray(header) ? header[0] : header)
    const reply = route(request, config)
    response.writeHead(reply.status, {
      "content-type": "application/json",
      traceparent: \`00-\${span.traceId}-\${span.spanId}-01\`
    })
    response.end(JSON.stringify(reply.body))
    telemetry.endSpan(span, {
      "http.request.method": request.method ?? "GET",
      "url.path": request.url ?? "/",
      "http.response.status_code": reply.status
    }, reply.status >= 500)
  })
`

export const mainTs = (): string => `/**
 * Entry point: reads the configuration from the environment and serves until SIGTERM/SIGINT.
 */
import { createService, readConfig } from "./server.js"
import { Telemetry } from "./telemetry.js"

const config = readConfig()
const telemetry = new Telemetry()
const server = createService(config, telemetry)

server.listen(config.port, () => {
  console.log(\`\${telemetry.serviceName} listening on :\${config.port}\`)
})

const stop = (): void => {
  server.close(() => {
    void telemetry.shutdown().then(() => process.exit(0))
  })
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
`

export const serverTestTs = (options: SourceOptions): string => `import assert from "node:assert/strict"
import type { AddressInfo } from "node:net"
import { test } from "node:test"
import { createService } from "../src/server.js"
import { Telemetry } from "../src/telemetry.js"

const withService = async (check: (base: string) => Promise<void>): Promise<void> => {
  const server = createService({ port: 0, databaseUrl: undefined }, new Telemetry({ OTEL_TRACES_EXPORTER: "none" }))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  try {
    const { port } = server.address() as AddressInfo
    await check(\`http://127.0.0.1:\${port}\`)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

${options.healthPaths.map((p) => `test(${JSON.stringify(`GET ${p} answers ok`)}, () =>
  withService(async (base) => {
    const response = await fetch(base + ${JSON.stringify(p)})
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { status: "ok" })
  }))
`).join("\n")}
test("GET / names the service and propagates the trace", () =>
  withService(async (base) => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
    const response = await fetch(base + "/", { headers: { traceparent: \`00-\${traceId}-00f067aa0ba902b7-01\` } })
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { service: ${JSON.stringify(options.name)}, database: "not configured" })
    assert.match(response.headers.get("traceparent") ?? "", new RegExp(\`^00-\${traceId}-\`))
  }))

test("unknown paths are 404", () =>
  withService(async (base) => {
    const response = await fetch(base + "/nope")
    assert.equal(response.status, 404)
  }))
`
