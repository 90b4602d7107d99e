/**
 * `paved demo --runtime docker` end to end, on the built binary and a real Docker engine: the
 * demo organisation's services run as containers from the image their Score files name
 * (`node:20-slim`, built offline under that tag when missing: no registry is reachable here),
 * call each other by name, use their databases, send traces to the receiver, and the demo finds
 * exactly the three flaws the default demo finds. Teardown leaves no container, network, volume
 * or process, checked from outside through the docker CLI and /proc.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { runPaved } from "../../../testing/cli.js"
import { serverAvailable } from "../../../testing/servers.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const demoOrg = path.join(repoRoot, "examples/demo-org")
const label = "label=dev.paved.environment=demo"

interface Report {
  readonly environment: { readonly run: ReadonlyArray<{ readonly ref: string }> }
  readonly traffic: { readonly requests: number; readonly failures: number; readonly ordersPlaced: number }
  readonly telemetry: {
    readonly spans: number
    readonly serviceMap: ReadonlyArray<{ readonly source: string; readonly target: string }>
    readonly red: ReadonlyArray<{ readonly service: string; readonly requests: number }>
  }
  readonly teardown: {
    readonly processesLeft: number
    readonly portsLeft: number
    readonly docker?: { readonly containers: number; readonly networks: number; readonly volumes: number }
  }
  readonly findings: ReadonlyArray<{ readonly kind: string; readonly subject: string }>
}

const docker = (...args: Array<string>) => execFileSync("docker", args, { encoding: "utf8" }).trim()

/** Processes of this run's demo environment (e.g. the containers' port forwarder): marked, working below `cwd`. */
const demoProcesses = (cwd: string) =>
  fs.readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(cwd) &&
        fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes("PAVED_ENVIRONMENT=demo")
    } catch {
      return false
    }
  })

describe.runIf(serverAvailable("docker"))("paved demo --runtime docker", () => {
  it("runs the services as containers, finds the same three flaws as the default demo, and leaves nothing", async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "paved-demo-docker-"))
    // Run as root, the embedded Postgres drops to an unprivileged user that must reach .paved/.
    fs.chmodSync(cwd, 0o755)
    const imageWasThere = docker("images", "-q", "node:20-slim") !== ""
    try {
      const run = await runPaved(["demo", "--runtime", "docker", "--format", "json", "--requests", "30", "--catalog", demoOrg], {
        cwd,
        timeoutMs: 280_000
      })
      expect(run.stderr).toContain("[7/7]")
      expect(run.code, run.stderr.slice(-3000)).toBe(0)
      if (!imageWasThere) expect(run.stderr).toContain("node:20-slim is not on this machine and no registry is assumed: building it offline")
      for (const service of ["catalog-api", "orders-api", "storefront"]) {
        expect(run.stderr).toMatch(new RegExp(`creating container paved-demo-${service}-[0-9a-f]{8} from node:20-slim`))
      }
      const report = JSON.parse(run.stdout) as Report
      expect(report.environment.run.map((s) => s.ref).sort()).toEqual([
        "component:default/catalog-api",
        "component:default/orders-api",
        "component:default/storefront"
      ])
      // Orders are placed: storefront → orders-api → catalog-api by name, each with its database.
      expect(report.traffic).toMatchObject({ requests: 30, failures: 0, ordersPlaced: 10 })
      // The containers' spans reached the receiver on this machine.
      expect(report.telemetry.spans).toBeGreaterThan(0)
      expect(report.telemetry.red.map((r) => r.service).sort()).toEqual(["catalog-api", "orders-api", "storefront"])
      expect(report.telemetry.serviceMap).toEqual(expect.arrayContaining([
        expect.objectContaining({ source: "storefront", target: "catalog-api" }),
        expect.objectContaining({ source: "orders-api", target: "catalog-api" }),
        expect.objectContaining({ source: "storefront", target: "orders-api" })
      ]))
      // Exactly the default demo's findings (packages/cli/test/demo.test.ts).
      expect(report.findings.map((f) => [f.kind, f.subject])).toEqual([
        ["owner-removed", "component:default/search-indexer"],
        ["behind-template", "component:default/orders-api"],
        ["undeclared-dependency", "component:default/storefront -> component:default/catalog-api"]
      ])
      expect(report.teardown).toMatchObject({ processesLeft: 0, portsLeft: 0, docker: { containers: 0, networks: 0, volumes: 0 } })
      // From outside: nothing labelled with the environment, no process of it.
      expect(docker("ps", "-a", "-q", "--filter", label)).toBe("")
      expect(docker("network", "ls", "-q", "--filter", label)).toBe("")
      expect(docker("volume", "ls", "-q", "--filter", label)).toBe("")
      expect(demoProcesses(cwd)).toEqual([])
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true })
    }
  }, 300_000)
})
