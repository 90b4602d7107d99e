import { afterAll, describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { runPaved, workspace } from "../../../testing/cli.js"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"

const { dir: work, write } = workspace("paved-cli-provision-")

const score = write("score.yaml", [
  "apiVersion: score.dev/v1b1",
  "metadata:",
  "  name: orders",
  "  annotations:",
  "    paved.dev/owner: group:default/payments",
  "    paved.dev/system: shop",
  "    paved.dev/cost-centre: cc-42",
  "containers:",
  "  main:",
  "    image: orders",
  "    variables:",
  "      DATABASE_URL: ${resources.db.url}",
  "      FILES: ${resources.files.path}",
  "resources:",
  "  db:",
  "    type: postgres",
  "  files:",
  "    type: volume"
].join("\n"))

const env = { PAVED_POSTGRES_URL: "postgres://postgres@127.0.0.1:5432/postgres", PAVED_SECRET_KEY: "cd".repeat(32) }

describe("paved provision", () => {
  it("plans as JSON with the documented shape", async () => {
    const run = await runPaved(["provision", "plan", "--env", "cli-plan", "--workload", score, "--format", "json"], { cwd: work, env })
    expect(run.code, run.stderr).toBe(0)
    const plan = JSON.parse(run.stdout)
    expect(plan).toEqual({
      env: "cli-plan",
      envType: "development",
      changes: [
        { action: "create", resource: "orders.db", type: "postgres", class: "default", reason: "not provisioned yet" },
        { action: "create", resource: "orders.files", type: "volume", class: "default", reason: "not provisioned yet" }
      ],
      violations: []
    })
  })

  it("exits 1 with file:line problems for an unknown output or an unsupported type", async () => {
    const bad = write("bad/score.yaml", [
      "apiVersion: score.dev/v1b1",
      "metadata: { name: bad }",
      "containers: { main: { image: x, variables: { H: '${resources.db.hostname}' } } }",
      "resources:",
      "  db: { type: postgres }",
      "  dns: { type: dns }"
    ].join("\n"))
    const run = await runPaved(["provision", "plan", "--env", "e", "--workload", bad], { cwd: work, env })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`${bad}:3:`)
    expect(run.stderr).toContain("score/unknown-output")
    const unsupported = write("unsupported/score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: bad }\ncontainers: { main: { image: x } }\nresources:\n  docs: { type: mongodb }\n")
    const second = await runPaved(["provision", "plan", "--env", "e", "--workload", unsupported], { cwd: work, env })
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`${unsupported}:5:3 error provision/unsupported-type no provisioner for type mongodb in environment type development`)
  })

  it("refuses a production plan that violates mandatory standards, listing each violation", async () => {
    const untagged = write("untagged/score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: web }\ncontainers: { main: { image: x } }\nresources:\n  db: { type: postgres, class: tiny }\n")
    const run = await runPaved(["provision", "plan", "--env", "prod", "--env-type", "production", "--workload", untagged, "--format", "json"], { cwd: work, env })
    expect(run.code).toBe(1)
    const plan = JSON.parse(run.stdout)
    expect(plan.violations.map((v: { policy: string }) => v.policy)).toEqual(["allowed-classes", "required-tags"])
    expect(run.stderr).toContain("refused")
  })

  it("takes requests and tags from catalog entities (--entity)", async () => {
    write("catalog/catalog-info.yaml", [
      "apiVersion: backstage.io/v1alpha1",
      "kind: Resource",
      "metadata:",
      "  name: ledger-db",
      "  annotations: { paved.dev/cost-centre: cc-9 }",
      "spec: { type: database, owner: group:default/finance, system: ledger }",
      "---",
      "apiVersion: backstage.io/v1alpha1",
      "kind: Component",
      "metadata: { name: ledger, annotations: { paved.dev/cost-centre: cc-9 } }",
      "spec: { type: service, lifecycle: production, owner: group:default/finance, system: ledger }"
    ].join("\n"))
    write("catalog/score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: ledger }\ncontainers: { main: { image: x } }\nresources:\n  cache: { type: redis }\n")
    const run = await runPaved([
      "provision", "plan", "--env", "prod", "--env-type", "production", "--catalog", path.join(work, "catalog"),
      "--entity", "resource:ledger-db", "--entity", "ledger", "--format", "json"
    ], { cwd: work, env })
    expect(run.code, run.stderr).toBe(0)
    const plan = JSON.parse(run.stdout)
    expect(plan.changes.map((c: { resource: string; type: string }) => [c.resource, c.type])).toEqual([["ledger-db", "postgres"], ["ledger.cache", "redis"]])
    expect(plan.violations).toEqual([])
  })

  it("finds a component's workload through paved.dev/workload, as paved env up does", async () => {
    write("annotated/catalog-info.yaml", [
      "apiVersion: backstage.io/v1alpha1",
      "kind: Component",
      "metadata: { name: payments, annotations: { paved.dev/workload: deploy/payments.score.yaml } }",
      "spec: { type: service, lifecycle: production, owner: group:default/finance }"
    ].join("\n"))
    // No score.yaml beside the catalog file: only the annotated file holds the workload.
    write("annotated/deploy/payments.score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: payments }\ncontainers: { main: { image: x } }\nresources:\n  files: { type: volume }\n")
    const run = await runPaved([
      "provision", "plan", "--env", "dev", "--catalog", path.join(work, "annotated"), "--entity", "payments", "--format", "json"
    ], { cwd: work, env })
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).changes.map((c: { resource: string }) => c.resource)).toEqual(["payments.files"])
  })

  describe.runIf(serverAvailable("postgresql"))("against the local PostgreSQL server", () => {
    const name = uniqueName("cli").replace(/_/g, "-")
    afterAll(async () => {
      await runPaved(["provision", "destroy", "--env", name, "--yes"], { cwd: work, env })
    })

    it("applies with progress on stderr, hides secrets unless --reveal, finds drift and destroys", async () => {
      const applied = await runPaved(["provision", "apply", "--env", name, "--workload", score, "--format", "json"], { cwd: work, env })
      expect(applied.code, applied.stderr).toBe(0)
      expect(applied.stderr).toMatch(/\[1\/2\] create orders\.(db|files) \.\.\./)
      const result = JSON.parse(applied.stdout)
      expect(result.outputs["orders.db"].password).toBe("<redacted>")
      expect(fs.readFileSync(path.join(work, ".paved/paved.db")).includes(Buffer.from("postgres://"))).toBe(false)

      const hidden = await runPaved(["provision", "outputs", "--env", name], { cwd: work, env })
      expect(hidden.stdout).toContain("<redacted>")
      const shown = await runPaved(["provision", "outputs", "--env", name, "--reveal", "--format", "json"], { cwd: work, env })
      const revealed = JSON.parse(shown.stdout).outputs["orders.db"]
      expect(revealed.password).not.toBe("<redacted>")
      expect(revealed.url).toContain(revealed.password)

      expect((await runPaved(["provision", "drift", "--env", name], { cwd: work, env })).code).toBe(0)
      fs.rmSync(JSON.parse(shown.stdout).outputs["orders.files"].path, { recursive: true })
      const drift = await runPaved(["provision", "drift", "--env", name, "--format", "json"], { cwd: work, env })
      expect(drift.code).toBe(1)
      expect(JSON.parse(drift.stdout).differences[0].resource).toBe("orders.files")

      const destroyed = await runPaved(["provision", "destroy", "--env", name, "--yes", "--format", "json"], { cwd: work, env })
      expect(destroyed.code, destroyed.stderr).toBe(0)
      expect(JSON.parse(destroyed.stdout).destroyed.sort()).toEqual(["orders.db", "orders.files"])
    })
  })
})
