import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import { Request } from "@paved/provision"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-gather-"))
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  fs.writeFileSync(path.join(dir, file), text)
}
write("payments/catalog-info.yaml", [
  "apiVersion: backstage.io/v1alpha1",
  "kind: Component",
  "metadata: { name: payments, annotations: { paved.dev/workload: deploy/payments.score.yaml } }",
  "spec: { type: service, lifecycle: production, owner: group:default/finance }"
].join("\n"))
write("payments/deploy/payments.score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: payments }\ncontainers: { main: { image: x } }\nresources:\n  files: { type: volume }\n")
write("orders/catalog-info.yaml", [
  "apiVersion: backstage.io/v1alpha1",
  "kind: Component",
  "metadata: { name: orders }",
  "spec: { type: service, lifecycle: production, owner: group:default/shop }",
  "---",
  "apiVersion: backstage.io/v1alpha1",
  "kind: Resource",
  "metadata: { name: ledger-db }",
  "spec: { type: database, owner: group:default/finance }",
].join("\n"))
write("orders/score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: orders }\ncontainers: { main: { image: x } }\nresources:\n  cache: { type: redis }\n")
write("broken.score.yaml", "apiVersion: score.dev/v1b1\nmetadata: { name: broken }\ncontainers: { main: { image: x } }\nresources:\n  db: { class: large }\n")

const entries = Effect.map(Catalog.load([dir]), (loaded) => {
  const byName = new Map(loaded.entities.map((e) => [e.entity.metadata.name, e]))
  return (...names: ReadonlyArray<string>) => names.map((n) => byName.get(n)!)
})

describe("Request.fromCatalog / fromScoreFiles", () => {
  it.effect("a component's workload is found through paved.dev/workload and tagged with the component", () =>
    Effect.gen(function*() {
      const pick = yield* entries
      const gathered = yield* Request.fromCatalog(pick("payments"))
      expect(gathered.problems).toEqual([])
      expect(gathered.requests.map((r) => [r.key, r.type, r.tags["owner"], r.entityRef])).toEqual([
        ["payments.files", "volume", "group:default/finance", "component:default/payments"]
      ])
      expect(gathered.requests[0]!.source.file).toBe(path.join(dir, "payments/deploy/payments.score.yaml"))
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("Resource entities are requests located at the entity; each component keeps its own tags", () =>
    Effect.gen(function*() {
      const pick = yield* entries
      const gathered = yield* Request.fromCatalog(pick("ledger-db", "orders", "payments"))
      expect(gathered.problems).toEqual([])
      expect(gathered.requests.map((r) => [r.key, r.type, r.tags["entity"]])).toEqual([
        ["ledger-db", "postgres", "resource:default/ledger-db"],
        ["orders.cache", "redis", "component:default/orders"],
        ["payments.files", "volume", "component:default/payments"]
      ])
      expect(gathered.requests[0]!.source).toMatchObject({ file: path.join(dir, "orders/catalog-info.yaml") })
      expect(gathered.requests[0]!.source.line).toBeGreaterThan(1)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("given workload files replace the components' own and carry their tags; problems are gathered, not thrown", () =>
    Effect.gen(function*() {
      const pick = yield* entries
      // A Resource without spec.type does not pass catalog validation; a script may still hand one in.
      const untyped = { entity: { apiVersion: "backstage.io/v1alpha1", kind: "Resource", metadata: { name: "untyped" }, spec: {} }, file: "<script>" }
      const gathered = yield* Request.fromCatalog([untyped, ...pick("orders")], {
        workloadFiles: [path.join(dir, "payments/deploy/payments.score.yaml"), path.join(dir, "broken.score.yaml")]
      })
      expect(gathered.requests.map((r) => [r.key, r.tags["owner"]])).toEqual([["payments.files", "group:default/shop"]])
      expect(gathered.problems.map((p) => p.rule)).toContain("request/entity")
      expect(gathered.problems.some((p) => p.file === path.join(dir, "broken.score.yaml"))).toBe(true)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("a missing workload file is WorkloadUnreadable naming the file", () =>
    Effect.gen(function*() {
      const missing = path.join(dir, "nowhere/score.yaml")
      const error = yield* Effect.flip(Request.fromScoreFiles([missing]))
      expect(error._tag).toBe("WorkloadUnreadable")
      expect(error.file).toBe(missing)
      expect(error.message).toMatch(/^cannot read .*nowhere\/score\.yaml: /)
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
