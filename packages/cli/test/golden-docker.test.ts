/**
 * A golden-path service, as `paved golden new node-http-service` writes it, built from its own
 * Dockerfile (`image: .`) and brought up healthy in a preview on the Docker runtime, on the built
 * binary. The Dockerfile's `FROM node:20-slim` is the offline stand-in `@paved/envs/NodeImage`
 * builds from this machine's Node.js (no image registry is reachable); its `npm ci` reaches the
 * npm registry from inside the build container, as the host does (the stand-in trusts this
 * machine's certificate authorities). `env down` leaves no container, network, volume or role.
 */
import { describe, expect, it } from "@effect/vitest"
import { NodeImage } from "@paved/envs"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { runPaved } from "../../../testing/cli.js"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"

const docker = (...args: Array<string>) => execFileSync("docker", args, { encoding: "utf8" }).trim()
const psql = (sql: string) => execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-Atc", sql], { encoding: "utf8" }).trim()

describe.runIf(serverAvailable("docker") && serverAvailable("postgresql"))("a golden-path service on the Docker runtime", () => {
  it("is built from its own Dockerfile and comes up healthy in a preview; down leaves nothing", async () => {
    await Effect.runPromise(NodeImage.ensure("node:20-slim"))
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-docker-"))
    const name = uniqueName("gsvc").replace(/_/g, "-").toLowerCase().slice(0, 30).replace(/-+$/, "")
    const env = `g-${Date.now().toString(36)}`
    const label = `label=dev.paved.environment=${env}`
    const options = { cwd: dir, env: { PAVED_POSTGRES_URL: "postgres://postgres@127.0.0.1:5432/postgres" }, timeoutMs: 400_000 }
    try {
      const created = await runPaved(["golden", "new", "node-http-service", "--param", `name=${name}`, "--out", path.join(dir, name)], options)
      expect(created.code, created.stderr).toBe(0)
      expect(fs.readFileSync(path.join(dir, name, "Dockerfile"), "utf8")).toMatch(/FROM node:\$\{NODE_VERSION\}-slim/)
      const up = await runPaved(
        ["env", "up", env, "--services", name, "--runtime", "docker", "--ready-timeout", "120", "--catalog", path.join(dir, name), "--repo", path.join(dir, name), "--format", "json"],
        { ...options, cwd: path.join(dir, name) }
      )
      expect(up.code, up.stderr.slice(-3000)).toBe(0)
      expect(up.stderr).toMatch(new RegExp(`building ${path.join(dir, name).replace(/[/.]/g, "\\$&")} as paved-build/${name}:[0-9a-f]{16}`))
      const record = JSON.parse(up.stdout) as { status: string; runtime: string; services: ReadonlyArray<{ status: string; url?: string; image?: string }> }
      expect(record).toMatchObject({ status: "ready", runtime: "docker" })
      expect(record.services[0]).toMatchObject({ status: "ready" })
      expect(record.services[0]!.image).toMatch(new RegExp(`^paved-build/${name}:`))
      const health = await fetch(`${record.services[0]!.url}/healthz`)
      expect(health.status).toBe(200)
      expect(docker("ps", "-q", "--filter", label)).not.toBe("")

      const down = await runPaved(["env", "down", env, "--yes"], { ...options, cwd: path.join(dir, name) })
      expect(down.code, down.stderr).toBe(0)
      expect(docker("ps", "-a", "-q", "--filter", label)).toBe("")
      expect(docker("network", "ls", "-q", "--filter", label)).toBe("")
      expect(docker("volume", "ls", "-q", "--filter", label)).toBe("")
      expect(psql(`select count(*) from pg_roles where rolname like 'paved_${env.replace(/-/g, "_")}%'`)).toBe("0")
    } finally {
      await runPaved(["env", "down", env, "--yes"], { ...options, cwd: path.join(dir, name) }).catch(() => undefined)
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 450_000)
})
