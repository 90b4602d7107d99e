import { SpanKind, SpanStatusCode, trace, context } from "@opentelemetry/api"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto"
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs"
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pavedBin, runPaved } from "../../../testing/cli.js"

const catalogYaml = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: shop-team
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
spec:
  type: service
  lifecycle: production
  owner: shop-team
  dependsOn: [component:cart]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
spec:
  type: service
  lifecycle: production
  owner: shop-team
`

describe("paved observe", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-cli-"))
  const db = path.join(dir, ".paved", "paved.db")
  let server: ChildProcess
  let url = ""
  let traceId = ""

  beforeAll(async () => {
    fs.writeFileSync(path.join(dir, "catalog-info.yaml"), catalogYaml)
    fs.mkdirSync(path.dirname(db), { recursive: true, mode: 0o700 })
    server = spawn(process.execPath, [pavedBin, "observe", "serve", "--port", "0", "--db", db, "--format", "json"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on("data", (d: Buffer) => {
        out += d.toString()
        try {
          resolve((JSON.parse(out) as { url: string }).url)
        } catch {
          // not a whole JSON document yet
        }
      })
      server.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${out}`)))
    })
    const provider = (service: string) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ "service.name": service }),
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))]
      })
    const storefront = provider("storefront")
    const cart = provider("cart")
    const shadow = provider("shadow-it")
    const root = storefront.getTracer("t").startSpan("GET /", { kind: SpanKind.SERVER })
    const client = storefront.getTracer("t").startSpan("GET /cart", { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root))
    const handler = cart.getTracer("t").startSpan("GET /cart", { kind: SpanKind.SERVER }, trace.setSpan(context.active(), client))
    handler.setStatus({ code: SpanStatusCode.ERROR, message: "cart unavailable" })
    handler.end()
    client.end()
    const rogue = storefront.getTracer("t").startSpan("POST /track", { kind: SpanKind.CLIENT, attributes: { "peer.service": "tracker" } }, trace.setSpan(context.active(), root))
    rogue.end()
    const logs = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "storefront" }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${url}/v1/logs` }) })]
    })
    logs.getLogger("l").emit({ body: "cart call failed, showing cached cart", severityNumber: 13, severityText: "WARN", context: trace.setSpan(context.active(), root) })
    logs.getLogger("l").emit({ body: "served", severityNumber: 9, severityText: "INFO", context: trace.setSpan(context.active(), root) })
    await logs.forceFlush()
    await logs.shutdown()
    const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics` }), exportIntervalMillis: 3_600_000 })
    const meters = new MeterProvider({ resource: resourceFromAttributes({ "service.name": "storefront" }), readers: [reader] })
    const requests = meters.getMeter("m").createCounter("http.server.requests")
    requests.add(3, { route: "/" })
    await reader.forceFlush()
    requests.add(2, { route: "/" })
    await reader.forceFlush()
    await meters.shutdown()
    root.end()
    shadow.getTracer("t").startSpan("cron").end()
    traceId = root.spanContext().traceId
    for (const p of [storefront, cart, shadow]) {
      await p.forceFlush()
      await p.shutdown()
    }
  })

  afterAll(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve))
      server.kill("SIGINT")
      await exited
    }
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const paved = (...args: Array<string>) => runPaved(["observe", ...args, "--db", db], { cwd: dir })

  it("serve prints its URL and stores what SDK exporters send", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const run = await paved("traces", "--format", "json")
    expect(run.code).toBe(0)
    const found = JSON.parse(run.stdout).traces as Array<{ traceId: string; spanCount: number }>
    expect(found.map((t) => t.traceId)).toContain(traceId)
    expect(found.find((t) => t.traceId === traceId)!.spanCount).toBe(4)
  })

  it("traces filters, and prints a table for people", async () => {
    const errors = await paved("traces", "--status", "error", "--service", "cart", "--format", "json")
    expect(JSON.parse(errors.stdout).traces.map((t: { traceId: string }) => t.traceId)).toEqual([traceId])
    const none = await paved("traces", "--min-duration", "600000")
    expect(none.stdout.trim()).toBe("(no traces match)")
    const table = await paved("traces", "--since", "15m")
    expect(table.stdout).toMatch(/TRACE\s+START\s+ROOT/)
    expect((await paved("traces", "--since", "yesterday")).code).toBe(2)
  })

  it("trace shows the waterfall", async () => {
    const run = await paved("trace", traceId)
    expect(run.code).toBe(0)
    const lines = run.stdout.split("\n")
    expect(lines[0]).toContain(`trace ${traceId}`)
    expect(run.stdout).toMatch(/storefront\s+GET \/\s+server/)
    expect(run.stdout).toMatch(/cart\s+· · GET \/cart\s+server\s+error: cart unavailable/)
    const jsonRun = await paved("trace", traceId, "--format", "json")
    expect(jsonRun.stderr).toBe("")
    const json = JSON.parse(jsonRun.stdout)
    expect(json.spans.map((s: { depth: number }) => s.depth)).toEqual([0, 1, 2, 1])
    expect((await paved("trace", "0".repeat(32))).code).toBe(2)
    // The logs of the trace, with the span they belong to.
    expect(run.stdout).toMatch(/logs \(2\)/)
    expect(run.stdout).toMatch(/storefront: GET \/\s+WARN\s+cart call failed, showing cached cart/)
    expect(json.logs.map((l: { body: string }) => l.body)).toEqual(["cart call failed, showing cached cart", "served"])
    // Bars are to scale: the root spans the whole timeline, no child bar ends after its parent's.
    const bars = lines.filter((l) => l.includes("|")).map((l) => l.slice(l.indexOf("|")))
    expect(bars[0]).toMatch(/^\|#{30}\|$/)
  })

  it("logs filters by trace, severity and text", async () => {
    const all = JSON.parse((await paved("logs", "--trace", traceId, "--format", "json")).stdout).logs
    expect(all.map((l: { body: string }) => l.body)).toEqual(["cart call failed, showing cached cart", "served"])
    const warn = JSON.parse((await paved("logs", "--service", "storefront", "--severity", "warn", "--format", "json")).stdout).logs
    expect(warn.map((l: { severityText: string }) => l.severityText)).toEqual(["WARN"])
    const grep = await paved("logs", "--grep", "cached")
    expect(grep.stdout).toMatch(/TIME\s+SERVICE\s+SEVERITY\s+TRACE\s+MESSAGE/)
    expect(grep.stdout).toContain("cart call failed")
    expect(grep.stdout).not.toContain("served")
  })

  it("red and map", async () => {
    const red = JSON.parse((await paved("red", "--format", "json")).stdout).red as Array<{ service: string; errors: number; count: number }>
    expect(red.find((r) => r.service === "cart")).toMatchObject({ count: 1, errors: 1 })
    const byService = await paved("red", "--by", "service")
    expect(byService.stdout).toMatch(/SERVICE\s+OPERATION\s+COUNT/)
    const map = JSON.parse((await paved("map", "--format", "json")).stdout).edges
    expect(map.map((e: { source: string; target: string; via: string }) => `${e.source}->${e.target}:${e.via}`)).toEqual([
      "storefront->cart:spans",
      "storefront->tracker:peer"
    ])
  })

  it("drift exits 1 and names the undeclared call and the unknown service", async () => {
    const run = await paved("drift", path.join(dir, "catalog-info.yaml"), "--format", "json")
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    expect(report.undeclared.map((e: { target: string }) => e.target)).toEqual(["tracker"])
    expect(report.unobserved).toEqual([])
    expect(report.unknownServices.map((s: { service: string }) => s.service)).toEqual(["shadow-it"])
    expect(run.stderr).toContain("drift: 1 undeclared, 0 unobserved, 1 unknown services")
    const table = await paved("drift", path.join(dir, "catalog-info.yaml"))
    expect(table.stdout).toContain("tracker (not in the catalog)")
  })

  it("drift and team read the catalog store when no paths are given", async () => {
    const ingest = await runPaved(["catalog", "ingest", path.join(dir, "catalog-info.yaml"), "--db", db], { cwd: dir })
    expect(ingest.code).toBe(0)
    const run = await paved("drift", "--format", "json")
    expect(run.code).toBe(1)
    expect(JSON.parse(run.stdout).unknownServices).toHaveLength(1)
    const team = JSON.parse((await paved("team", "shop-team", "--format", "json")).stdout)
    expect(team.entities.map((e: { ref: string; red?: { count: number } }) => [e.ref, e.red?.count ?? 0])).toEqual([
      ["component:default/cart", 1],
      ["component:default/storefront", 1]
    ])
  })

  it("metrics lists series with owners from the catalog and shows one with a sparkline", async () => {
    const list = JSON.parse((await paved("metrics", "--service", "storefront", "--format", "json")).stdout).series
    expect(list).toMatchObject([{ name: "http.server.requests", attributes: { route: "/" }, owner: "shop-team", lastValue: 5 }])
    const table = await paved("metrics")
    expect(table.stdout).toMatch(/SERVICE\s+OWNER\s+METRIC/)
    expect(table.stdout).toMatch(/storefront\s+shop-team\s+http\.server\.requests/)
    const one = await paved("metrics", "--name", "http.server.requests")
    expect(one.stdout).toMatch(/[▁▂▃▄▅▆▇█]+ {2}total 5 {2}rate [\d.]+\/s/)
    const json = JSON.parse((await paved("metrics", "--series", list[0].seriesId, "--format", "json")).stdout)
    expect(json).toMatchObject({ total: 5, owner: "shop-team", series: { kind: "sum", monotonic: true } })
    expect((await paved("metrics", "--series", "nope")).code).toBe(2)
  })

  it("signals shows RED and runtime metrics per service and per owning team", async () => {
    const json = JSON.parse((await paved("signals", "--format", "json")).stdout)
    expect(json.services.find((s: { service: string }) => s.service === "storefront")).toMatchObject({ owner: "group:default/shop-team", runtime: { metricSeries: 1 } })
    expect(json.teams.map((t: { owner: string; services: Array<string> }) => [t.owner, t.services.length])).toEqual([["group:default/shop-team", 2]])
    const table = await paved("signals")
    expect(table.stdout).toMatch(/TEAM\s+SERVICES\s+REQUESTS/)
  })

  it("serve stops on Ctrl-C and frees its port", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)))
    server.kill("SIGINT")
    expect(await exited).not.toBeNull()
    const refused = await fetch(`${url}/v1/traces`, { method: "POST" }).then(() => false, () => true)
    expect(refused).toBe(true)
  })
})
