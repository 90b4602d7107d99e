/**
 * Loading files: hostile inputs (alias bombs, huge files, escapes, non-objects, invalid UTF-8),
 * multi-document files, Locations (relative targets, presence, cycles), placeholders,
 * relations with their inverses, and integrity (dangling, wrong kind, cycles, policy).
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-catalog-load-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const write = (name: string, content: string | Buffer) => {
  const file = path.join(dir, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
  return file
}

const component = (name: string, spec = "") =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n${spec}`
const group = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n"

describe("hostile inputs", () => {
  it.effect("an alias bomb is stopped by maxAliasCount, and the next file still loads", () =>
    Effect.gen(function*() {
      const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
      for (let i = 1; i < 9; i++) levels.push(`${"b".repeat(i)}: &${"b".repeat(i)} [${Array(9).fill(i === 1 ? "*a" : `*${"b".repeat(i - 1)}`).join(", ")}]`)
      const bomb = write("bomb/catalog-info.yaml", levels.join("\n") + "\n")
      const ok = write("bomb-neighbour/catalog-info.yaml", component("fine"))
      const result = yield* Catalog.load([bomb, ok])
      expect(result.problems.find((p) => p.file === bomb)?.rule).toBe("yaml/alias-limit")
      expect(result.entities.map((e) => e.ref)).toEqual(["component:default/fine"])
      expect(result.sources).toEqual([{ file: ok, location: `file:${ok}`, ok: true }, { file: bomb, location: `file:${bomb}`, ok: false }])
    }))

  it.effect("a file above maxFileBytes is refused before it is read", () =>
    Effect.gen(function*() {
      const big = write("big.yaml", "# " + "x".repeat(2 * 1024 * 1024) + "\n" + component("big"))
      const result = yield* Catalog.load([big], { maxFileBytes: 1024 * 1024 })
      expect(result.problems.map((p) => p.rule)).toEqual(["file/too-large"])
      expect(result.problems[0]!.message).toContain("maxFileBytes")
    }))

  it.effect("Location targets and placeholders cannot leave the root directory", () =>
    Effect.gen(function*() {
      const file = write("escape/catalog-info.yaml", [
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: escape\nspec:\n  targets:\n    - ../../../../../../etc/passwd\n",
        "---\n" + component("leaky").replace("  owner: team-a\n", "  owner: team-a\n  description:\n    $text: ../../../../../../etc/passwd\n")
      ].join(""))
      const result = yield* Catalog.load([file])
      const escapes = result.problems.filter((p) => p.rule === "location/escape")
      expect(escapes.map((p) => [p.path, p.line])).toEqual([["spec.targets[0]", 7], ["spec.description.$text", 18]])
      expect(result.sources.map((s) => s.file)).toEqual([file])
    }))

  it.effect("a symbolic link inside the root that points outside it is an escape too", () =>
    Effect.gen(function*() {
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), "paved-catalog-outside-"))
      try {
        fs.writeFileSync(path.join(outside, "secret.yaml"), component("secret"))
        fs.mkdirSync(path.join(dir, "links"), { recursive: true })
        fs.symlinkSync(path.join(outside, "secret.yaml"), path.join(dir, "links/secret.yaml"))
        const file = write("links/catalog-info.yaml", [
          "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: links\nspec:\n  targets: [./secret.yaml]\n",
          component("reader").replace("  owner: team-a\n", "  owner: team-a\n  description:\n    $text: ./secret.yaml\n")
        ].join("---\n"))
        const result = yield* Catalog.load([file], { integrity: false })
        expect(result.problems.map((p) => [p.rule, p.path, p.line])).toEqual([["location/escape", "spec.targets[0]", 6], ["location/escape", "spec.description.$text", 17]])
        expect(result.entities.map((e) => e.ref)).toEqual(["location:default/links"])
      } finally {
        fs.rmSync(outside, { recursive: true, force: true })
      }
    }))

  it.effect("non-object documents, YAML errors and invalid UTF-8 are clear problems", () =>
    Effect.gen(function*() {
      const scalar = write("odd/scalar.yaml", "just a string\n---\n- a\n- list\n---\n" + component("after-odd-docs"))
      const broken = write("odd/broken.yaml", "apiVersion: backstage.io/v1alpha1\nkind: [Component\n")
      const binary = write("odd/binary.yaml", Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a]))
      const result = yield* Catalog.load([scalar, broken, binary], { integrity: false })
      expect(result.problems.filter((p) => p.file === scalar).map((p) => [p.rule, p.line])).toEqual([["entity/not-object", 1], ["entity/not-object", 3]])
      expect(result.problems.find((p) => p.file === broken)).toMatchObject({ rule: "yaml/parse", line: 3 })
      expect(result.problems.find((p) => p.file === binary)).toMatchObject({ rule: "file/encoding" })
      expect(result.entities.map((e) => e.ref)).toEqual(["component:default/after-odd-docs"])
    }))

  it.effect("too many documents are cut at maxDocuments", () =>
    Effect.gen(function*() {
      const many = write("many.yaml", Array.from({ length: 5 }, (_, i) => component(`c${i}`)).join("---\n"))
      const result = yield* Catalog.load([many], { maxDocuments: 3, integrity: false })
      expect(result.entities.length).toBe(3)
      expect(result.problems.map((p) => p.rule)).toEqual(["yaml/too-many-documents"])
    }))
})

describe("locations, placeholders and directories", () => {
  it.effect("follows relative targets once, honours presence, and survives cycles", () =>
    Effect.gen(function*() {
      const loc = (name: string, targets: Array<string>, presence = "required") =>
        `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: ${name}\nspec:\n  presence: ${presence}\n  targets:\n${targets.map((t) => `    - ${t}\n`).join("")}`
      const root = write("loc/root.yaml", loc("root", ["./teams/org.yaml", "./missing.yaml"]))
      write("loc/teams/org.yaml", group + "---\n" + loc("back", ["../root.yaml", "./gone.yaml"], "optional"))
      const result = yield* Catalog.load([root])
      expect(result.entities.map((e) => e.ref).sort()).toEqual(["group:default/team-a", "location:default/back", "location:default/root"])
      expect(result.problems.map((p) => [p.rule, p.path, p.line])).toEqual([["location/not-found", "spec.targets[1]", 9]])
      expect(result.entities.find((e) => e.ref === "group:default/team-a")!.location).toBe(`file:${path.join(dir, "loc/teams/org.yaml")}`)
    }))

  it.effect("resolves $text, $json and $yaml relative to the file", () =>
    Effect.gen(function*() {
      write("ph/api.graphql", "type Query { hello: String }\n")
      write("ph/extra.json", "{\"a\": [1, 2]}")
      write("ph/extra.yaml", "b: true\n")
      const file = write("ph/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: hello\nspec:\n  type: graphql\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./api.graphql\n  json:\n    $json: ./extra.json\n  yaml:\n    $yaml: ./extra.yaml\n")
      const result = yield* Catalog.load([file], { integrity: false })
      expect(result.problems).toEqual([])
      expect(result.entities[0]!.entity.spec).toMatchObject({ definition: "type Query { hello: String }\n", json: { a: [1, 2] }, yaml: { b: true } })
    }))

  it.effect("a directory yields every catalog-info.yaml below it; duplicates are rejected", () =>
    Effect.gen(function*() {
      const base = path.join(dir, "tree")
      write("tree/a/catalog-info.yaml", component("svc-a"))
      write("tree/b/c/catalog-info.yml", component("svc-a"))
      write("tree/b/notes.yaml", "not: a catalog file\n")
      const result = yield* Catalog.load([base], { integrity: false })
      expect(result.entities.map((e) => e.ref)).toEqual(["component:default/svc-a"])
      expect(result.problems.map((p) => p.rule)).toEqual(["entity/duplicate"])
    }))
})

describe("relations and integrity", () => {
  it.effect("fills both sides of every relation and reports dangling, wrong-kind and cyclic refs", () =>
    Effect.gen(function*() {
      const file = write("graph/catalog-info.yaml", [
        group,
        component("web", "  system: shop\n  providesApis: [orders]\n  dependsOn: [component:worker]\n"),
        component("worker", "  dependsOn: [component:web]\n"),
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: orders\nspec:\n  type: openapi\n  lifecycle: production\n  owner: component:web\n  definition: x\n"
      ].join("---\n"))
      const result = yield* Catalog.load([file])
      const web = result.entities.find((e) => e.ref === "component:default/web")!.entity
      expect(web.relations).toEqual([
        { type: "dependencyOf", targetRef: "component:default/worker" },
        { type: "dependsOn", targetRef: "component:default/worker" },
        { type: "ownedBy", targetRef: "group:default/team-a" },
        { type: "ownerOf", targetRef: "api:default/orders" },
        { type: "partOf", targetRef: "system:default/shop" },
        { type: "providesApi", targetRef: "api:default/orders" }
      ])
      const team = result.entities.find((e) => e.ref === "group:default/team-a")!.entity
      expect(team.relations).toEqual([
        { type: "ownerOf", targetRef: "component:default/web" },
        { type: "ownerOf", targetRef: "component:default/worker" }
      ])
      const found = result.problems.map((p) => [p.severity, p.rule, p.ref, p.path, p.line])
      expect(found).toContainEqual(["warning", "integrity/dangling-ref", "component:default/web", "spec.system", 17])
      expect(found).toContainEqual(["error", "integrity/wrong-kind", "api:default/orders", "spec.owner", 38])
      expect(found.filter((p) => p[1] === "integrity/cycle")).toEqual([["error", "integrity/cycle", "component:default/web", "spec.dependsOn[0]", 19]])
      const relaxed = yield* Catalog.load([file], { integrity: { danglingRef: "off", wrongKind: "warning", cycle: "off" } })
      expect(relaxed.problems.map((p) => [p.severity, p.rule])).toEqual([["warning", "integrity/wrong-kind"]])
    }))
})
