import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pavedBin, runPaved } from "../../../testing/cli.js"
import { serverAvailable } from "../../../testing/servers.js"

const shop = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../envs/test/fixtures/shop")
const pg = "postgres://postgres@127.0.0.1:5432/postgres"

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => (socket.destroy(), resolve(true)))
    socket.once("error", () => resolve(false))
  })

const processesOf = (environment: string) =>
  fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/environ`).includes(`PAVED_ENVIRONMENT=${environment}\0`) &&
        fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
    } catch {
      return false
    }
  })

const databases = (prefix: string) =>
  execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-Atc", `SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%'`])
    .toString().split("\n").filter((l) => l.length > 0)

describe.runIf(serverAvailable("postgresql"))("paved env (built binary, real PostgreSQL)", () => {
  let cwd = ""
  const suffix = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`
  const preview = `pr-${suffix}`
  const staging = `staging-${suffix}`
  const paved = (args: ReadonlyArray<string>, env: Record<string, string> = { PAVED_POSTGRES_URL: pg }) =>
    runPaved(args, { cwd, env: { PAVED_DB_URL: "", ...env }, timeoutMs: 90_000 })

  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), "paved-env-cli-"))
  })
  afterAll(async () => {
    // Whatever a failed assertion left behind.
    for (const name of [preview, staging, `int-${suffix}`, `kill-${suffix}`]) await paved(["env", "down", name, "--yes"])
    fs.rmSync(cwd, { recursive: true, force: true })
  })

  it("plans, brings up a cross-service preview, lists, logs, diffs, renders manifests and removes it completely", async () => {
    const common = ["--catalog", shop, "--repo", shop]
    const plan = await paved(["env", "up", preview, ...common, "--changed-files", "services/orders/server.mjs,services/billing/score.yaml", "--plan", "--format", "json"])
    expect(plan.code).toBe(0)
    expect(JSON.parse(plan.stdout).run.map((r: { ref: string }) => r.ref)).toEqual([
      "component:default/accounts",
      "component:default/billing",
      "component:default/orders"
    ])

    const up = await paved(["env", "up", preview, ...common, "--changed-files", "services/orders/server.mjs", "--changed-files", "services/billing/score.yaml", "--ttl", "1h", "--format", "json"])
    expect(up.code, up.stderr).toBe(0)
    expect(up.stderr).toContain("[ready]")
    const record = JSON.parse(up.stdout)
    expect(record.services.map((s: { name: string }) => s.name)).toEqual(["accounts", "billing", "orders"])
    const ordersUrl = record.services.find((s: { name: string }) => s.name === "orders").url
    const orders = await (await fetch(`${ordersUrl}/orders`)).json() as { database: string; orders: ReadonlyArray<{ customerName: string }> }
    expect(orders.database).toBe(`paved_${preview.replace(/-/g, "_")}__orders__db`)
    expect(orders.orders.map((o) => o.customerName)).toEqual(["Ada Lovelace", "Grace Hopper"])

    // Three services and the environment's own OTLP receiver (`paved observe serve`).
    expect(processesOf(preview).length).toBeGreaterThanOrEqual(4)
    const list = await paved(["env", "list", "--format", "json"])
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: preview, type: "preview", status: "ready", health: "healthy" }])

    const logs = await paved(["env", "logs", preview, "orders"])
    expect(logs.stdout).toContain("orders listening on")

    const base = await paved(["env", "up", staging, ...common, "--services", "accounts", "--type", "staging"])
    expect(base.code, base.stderr).toBe(0)
    const diff = await paved(["env", "diff", staging, preview])
    expect(diff.code).toBe(1)
    expect(diff.stdout).toMatch(/service\s+component:default\/orders\s+\(absent\)\s+runs\s+NO/)
    expect((await paved(["env", "diff", preview, preview])).code).toBe(0)

    const manifests = await paved(["env", "manifests", preview, "--catalog", shop])
    expect(manifests.code, manifests.stderr).toBe(0)
    expect(manifests.stdout).toContain(`name: paved-${preview}`)
    expect(manifests.stdout).toContain("secretKeyRef")
    // An environment named after a type is of that type unless --type says otherwise.
    const typeNamed = await paved(["env", "manifests", "staging", "--services", "orders", "--catalog", shop])
    expect(typeNamed.code, typeNamed.stderr).toBe(0)
    expect(typeNamed.stdout).toContain("paved.dev/environment-type: staging")
    expect(typeNamed.stdout).not.toContain("environment-type: preview")

    // Staging is not a preview, so reap leaves it; the preview is not expired yet either.
    expect((await paved(["env", "reap", "--format", "json"])).stdout).toContain(`"reaped": []`)

    // down from a shell without PAVED_POSTGRES_URL still reaches the recorded server.
    const ports = record.services.map((s: { port: number }) => s.port)
    const down = await paved(["env", "down", preview, "--yes"], { PAVED_POSTGRES_URL: "" })
    expect(down.code, down.stderr).toBe(0)
    expect(processesOf(preview)).toEqual([])
    for (const port of ports) expect(await listening(port)).toBe(false)
    expect(databases(`paved_${preview.replace(/-/g, "_")}_`)).toEqual([])
    expect(fs.existsSync(path.join(cwd, ".paved", "envs", preview))).toBe(false)
    expect((await paved(["env", "down", staging, "--yes"])).code).toBe(0)
    expect(processesOf(staging)).toEqual([])
    expect((await paved(["env", "list"])).stdout).toContain("no environments")
  }, 180_000)

  // Starts `up` for stuck + orders and stops it with `signal` once stuck's process is running.
  const interruptedUp = (name: string, signal: NodeJS.Signals) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [pavedBin, "env", "up", name, "--catalog", shop, "--services", "stuck,orders", "--ready-timeout", "120"], {
        cwd,
        env: { ...process.env, PAVED_DB_URL: "", PAVED_POSTGRES_URL: pg },
        stdio: ["ignore", "ignore", "pipe"]
      })
      let stderr = ""
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString()
        if (stderr.includes("component:default/stuck: starting") && stderr.includes("component:default/accounts: ready") && !child.killed) {
          child.kill(signal)
        }
      })
      child.on("close", (code) => resolve({ code, stderr }))
    })

  it("Ctrl-C during up unwinds it; a SIGKILLed up is cleaned up by down", async () => {
    const interrupted = `int-${suffix}`
    const first = await interruptedUp(interrupted, "SIGINT")
    expect(first.stderr).toContain("[unwind]")
    expect(processesOf(interrupted)).toEqual([])
    expect(databases(`paved_${interrupted.replace(/-/g, "_")}_`)).toEqual([])
    expect(fs.existsSync(path.join(cwd, ".paved", "envs", interrupted))).toBe(false)
    expect((await paved(["env", "list"])).stdout).toContain("no environments")

    const killed = `kill-${suffix}`
    await interruptedUp(killed, "SIGKILL")
    // Nothing could run after SIGKILL: the record (claimed first) and the processes are there...
    expect(JSON.parse((await paved(["env", "list", "--format", "json"])).stdout)).toMatchObject([{ name: killed, status: "starting" }])
    expect(processesOf(killed).length).toBeGreaterThan(0)
    expect(databases(`paved_${killed.replace(/-/g, "_")}_`).length).toBeGreaterThan(0)
    // ...and down removes all of it, processes found through their instance marker.
    const down = await paved(["env", "down", killed, "--yes"])
    expect(down.code, down.stderr).toBe(0)
    expect(processesOf(killed)).toEqual([])
    expect(databases(`paved_${killed.replace(/-/g, "_")}_`)).toEqual([])
    expect(fs.existsSync(path.join(cwd, ".paved", "envs", killed))).toBe(false)
  }, 180_000)

  it("exits 2 with a reason for unusable input", async () => {
    const nothing = await paved(["env", "up", "x", "--catalog", shop])
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain("name the services to run")
    const missing = await paved(["env", "down", "nope", "--yes"])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`environment "nope" does not exist`)
  })
})
