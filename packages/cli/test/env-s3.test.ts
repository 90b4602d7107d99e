// Defect 15 of the security review: a detached `paved env up` handed services an S3 endpoint
// that stopped when `up` exited. Now the endpoint runs as a background process of the state
// directory (`paved provision serve-s3`), recorded and marked, and the last `down` stops it.
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runPaved } from "../../../testing/cli.js"

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "fixtures/s3-files")

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => (socket.destroy(), resolve(true)))
    socket.once("error", () => resolve(false))
  })

// Live processes marked as the S3 endpoint of `dir`.
const endpointProcesses = (dir: string) =>
  fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/environ`).includes(`PAVED_S3_ENDPOINT_DIR=${dir}\0`) &&
        fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
    } catch {
      return false
    }
  })

const waitFor = async (check: () => Promise<boolean> | boolean, ms: number) => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return check()
}

describe("paved env up (detached) with an s3 resource (built binary)", () => {
  let cwd = ""
  const suffix = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`
  const [first, second] = [`sa-${suffix}`, `sb-${suffix}`]
  const paved = (args: ReadonlyArray<string>) => runPaved(args, { cwd, env: { PAVED_DB_URL: "" }, timeoutMs: 90_000 })
  const up = (name: string) => paved(["env", "up", name, "--catalog", fixture, "--repo", fixture, "--services", "files", "--no-telemetry", "--format", "json"])

  beforeAll(() => {
    cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "paved-env-s3-")))
  })
  afterAll(async () => {
    for (const name of [first, second]) await paved(["env", "down", name, "--yes"])
    for (const pid of endpointProcesses(path.join(cwd, ".paved", "s3"))) process.kill(Number(pid), "SIGKILL")
    fs.rmSync(cwd, { recursive: true, force: true })
  })

  it("keeps S3_ENDPOINT serving after up exits, shares it between environments, and the last down stops it", async () => {
    const a = await up(first)
    expect(a.code, a.stderr).toBe(0)
    const recordA = JSON.parse(a.stdout) as { services: ReadonlyArray<{ url: string }>; resources: ReadonlyArray<{ type: string; outputs: Record<string, string> }> }
    const endpoint = recordA.resources.find((r) => r.type === "s3")!.outputs["endpoint"]!
    const port = Number(new URL(endpoint).port)
    // `up` has exited: the service's own SDK calls go through the endpoint it was given.
    const roundtrip = await (await fetch(`${recordA.services[0]!.url}/roundtrip`)).json() as { endpoint: string; same?: boolean; error?: string }
    expect(roundtrip).toEqual({ endpoint, same: true })
    // An unsigned request is refused by the endpoint, which is there to refuse it.
    const anonymous = await fetch(`${endpoint}/`)
    expect(anonymous.status).toBe(403)
    const s3Dir = path.join(cwd, ".paved", "s3")
    expect(endpointProcesses(s3Dir)).toHaveLength(1)

    // A second detached environment in the same directory uses the same endpoint process.
    const b = await up(second)
    expect(b.code, b.stderr).toBe(0)
    const recordB = JSON.parse(b.stdout) as typeof recordA
    expect(recordB.resources.find((r) => r.type === "s3")!.outputs["endpoint"]).toBe(endpoint)
    expect(endpointProcesses(s3Dir)).toHaveLength(1)

    // Removing one environment leaves the other's bucket served.
    expect((await paved(["env", "down", first, "--yes"])).code).toBe(0)
    expect(await listening(port)).toBe(true)
    const stillThere = await (await fetch(`${recordB.services[0]!.url}/roundtrip`)).json() as typeof roundtrip
    expect(stillThere.same).toBe(true)

    // The last one takes the endpoint with it: nothing listens, no marked process is left.
    expect((await paved(["env", "down", second, "--yes"])).code).toBe(0)
    expect(await waitFor(async () => !(await listening(port)), 5000)).toBe(true)
    expect(await waitFor(() => endpointProcesses(s3Dir).length === 0, 5000)).toBe(true)
  }, 180_000)
})
