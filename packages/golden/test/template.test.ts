import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Entity } from "@paved/catalog"
import * as Catalog from "@paved/catalog/Catalog"
import { BackstageTemplate, NodeHttpService, Scaffold, Template, TemplateRegistry } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as YAML from "yaml"
import { fileURLToPath } from "node:url"

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "templates")

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

// A template whose file paths come from a parameter, to prove paths are checked after rendering.
const pathFromParameter = Template.make({
  name: "path-from-parameter",
  version: "1.0.0",
  description: "writes <dir>/file.txt",
  parameters: Schema.Struct({ dir: Schema.String }),
  files: (a) => ({ [`${a.dir}/file.txt`]: "x\n" })
})

describe("Template", () => {
  it("every parameter of the shipped template has a default except name", () => {
    for (const t of NodeHttpService.versions) {
      const withoutDefault = t.parameters.filter((p) => p.default === undefined).map((p) => p.name)
      expect(withoutDefault).toEqual(["name"])
      expect(t.parameters.every((p) => p.description.length > 0)).toBe(true)
    }
    const lifecycle = NodeHttpService.latest.parameters.find((p) => p.name === "lifecycle")!
    expect(lifecycle).toMatchObject({ kind: "enum", default: "experimental", choices: ["experimental", "production", "deprecated"] })
    expect(NodeHttpService.latest.parameters.find((p) => p.name === "port")).toMatchObject({ kind: "number", default: 8080 })
  })

  it.effect("fills defaults and records the answers in encoded form", () =>
    Effect.gen(function*() {
      const answers = yield* NodeHttpService.latest.resolveAnswers({ name: "orders", port: 9000 })
      expect(answers).toMatchObject({ name: "orders", port: 9000, database: true, nodeVersion: "20", owner: "group:default/platform-team" })
    }))

  it.effect("rejects a name that would climb out of the output directory", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(NodeHttpService.latest.render({ name: "../../x" }))
      expect(error._tag).toBe("ParameterError")
      expect(error.message).toContain("name")
    }))

  it.effect("refuses rendered paths outside the output directory, whatever the schema allows", () =>
    Effect.gen(function*() {
      for (const dir of ["../..", "/etc", ".paved", "a/../../b"]) {
        const error = yield* Effect.flip(pathFromParameter.render({ dir }))
        expect(error._tag).toBe("UnsafePathError")
      }
      expect(Object.keys(yield* pathFromParameter.render({ dir: "ok/nested" }))).toEqual(["ok/nested/file.txt"])
    }))

  it.scoped("generate writes nothing when a path is unsafe or a file already exists", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const unsafe = yield* Effect.flip(Scaffold.generate({ template: pathFromParameter, answers: { dir: "../escape" }, out: path.join(dir, "svc") }))
      expect(unsafe._tag).toBe("UnsafePathError")
      expect(fs.existsSync(path.join(dir, "escape"))).toBe(false)
      const out = path.join(dir, "orders")
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "orders" }, out })
      fs.writeFileSync(path.join(out, "README.md"), "mine\n")
      const again = yield* Effect.flip(Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "orders" }, out }))
      expect(again._tag).toBe("OutputExists")
      expect(fs.readFileSync(path.join(out, "README.md"), "utf8")).toBe("mine\n")
    }).pipe(Effect.provide(NodeContext.layer)))

  it("orders semver versions, prereleases before releases", () => {
    const sorted = ["1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.9", "1.2.0-alpha", "2.0.0"].sort(Template.compareVersions)
    expect(sorted).toEqual(["0.9.9", "1.2.0-alpha", "1.2.0-rc.1", "1.2.0", "1.10.0", "2.0.0"])
    fc.assert(fc.property(fc.nat(50), fc.nat(50), fc.nat(50), (a, b, c) => {
      const v = `${a}.${b}.${c}`
      return Template.compareVersions(v, v) === 0 && Template.compareVersions(v, `${a}.${b}.${c + 1}`) < 0
    }))
  })
})

describe("TemplateRegistry", () => {
  it.effect("knows every shipped version and the latest", () =>
    Effect.gen(function*() {
      const registry = yield* TemplateRegistry.TemplateRegistry
      expect(registry.versions("node-http-service").map((t) => t.version)).toEqual(["1.0.0", "1.1.0"])
      expect((yield* registry.latest("node-http-service")).version).toBe("1.1.0")
      const missing = yield* Effect.flip(registry.get("node-http-service", "9.9.9"))
      expect(missing.message).toContain("9.9.9")
    }).pipe(Effect.provide(TemplateRegistry.layerBuiltin)))

  it.effect("refuses a duplicate name and version, and an invalid definition", () =>
    Effect.gen(function*() {
      const dup = Template.make({ ...pathFromParameterOptions, description: "other" })
      const error = yield* Effect.flip(TemplateRegistry.make([pathFromParameter, dup]))
      expect(error.reason).toContain("registered twice")
      const bad = Template.make({ ...pathFromParameterOptions, version: "v1" })
      expect((yield* Effect.flip(TemplateRegistry.make([bad]))).reason).toContain("semver")
    }))

  it.effect("loads templates from a directory of modules", () =>
    Effect.gen(function*() {
      const loaded = yield* TemplateRegistry.loadDirectory(fixtures)
      expect(loaded.map((t) => `${t.name}@${t.version}`)).toEqual(["static-site@0.1.0"])
      const files = yield* loaded[0]!.render({ name: "docs" })
      expect(files["index.html"]).toContain("<h1>docs</h1>")
      const error = yield* Effect.flip(TemplateRegistry.loadDirectory(path.join(fixtures, "missing")))
      expect(error._tag).toBe("TemplateLoadError")
    }))
})

describe("TemplateRegistry.loadPackage", () => {
  // The positive case (an ESM-only package with subpath exports, imported by the built binary)
  // is in packages/cli/test/golden.test.ts: under vitest, modules inside node_modules are
  // loaded natively with the @paved/source condition, which a built package does not have.
  it.scoped("says why a package cannot be loaded", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const pkg = path.join(dir, "node_modules", "@acme", "golden-paths")
      fs.mkdirSync(pkg, { recursive: true })
      fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "@acme/golden-paths", exports: { ".": { require: "./index.cjs" } } }))
      const nested = path.join(dir, "services", "web")
      fs.mkdirSync(nested, { recursive: true })
      const missing = yield* Effect.flip(TemplateRegistry.loadPackage("@acme/nothing-here", nested))
      expect(missing.message).toContain("not installed")
      const requireOnly = yield* Effect.flip(TemplateRegistry.loadPackage("@acme/golden-paths", nested))
      expect(requireOnly.message).toContain("does not export \".\" for import")
      const subpath = yield* Effect.flip(TemplateRegistry.loadPackage("@acme/golden-paths/other", nested))
      expect(subpath.message).toContain("does not export \"./other\"")
    }))
})

const pathFromParameterOptions = {
  name: "path-from-parameter",
  version: "1.0.0",
  description: "writes <dir>/file.txt",
  parameters: Schema.Struct({ dir: Schema.String }),
  files: (a: { readonly dir: string }) => ({ [`${a.dir}/file.txt`]: "x\n" })
}

describe("BackstageTemplate", () => {
  it("describes a template as a valid scaffolder.backstage.io/v1beta3 entity and reads it back", () => {
    const entity = BackstageTemplate.toEntity(NodeHttpService.latest)
    expect(Schema.is(Entity.Entity)(entity)).toBe(true)
    expect(entity.apiVersion).toBe("scaffolder.backstage.io/v1beta3")
    const info = BackstageTemplate.fromEntity(entity)
    expect(info).toMatchObject({ ref: "template:default/node-http-service", version: "1.1.0", type: "service" })
    // The template's parameters, then where to publish (the form's second page).
    expect(info.parameters.map((p) => [p.name, p.required, p.default])).toEqual([
      ...NodeHttpService.latest.parameters.map((p) => [p.name, p.required, p.default]),
      ["repoUrl", true, undefined]
    ])
  })

  it.effect("every shipped template version is a Template entity the catalog accepts", () =>
    Effect.gen(function*() {
      for (const t of NodeHttpService.versions) {
        const { entities, problems } = yield* Catalog.validateEntities([BackstageTemplate.toEntity(t)])
        expect(problems, JSON.stringify(problems)).toEqual([])
        expect(entities[0]!.metadata.annotations?.["paved.dev/template-version"]).toBe(t.version)
      }
      // The catalog file holds one entity per template: its latest version.
      const file = BackstageTemplate.catalogFile(NodeHttpService.versions)
      const docs = YAML.parseAllDocuments(file).map((d) => d.toJS() as unknown)
      const { entities, problems } = yield* Catalog.validateEntities(docs)
      expect(problems).toEqual([])
      expect(entities.map((e) => [e.kind, e.metadata.name, e.metadata.annotations?.["paved.dev/template-version"]]))
        .toEqual([["Template", "node-http-service", "1.1.0"]])
    }))

  it("reads parameters from every form step of a hand-written Backstage template", () => {
    const info = BackstageTemplate.fromEntity({
      apiVersion: "scaffolder.backstage.io/v1beta3",
      kind: "Template",
      metadata: { name: "react-app", title: "React app" },
      spec: {
        type: "website",
        owner: "group:web",
        parameters: [
          { title: "Basics", required: ["name"], properties: { name: { type: "string", description: "App name" } } },
          { title: "Options", properties: { router: { type: "string", enum: ["none", "react-router"], default: "none" }, port: { type: "integer" } } }
        ],
        steps: []
      }
    })
    expect(info.parameters).toEqual([
      { name: "name", kind: "string", description: "App name", required: true },
      { name: "router", kind: "enum", description: "", required: false, default: "none", choices: ["none", "react-router"] },
      { name: "port", kind: "number", description: "", required: false }
    ])
  })
})
