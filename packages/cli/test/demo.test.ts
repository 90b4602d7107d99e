/**
 * `paved demo` end to end, on the built binary and the embedded defaults (no server is used):
 * it finds exactly the demo organisation's three documented flaws, and leaves no process,
 * port or database behind.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { runPaved } from "../../../testing/cli.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const demoOrg = path.join(repoRoot, "examples/demo-org")

interface Report {
  readonly catalog: { readonly entities: number; readonly errors: number }
  readonly environment: { readonly run: ReadonlyArray<{ readonly ref: string }>; readonly services: ReadonlyArray<{ readonly url?: string }> }
  readonly traffic: { readonly requests: number; readonly failures: number; readonly ordersPlaced: number }
  readonly telemetry: {
    readonly spans: number
    readonly serviceMap: ReadonlyArray<{ readonly source: string; readonly target: string }>
    readonly metrics: ReadonlyArray<{ readonly service: string; readonly httpServerRequests: number; readonly memoryMiB: number | null }>
    readonly traceLogs: { readonly traceId: string | null; readonly logs: ReadonlyArray<{ readonly service: string; readonly message: string }> }
  }
  readonly teardown: { readonly processesLeft: number; readonly portsLeft: number }
  readonly findings: ReadonlyArray<{ readonly kind: string; readonly subject: string }>
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => (socket.destroy(), resolve(true)))
    socket.once("error", () => resolve(false))
  })

/** Processes whose working directory is one of the demo's services. */
const demoProcesses = () =>
  fs.readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(path.join(demoOrg, "services"))
    } catch {
      return false
    }
  })

describe("paved demo", () => {
  it("finds the three deliberate flaws, and nothing else, and leaves nothing running", async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "paved-demo-"))
    // Run as root, the embedded Postgres drops to an unprivileged user that must reach .paved/.
    fs.chmodSync(cwd, 0o755)
    try {
      const run = await runPaved(["demo", "--format", "json", "--requests", "30", "--catalog", demoOrg], { cwd, timeoutMs: 170_000 })
      expect(run.stderr).toContain("[7/7]")
      expect(run.code).toBe(0)
      const report = JSON.parse(run.stdout) as Report
      expect(report.catalog).toMatchObject({ entities: 42, errors: 0 })
      expect(report.environment.run.map((s) => s.ref).sort()).toEqual([
        "component:default/catalog-api",
        "component:default/orders-api",
        "component:default/storefront"
      ])
      expect(report.traffic).toMatchObject({ requests: 30, failures: 0, ordersPlaced: 10 })
      expect(report.telemetry.serviceMap).toEqual(expect.arrayContaining([
        expect.objectContaining({ source: "storefront", target: "catalog-api" }),
        expect.objectContaining({ source: "orders-api", target: "catalog-api" }),
        expect.objectContaining({ source: "storefront", target: "orders-api" })
      ]))
      // Every service reports its own HTTP server metrics and runtime memory; one trace's logs come from its services.
      expect(report.telemetry.metrics.map((m) => m.service).sort()).toEqual(["catalog-api", "orders-api", "storefront"])
      expect(report.telemetry.metrics.every((m) => m.httpServerRequests > 0 && m.memoryMiB !== null && m.memoryMiB > 0)).toBe(true)
      expect(report.telemetry.traceLogs.traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(report.telemetry.traceLogs.logs.length).toBeGreaterThan(0)
      expect(report.telemetry.traceLogs.logs.map((l) => l.message).join("\n")).toMatch(/answered 20\d/)
      expect(report.findings.map((f) => [f.kind, f.subject])).toEqual([
        ["owner-removed", "component:default/search-indexer"],
        ["behind-template", "component:default/orders-api"],
        ["undeclared-dependency", "component:default/storefront -> component:default/catalog-api"]
      ])
      expect(report.teardown).toEqual({ processesLeft: 0, portsLeft: 0, kept: false })
      // Checked from outside too: no service process, no service port, nothing outside .paved/.
      expect(demoProcesses()).toEqual([])
      const ports = report.environment.services.flatMap((s) => (s.url === undefined ? [] : [Number(new URL(s.url).port)]))
      expect(await Promise.all(ports.map(portOpen))).toEqual(ports.map(() => false))
      expect(fs.readdirSync(cwd)).toEqual([".paved"])
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true })
    }
  }, 180_000)
})
