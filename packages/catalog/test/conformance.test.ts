/**
 * Backstage's own example entities (`../shared/conformance/backstage`), read as its README says
 * `paved catalog validate` must read them.
 */
import { describe, expect, it } from "@effect/vitest"
import { Catalog, KindRegistry, Kinds } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { conformanceAvailable, conformancePath } from "../../../testing/conformance.js"

const backstage = conformancePath("backstage")
const examples = path.join(backstage, "packages/catalog-model/examples")
const createApp = path.join(backstage, "create-app/templates/default-app/examples")

const exampleInputs = [
  "all.yaml",
  "acme/org.yaml",
  "components/invalid-component.yaml",
  "components/different-namespace.yaml",
  "ai-resources/company-ai-marketplace.yaml"
].map((f) => path.join(examples, f))
const createAppInputs = ["entities.yaml", "org.yaml", "template/template.yaml"].map((f) => path.join(createApp, f))

// create-app's examples are a separate catalog (both define user:default/guest), so each set
// is loaded on its own, as two Backstage instances would.
const loadBoth = Effect.all([Catalog.load(exampleInputs), Catalog.load(createAppInputs)])

const rejectedByDefault = [
  "airesource:default/code-review-plugin",
  "airesource:default/company-ai-tools",
  "airesource:default/frontend-design",
  "airesource:default/use-internal-apis",
  "api:default/local-inference-server",
  "component:default/invalid component"
]

const errorRefs = (result: Catalog.LoadResult) =>
  [...new Set(result.problems.filter((p) => p.severity === "error").map((p) => p.ref))].sort()

describe.runIf(conformanceAvailable("backstage"))("Backstage conformance data", () => {
  it.effect("accepts every valid entity, 77 in all with the 6 that Backstage 1.10 itself rejects", () =>
    Effect.gen(function*() {
      const [ex, app] = yield* loadBoth
      expect(ex.entities.length).toBe(65)
      expect(app.entities.length).toBe(6)
      expect(errorRefs(ex)).toEqual(rejectedByDefault)
      expect(errorRefs(app)).toEqual([])
      expect(ex.entities.length + app.entities.length + rejectedByDefault.length).toBe(77)
      expect(app.entities.map((e) => e.entity.kind).sort()).toEqual(["API", "Component", "Group", "System", "Template", "User"])
      const kinds = new Map<string, number>()
      for (const e of ex.entities) kinds.set(e.entity.kind, (kinds.get(e.entity.kind) ?? 0) + 1)
      expect(Object.fromEntries(kinds)).toEqual({ Location: 8, Group: 9, User: 17, Component: 14, API: 10, Domain: 3, System: 3, Resource: 1 })
    }))

  it.effect("rejects invalid-component.yaml with exactly two positioned problems", () =>
    Effect.gen(function*() {
      const [ex] = yield* loadBoth
      const file = path.join(examples, "components/invalid-component.yaml")
      const problems = ex.problems.filter((p) => p.file === file)
      expect(problems.map(({ line, column, path, rule }) => ({ line, column, path, rule }))).toEqual([
        { line: 4, column: 9, path: "metadata.name", rule: "entity/name" },
        { line: 11, column: 7, path: "metadata.tags[1]", rule: "entity/tag" }
      ])
      expect(problems[0]!.message).toContain("invalid component")
      expect(problems[1]!.message).toContain("go 1.15.3")
      expect(ex.sources.find((s) => s.file === file)?.ok).toBe(false)
    }))

  it.effect("resolves $text next to the entity and reports remote ones as unresolved warnings", () =>
    Effect.gen(function*() {
      const [ex] = yield* loadBoth
      const webhook = ex.entities.find((e) => e.ref === "api:default/petstore-webhook")!
      expect(webhook.entity.spec?.definition).toBe(fs.readFileSync(path.join(examples, "apis/petstore-webhook.oas.yaml"), "utf8"))
      const unresolved = ex.problems.filter((p) => p.rule === "placeholder/unresolved")
      expect(unresolved.map((p) => p.ref).sort()).toEqual(["api:default/spotify", "api:default/wayback-archive", "api:default/wayback-search"])
      expect(unresolved.every((p) => p.severity === "warning" && p.line !== undefined)).toBe(true)
      expect(ex.entities.some((e) => e.ref === "api:default/spotify")).toBe(true)
    }))

  it.effect("accepts owner: guest and reports it as a dangling owner warning", () =>
    Effect.gen(function*() {
      const [ex] = yield* loadBoth
      const ref = "component:default/playback-order"
      const entity = ex.entities.find((e) => e.ref === ref)!
      expect(entity.entity.relations).toContainEqual({ type: "ownedBy", targetRef: "group:default/guest" })
      const dangling = ex.problems.filter((p) => p.ref === ref && p.rule === "integrity/dangling-ref")
      expect(dangling).toEqual([expect.objectContaining({
        severity: "warning",
        path: "spec.owner",
        file: path.join(examples, "components/playback-order-component.yaml"),
        line: 12
      })])
    }))

  it.effect("reports AiResource as an unknown kind without stopping the other entities", () =>
    Effect.gen(function*() {
      const [ex] = yield* loadBoth
      const unknown = ex.problems.filter((p) => p.rule === "entity/unknown-kind")
      expect(unknown.length).toBe(4)
      expect(unknown[0]!.message).toMatch(/Unknown kind "AiResource".*KindRegistry/)
      expect(ex.entities.some((e) => e.ref === "component:default/artist-lookup")).toBe(true)
    }))

  it.effect("accepts the alpha kinds once schemas for them are registered", () =>
    Effect.gen(function*() {
      const AiResourceSpec = Schema.Struct(
        { type: Schema.NonEmptyString, lifecycle: Schema.NonEmptyString, owner: Schema.NonEmptyString },
        Schema.Record({ key: Schema.String, value: Schema.Unknown })
      )
      const ModelServerSpec = Schema.Struct(
        { type: Schema.Literal("ai-model-server"), lifecycle: Schema.NonEmptyString, owner: Schema.NonEmptyString, remotes: Schema.NonEmptyArray(Schema.Struct({ type: Schema.String, url: Schema.String })) },
        Schema.Record({ key: Schema.String, value: Schema.Unknown })
      )
      const registry = KindRegistry.layer([
        KindRegistry.kind({
          kind: "AiResource",
          apiVersions: ["backstage.io/v1alpha1"],
          spec: AiResourceSpec as unknown as Kinds.KindDefinition["spec"],
          relations: [{ field: "owner", relation: "ownedBy", inverse: "ownerOf", defaultKind: "Group" }]
        }),
        KindRegistry.variant("API", "ai-model-server", ModelServerSpec)
      ])
      const ex = yield* Catalog.load(exampleInputs).pipe(Effect.provide(registry))
      expect(errorRefs(ex)).toEqual(["component:default/invalid component"])
      expect(ex.entities.length).toBe(70)
    }))
})
