/**
 * `paved provision refresh`: drift made behind Paved's back (a dropped database, a deleted Redis
 * user) is reported by `drift` with the way to repair it, and `refresh` brings each resource
 * back to its recorded state, on the real servers, through the built binary.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { runPaved } from "../../../testing/cli.js"
import { serverAvailable } from "../../../testing/servers.js"

const work = fs.mkdtempSync(path.join(os.tmpdir(), "paved-cli-refresh-"))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const envName = `refresh-${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`
const env = {
  PAVED_POSTGRES_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  PAVED_REDIS_URL: "redis://127.0.0.1:6379",
  PAVED_SECRET_KEY: "ab".repeat(32)
}
const paved = (args: ReadonlyArray<string>) => runPaved(args, { cwd: work, env })
const psql = (sql: string) => execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-Atqc", sql]).toString().trim()
const redis = (...args: ReadonlyArray<string>) => execFileSync("redis-cli", ["-h", "127.0.0.1", ...args]).toString().trim()

describe.runIf(serverAvailable("postgresql") && serverAvailable("redis"))("paved provision refresh (built binary, real servers)", () => {
  it("reports drift with the repair command, recreates what was dropped, and drift is clean again", async () => {
    fs.writeFileSync(path.join(work, "score.yaml"), [
      "apiVersion: score.dev/v1b1",
      "metadata: { name: web }",
      "containers: { main: { image: web } }",
      "resources:",
      "  db: { type: postgres }",
      "  cache: { type: redis }",
      ""
    ].join("\n"))
    try {
      const applied = await paved(["provision", "apply", "--env", envName, "--workload", "score.yaml", "--format", "json", "--reveal"])
      expect(applied.code, applied.stderr).toBe(0)
      const outputs = JSON.parse(applied.stdout).outputs as Record<string, Record<string, string>>
      const database = outputs["web.db"]!["database"]!
      const cacheUser = outputs["web.cache"]!["username"]!
      psql(`DROP DATABASE "${database}"`)
      redis("ACL", "DELUSER", cacheUser)

      const drift = await paved(["provision", "drift", "--env", envName, "--format", "json"])
      expect(drift.code).toBe(1)
      expect(JSON.parse(drift.stdout).differences.map((d: { resource: string }) => d.resource).sort()).toEqual(["web.cache", "web.db"])
      expect(drift.stderr).toContain(`paved provision refresh --env ${envName}`)

      const refreshed = await paved(["provision", "refresh", "--env", envName, "--format", "json"])
      expect(refreshed.code, refreshed.stderr).toBe(0)
      expect(JSON.parse(refreshed.stdout).repaired.map((d: { resource: string }) => d.resource).sort()).toEqual(["web.cache", "web.db"])
      expect(psql(`SELECT count(*) FROM pg_database WHERE datname = '${database}'`)).toBe("1")
      // The recorded password works again: the user was recreated with it.
      const password = outputs["web.cache"]!["password"]!
      expect(redis("--user", cacheUser, "--pass", password, "--no-auth-warning", "PING")).toBe("PONG")

      const clean = await paved(["provision", "drift", "--env", envName])
      expect(clean.code, clean.stdout).toBe(0)
    } finally {
      await paved(["provision", "destroy", "--env", envName, "--yes"])
    }
  }, 180_000)
})
