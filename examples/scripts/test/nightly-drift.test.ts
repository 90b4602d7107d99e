/**
 * The nightly drift report over real parts: spans in an SQLite span store, and a database
 * provisioned on the local PostgreSQL server and then dropped behind Paved's back.
 */
import { describe, expect, it } from "@effect/vitest"
import { Span, SpanStore } from "@paved/observe"
import { Provision, Request } from "@paved/provision"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"
import { nightlyDrift } from "../src/nightly-drift.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const demoOrg = path.join(repoRoot, "examples/demo-org")
const SERVER = "postgres://postgres@127.0.0.1:5432/postgres"

const span = (over: Partial<Span.SpanRecord>): Span.SpanRecord => ({
  traceId: "t1",
  spanId: "s1",
  parentSpanId: "",
  service: "storefront",
  namespace: "default",
  entityRef: "component:default/storefront",
  name: "GET /",
  kind: 2,
  startUs: Date.now() * 1000,
  durationUs: 1000,
  status: 0,
  statusMessage: "",
  peer: "",
  attributes: {},
  resource: {},
  events: [],
  ...over
})

describe.runIf(serverAvailable("postgresql"))("nightly drift", () => {
  it("reports the dangling owner, the undeclared call and the dropped database together", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-drift-"))
    const spans = path.join(dir, "spans.db")
    const state = path.join(dir, "state.db")
    const env = uniqueName("nightly").replace(/_/g, "-")
    try {
      // storefront -> catalog-api, which storefront's catalog entry does not declare.
      await Effect.runPromise(Effect.flatMap(SpanStore.SpanStore, (store) => store.insertSpans([
        span({ spanId: "a", kind: 3, name: "GET catalog-api" }),
        span({ spanId: "b", parentSpanId: "a", service: "catalog-api", entityRef: "component:default/catalog-api", name: "GET /books" })
      ])).pipe(Effect.provide(SpanStore.layerSqlite({ filename: spans }))))

      const local = Provision.layerLocal({ dir, stateUrl: state, postgres: SERVER })
      const applied = await Effect.runPromise(Provision.apply({
        env,
        envType: "development",
        requests: [Request.make({ key: "db", type: "postgres", tags: { owner: "group:default/platform", system: "ops", "cost-centre": "cc-1" } })]
      }).pipe(Effect.provide(local)))
      const database = String(applied.outputs["db"]!["database"])
      execFileSync("psql", [SERVER, "-qc", `DROP DATABASE "${database}" WITH (FORCE)`])

      const outcome = await Effect.runPromise(nightlyDrift({ catalog: [demoOrg], spans, state, postgres: SERVER, dir }))
      expect(outcome.failed).toBe(true)
      expect(outcome.report.catalog.map((c) => c.rule)).toEqual(["integrity/dangling-ref"])
      expect(outcome.report.telemetry).toContainEqual({ edge: "component:default/storefront -> component:default/catalog-api", kind: "undeclared" })
      expect(outcome.report.provisioned).toEqual([{ env, resource: "db", type: "postgres", difference: `database ${database} does not exist` }])

      await Effect.runPromise(Provision.destroy(env).pipe(Effect.provide(local)))
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
