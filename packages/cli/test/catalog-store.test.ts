import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { runPaved } from "../../../testing/cli.js"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"
import { execFileSync } from "node:child_process"

const component = (name: string, owner: string, extra = "") => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  tags: [java]
spec:
  type: service
  lifecycle: production
  owner: ${owner}
${extra}`

const group = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: ${name}
spec:
  type: team
  children: []
`

const writeCatalog = (dir: string) => {
  fs.mkdirSync(path.join(dir, "cart"), { recursive: true })
  fs.mkdirSync(path.join(dir, "shop"), { recursive: true })
  fs.mkdirSync(path.join(dir, "teams"), { recursive: true })
  fs.writeFileSync(path.join(dir, "cart/catalog-info.yaml"), component("cart", "team-a"))
  fs.writeFileSync(path.join(dir, "shop/catalog-info.yaml"), component("shop", "team-b", "  dependsOn: [component:cart]\n"))
  fs.writeFileSync(path.join(dir, "teams/catalog-info.yaml"), `${group("team-a")}---\n${group("team-b")}`)
}

const json = (stdout: string): any => JSON.parse(stdout)

describe("paved catalog ingest|query|graph|history|facets", () => {
  let dir = ""
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-cli-store-"))
    writeCatalog(dir)
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it("ingests into .paved/paved.db, then re-ingests as a no-op", async () => {
    const first = await runPaved(["catalog", "ingest", "--format", "json", "."], { cwd: dir })
    expect(first.code).toBe(0)
    expect(json(first.stdout).created).toHaveLength(4)
    expect(fs.existsSync(path.join(dir, ".paved/paved.db"))).toBe(true)
    const again = await runPaved(["catalog", "ingest", "."], { cwd: dir })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("0 created, 0 updated, 4 unchanged")
  }, 300_000)

  it("queries with filters, pages with a cursor, and prints tables", async () => {
    const page = await runPaved(["catalog", "query", "--filter", "kind=component,metadata.tags=JAVA", "--limit", "1", "--format", "json"], { cwd: dir })
    expect(page.code).toBe(0)
    const first = json(page.stdout)
    expect(Object.keys(first).sort()).toEqual(["items", "nextCursor", "totalItems"])
    expect(first.totalItems).toBe(2)
    expect(first.items.map((i: any) => i.ref)).toEqual(["component:default/cart"])
    const next = json((await runPaved(
      ["catalog", "query", "--filter", "kind=component,metadata.tags=JAVA", "--limit", "1", "--cursor", first.nextCursor, "--format", "json"],
      { cwd: dir }
    )).stdout)
    expect(next.items.map((i: any) => i.ref)).toEqual(["component:default/shop"])
    expect(next.nextCursor).toBeNull()
    const or = json((await runPaved(["catalog", "query", "--filter", "kind=group", "--filter", "relations.ownedby=group:default/team-b", "--format", "json"], { cwd: dir })).stdout)
    expect(or.items.map((i: any) => i.ref)).toEqual(["component:default/shop", "group:default/team-a", "group:default/team-b"])
    const table = await runPaved(["catalog", "query", "--text", "cart"], { cwd: dir })
    expect(table.stdout).toMatch(/^REF\s+TYPE\s+OWNER\s+STATUS\s+LOCATION/)
    expect(table.stdout).toContain("component:default/cart  service  group:default/team-a  ok")
    const bad = await runPaved(["catalog", "query", "--filter", "=x"], { cwd: dir })
    expect(bad.code).toBe(2)
  }, 300_000)

  it("facets, graph and history", async () => {
    const facets = json((await runPaved(["catalog", "facets", "spec.owner", "--format", "json"], { cwd: dir })).stdout)
    expect(facets).toEqual({ field: "spec.owner", values: [{ value: "team-a", count: 1 }, { value: "team-b", count: 1 }] })
    const dependents = json((await runPaved(["catalog", "graph", "component:cart", "--direction", "dependents", "--format", "json"], { cwd: dir })).stdout)
    expect(dependents.nodes.map((n: any) => n.ref)).toEqual(["component:default/shop"])
    const blast = await runPaved(["catalog", "graph", "component:cart", "--blast-radius"], { cwd: dir })
    expect(blast.stdout).toContain("1 affected; owners: group:default/team-b (1)")
    const pathOut = await runPaved(["catalog", "graph", "component:shop", "--path-to", "component:cart"], { cwd: dir })
    expect(pathOut.stdout.trim()).toBe("component:default/shop -> component:default/cart")
    const cycles = json((await runPaved(["catalog", "graph", "--cycles", "--format", "json"], { cwd: dir })).stdout)
    expect(cycles).toEqual({ cycles: [] })
    const missing = await runPaved(["catalog", "graph", "component:nope"], { cwd: dir })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("no entity component:nope")

    fs.writeFileSync(path.join(dir, "cart/catalog-info.yaml"), component("cart", "team-b"))
    const changed = await runPaved(["catalog", "ingest", "."], { cwd: dir })
    expect(changed.code, changed.stderr).toBe(0)
    const history = json((await runPaved(["catalog", "history", "component:cart", "--format", "json"], { cwd: dir })).stdout)
    expect(history.entries.map((e: any) => e.change)).toEqual(["updated", "created"])
    expect(history.entries[0]).toMatchObject({ ownerBefore: "group:default/team-a", ownerAfter: "group:default/team-b" })
    const table = await runPaved(["catalog", "history", "component:cart"], { cwd: dir })
    expect(table.stdout, `${table.code} ${table.stderr}`).toContain("owner changed")
  }, 300_000)

  it("keeps the last known good entity of a broken file, visible in queries, and exits 1", async () => {
    fs.writeFileSync(path.join(dir, "shop/catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [shop\n")
    const run = await runPaved(["catalog", "ingest", "--format", "json", "."], { cwd: dir })
    expect(run.code).toBe(1)
    expect(json(run.stdout).lastKnownGood.map((k: any) => k.ref)).toEqual(["component:default/shop"])
    const broken = json((await runPaved(["catalog", "query", "--filter", "paved.problem=error", "--format", "json"], { cwd: dir })).stdout)
    expect(broken.items.map((i: any) => i.ref)).toEqual(["component:default/shop"])
    expect(broken.items[0].entity.spec.owner).toBe("team-b")
    expect(broken.items[0].problems[0].severity).toBe("error")
  }, 300_000)

  it("--db and PAVED_DB_URL pick another store; a bad URL is exit 2", async () => {
    const other = path.join(dir, "other.db")
    expect((await runPaved(["catalog", "ingest", "--db", other, "teams"], { cwd: dir })).code).toBe(0)
    const viaEnv = json((await runPaved(["catalog", "query", "--format", "json"], { cwd: dir, env: { PAVED_DB_URL: `sqlite:${other}` } })).stdout)
    expect(viaEnv.totalItems).toBe(2)
    const unreachable = await runPaved(["catalog", "query", "--db", "postgres://postgres@127.0.0.1:1/none"], { cwd: dir })
    expect(unreachable.code).toBe(2)
    expect(unreachable.stderr).toContain("PostgreSQL")
  }, 300_000)
})

describe.runIf(serverAvailable("postgresql"))("paved catalog on PostgreSQL (--db postgres://...)", () => {
  const name = uniqueName("paved_cli").toLowerCase()
  const url = `postgres://postgres@127.0.0.1:5432/${name}`
  let dir = ""
  beforeAll(() => {
    execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-c", `CREATE DATABASE ${name}`], { stdio: "ignore" })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-cli-pg-"))
    writeCatalog(dir)
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
    execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: "ignore" })
  })

  it("ingests and queries through PAVED_DB_URL", async () => {
    const env = { PAVED_DB_URL: url }
    expect((await runPaved(["catalog", "ingest", "."], { cwd: dir, env })).code).toBe(0)
    const page = json((await runPaved(["catalog", "query", "--filter", "kind=component", "--format", "json"], { cwd: dir, env })).stdout)
    expect(page.items.map((i: any) => i.ref)).toEqual(["component:default/cart", "component:default/shop"])
    expect(fs.existsSync(path.join(dir, ".paved/paved.db"))).toBe(false)
  }, 300_000)
})
