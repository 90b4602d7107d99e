/**
 * The demo organisation's services record their template only in the `paved.dev/template` and
 * `paved.dev/template-version` annotations. The advice `paved demo` prints for orders-api
 * ("run paved golden update in the service's directory") must work on them.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Conformance, Manifest, TemplateRegistry, Update } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/demo-org")
const TestLayer = Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer)

const tempCopy = (from: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-adopt-"))
      fs.cpSync(from, path.join(root, path.basename(from)), { recursive: true })
      return path.join(root, path.basename(from))
    }),
    (dir) => Effect.sync(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }))
  )

describe("services that adopted a template by annotation (the demo organisation)", () => {
  it.effect("golden check on the organisation finds its three services; orders-api is behind, none drifts", () =>
    Effect.gen(function*() {
      const services = yield* Conformance.findServices([demo])
      expect(services.map((s) => path.relative(demo, s))).toEqual(["services/catalog-api", "services/orders-api", "services/storefront"])
      const checks = yield* Conformance.checkServices(services)
      expect(checks.map((c) => [path.basename(c.dir), c.version, c.upToDate, c.drift, c.recordedBy])).toEqual([
        ["catalog-api", "1.1.0", true, false, "annotation"],
        ["orders-api", "1.0.0", false, false, "annotation"],
        ["storefront", "1.1.0", true, false, "annotation"]
      ])
      expect(checks[1]!.notAdopted).toContain("Dockerfile")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a dry-run update of orders-api plans 1.0.0 -> 1.1.0 and writes nothing", () =>
    Effect.gen(function*() {
      const dir = path.join(demo, "services/orders-api")
      const before = fs.readdirSync(dir).sort()
      const result = yield* Update.updateService(dir, { dryRun: true })
      expect(result).toMatchObject({ from: "1.0.0", to: "1.1.0", written: false, conflicts: [] })
      expect(Object.fromEntries(result.files.map((f) => [f.path, f.action]))).toMatchObject({
        "catalog-info.yaml": "merged",
        "Dockerfile": "added"
      })
      expect(fs.readdirSync(dir).sort()).toEqual(before)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("the update merges the entity key by key and records a manifest; then the service conforms", () =>
    Effect.gen(function*() {
      const dir = yield* tempCopy(path.join(demo, "services/orders-api"))
      const original = fs.readFileSync(path.join(dir, "catalog-info.yaml"), "utf8")
      const result = yield* Update.updateService(dir)
      expect(result.conflicts).toEqual([])
      const merged = fs.readFileSync(path.join(dir, "catalog-info.yaml"), "utf8")
      // The team's keys stay as written; the template's keys move to 1.1.0.
      expect(merged).toBe(
        original.replace("paved.dev/template-version: \"1.0.0\"", "paved.dev/template-version: \"1.1.0\"\n    paved.dev/cost-centre: engineering")
      )
      expect(fs.readFileSync(path.join(dir, "server.mjs"), "utf8")).toBe(fs.readFileSync(path.join(demo, "services/orders-api/server.mjs"), "utf8"))
      expect(yield* Manifest.readOrInfer(dir)).toMatchObject({ source: "manifest", manifest: { version: "1.1.0", answers: { name: "orders-api", owner: "commerce" } } })
      const check = yield* Conformance.checkService(dir)
      expect(check).toMatchObject({ upToDate: true, drift: false, notAdopted: [], recordedBy: "manifest" })
    }).pipe(Effect.provide(TestLayer)))
})
