import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { EntityRef } from "@paved/catalog"
import { Conformance, NodeHttpService, Scaffold, TemplateRegistry } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const ref = (s: string) => s as EntityRef.EntityRef

describe("Conformance", () => {
  it.scoped("reports drift as catalog facts a scorecard rule can read", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const clean = path.join(root, "clean")
      const edited = path.join(root, "edited")
      const unmanaged = path.join(root, "unmanaged")
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "clean" }, out: clean })
      yield* Scaffold.generate({ template: NodeHttpService.v1_0_0, answers: { name: "edited" }, out: edited })
      fs.appendFileSync(path.join(edited, "Dockerfile"), "RUN echo hi\n")
      fs.mkdirSync(unmanaged)
      fs.writeFileSync(path.join(unmanaged, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: unmanaged\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/a\n")

      const source = yield* Conformance.factSource([clean, edited, unmanaged])
      expect(source.id).toBe("golden")
      const read = (entity: string, key: string) =>
        source.read(ref(entity), key).pipe(Effect.map(Option.map((f) => f.value)), Effect.map(Option.getOrUndefined))
      expect(yield* read("component:default/clean", "drift")).toBe(false)
      expect(yield* read("component:default/clean", "upToDate")).toBe(true)
      expect(yield* read("component:default/edited", "drift")).toBe(true)
      expect(yield* read("component:default/edited", "upToDate")).toBe(false)
      expect(yield* read("component:default/edited", "driftedFiles")).toEqual(["Dockerfile"])
      expect(yield* read("component:default/edited", "latest")).toBe("1.1.0")
      // No manifest: no facts, so a rule reports unknown rather than guessing.
      expect(yield* read("component:default/unmanaged", "drift")).toBeUndefined()
    }).pipe(Effect.provide(Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer))))

  it.scoped("a directory that was not generated is an error naming the manifest", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const error = yield* Effect.flip(Conformance.checkService(dir))
      expect(error._tag).toBe("ManifestError")
      expect(error.message).toContain(".paved/template.json")
    }).pipe(Effect.provide(Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer))))
})
