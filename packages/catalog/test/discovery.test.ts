/**
 * What loading reads, and what it refuses to read: directories of Backstage-style catalog repos
 * (every YAML file that declares catalog entities, other YAML skipped and counted), inputs that
 * match nothing, Location globs through symbolic links (security review, defect 5), files with
 * more documents than the limit (defect 19, in a child process whose heap could not hold them),
 * relative `url` Location targets, and a `$text` that points at nothing.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Catalog, KindRegistry } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "paved-catalog-discovery-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const write = (file: string, content: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
  return file
}

const component = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`

/** A copy of the Backstage-style fixture repo, with the directories git cannot keep in a fixture. */
const backstageRepo = (name: string): string => {
  const repo = path.join(scratch, name)
  fs.cpSync(path.join(here, "fixtures", "backstage-repo"), repo, { recursive: true })
  write(path.join(repo, "node_modules", "some-dep", "catalog-info.yaml"), component("from-node-modules"))
  write(path.join(repo, ".git", "catalog-info.yaml"), component("from-git"))
  write(path.join(repo, ".paved", "catalog-info.yaml"), component("from-paved"))
  write(path.join(repo, ".github", "workflows", "ci.yaml"), "name: ci\non: [push]\njobs: {}\n")
  return repo
}

describe("directories of a Backstage-style catalog repository", () => {
  it.effect("read every YAML file that declares catalog entities, whatever its name, and skip the rest", () =>
    Effect.gen(function*() {
      const repo = backstageRepo("repo")
      const result = yield* Catalog.load([repo])
      expect(result.entities.map((e) => e.ref).sort()).toEqual([
        "api:default/payments-api",
        "component:default/cart",
        "group:default/payments-team",
        "group:default/platform",
        "location:default/example-all",
        "system:default/payments",
        "system:default/shop",
        "template:default/service",
        "user:default/ada"
      ])
      expect(result.problems.filter((p) => p.severity === "error")).toEqual([])
      // Kubernetes, CI and OpenAPI YAML: skipped, not reported, but counted.
      expect(result.skipped.map((f) => path.relative(repo, f))).toEqual([
        "ci/workflow.yml",
        "components/payments/api/openapi.yaml",
        "deploy/k8s/deployment.yaml"
      ])
      expect(result.sources.map((s) => path.relative(repo, s.file))).toEqual([
        "all.yaml",
        "components/cart/catalog-info.yaml",
        "components/payments/api/payments-api.yaml",
        "org.yaml",
        "systems/payments.yaml",
        "systems/shop.yml",
        "templates/service/template.yaml"
      ])
    }))

  it.effect("an apiVersion that a registered kind declares makes a file a catalog file", () =>
    Effect.gen(function*() {
      const dir = path.join(scratch, "custom-kind")
      write(path.join(dir, "envs.yaml"), "apiVersion: example.com/v1\nkind: Environment\nmetadata:\n  name: dev\nspec:\n  tier: dev\n")
      write(path.join(dir, "other.yaml"), "apiVersion: example.org/v1\nkind: Environment\nmetadata:\n  name: ignored\n")
      const registry = KindRegistry.layer([KindRegistry.kind({ kind: "Environment", apiVersions: ["example.com/v1"], spec: Schema.Struct({ tier: Schema.String }) as never, relations: [] })])
      const result = yield* Effect.provide(Catalog.load([dir]), registry)
      expect(result.entities.map((e) => e.ref)).toEqual(["environment:default/dev"])
      expect(result.skipped.map((f) => path.basename(f))).toEqual(["other.yaml"])
    }))

  it.effect("explicit files and globs validate everything they name, catalog or not", () =>
    Effect.gen(function*() {
      const repo = backstageRepo("explicit")
      const result = yield* Catalog.load([path.join(repo, "deploy", "k8s", "deployment.yaml"), `${repo}/ci/*.yml`])
      expect(result.skipped).toEqual([])
      expect(result.problems.filter((p) => p.rule === "entity/unknown-kind").map((p) => path.relative(repo, p.file!))).toEqual([
        "deploy/k8s/deployment.yaml",
        "deploy/k8s/deployment.yaml"
      ])
      expect(result.problems.some((p) => p.file?.endsWith("workflow.yml") && p.severity === "error")).toBe(true)
    }))
})

describe("an input that matches nothing", () => {
  it.effect("is an error, for a glob, an empty directory and a directory of other YAML", () =>
    Effect.gen(function*() {
      const empty = path.join(scratch, "empty")
      fs.mkdirSync(empty, { recursive: true })
      const k8s = path.join(scratch, "k8s-only")
      write(path.join(k8s, "deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n")
      const result = yield* Catalog.load([`${scratch}/nothing-here/*.yaml`, empty, k8s])
      expect(result.problems.map((p) => [p.severity, p.rule, p.file])).toEqual([
        ["error", "input/no-match", empty],
        ["error", "input/no-match", k8s],
        ["error", "input/no-match", `${scratch}/nothing-here/*.yaml`]
      ])
      expect(result.problems.find((p) => p.file === k8s)?.message).toContain("None of the 1 YAML files")
    }))
})

describe("Location globs and symbolic links (security review, defect 5)", () => {
  const location = (target: string) =>
    `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: g\nspec:\n  targets: ["${target}"]\n`

  it.effect("a glob through a link to a directory outside the root reads nothing there", () =>
    Effect.gen(function*() {
      const outside = path.join(scratch, "outside-secret")
      write(path.join(outside, "catalog-info.yaml"), component("outside-secret-component"))
      const root = path.join(scratch, "link-root")
      write(path.join(root, "catalog-info.yaml"), location("./linkdir/*.yaml"))
      fs.symlinkSync(outside, path.join(root, "linkdir"))
      const result = yield* Catalog.load([root])
      expect(result.entities.map((e) => e.ref)).toEqual(["location:default/g"])
      expect(result.problems.map((p) => [p.rule, p.line, p.path])).toEqual([["location/escape", 6, "spec.targets[0]"]])
      expect(result.sources.map((s) => s.file)).toEqual([path.join(root, "catalog-info.yaml")])
    }))

  it.effect("a glob through a link to / never reads, or quotes, a file of the system", () =>
    Effect.gen(function*() {
      const root = path.join(scratch, "rootfs-root")
      write(path.join(root, "catalog-info.yaml"), location("./sub/rootfs/etc/*"))
      fs.mkdirSync(path.join(root, "sub"))
      fs.symlinkSync("/", path.join(root, "sub", "rootfs"))
      const deep = path.join(scratch, "rootfs-deep")
      write(path.join(deep, "catalog-info.yaml"), location("./sub/**/*.conf").replace("name: g", "name: deep"))
      fs.mkdirSync(path.join(deep, "sub"))
      fs.symlinkSync("/", path.join(deep, "sub", "rootfs"))
      const result = yield* Catalog.load([root, deep])
      expect(result.sources.map((s) => s.file).sort()).toEqual([path.join(deep, "catalog-info.yaml"), path.join(root, "catalog-info.yaml")])
      expect(result.problems.map((p) => [p.rule, p.file])).toEqual([
        // `sub/**` does not enter the link (walks never follow links), so nothing matches there.
        ["location/not-found", path.join(deep, "catalog-info.yaml")],
        ["location/escape", path.join(root, "catalog-info.yaml")]
      ])
      const text = JSON.stringify(result.problems)
      expect(text).not.toMatch(/etc\/(passwd|hosts|[a-z]+\.conf)/)
      expect(text).not.toContain("root:")
    }))

  it.effect("a link to a file outside, matched by a glob inside the root, is refused", () =>
    Effect.gen(function*() {
      const outside = write(path.join(scratch, "outside-file", "catalog-info.yaml"), component("outside-file-component"))
      const root = path.join(scratch, "file-link-root")
      write(path.join(root, "catalog-info.yaml"), location("./*.yaml"))
      fs.symlinkSync(outside, path.join(root, "other.yaml"))
      const result = yield* Catalog.load([path.join(root, "catalog-info.yaml")])
      expect(result.entities.map((e) => e.ref)).toEqual(["location:default/g"])
    }))

  it.effect("a directory walk does not follow a link to a directory outside", () =>
    Effect.gen(function*() {
      const outside = path.join(scratch, "outside-walk")
      write(path.join(outside, "catalog-info.yaml"), component("outside-walk-component"))
      const root = path.join(scratch, "walk-root")
      write(path.join(root, "catalog-info.yaml"), component("inside"))
      fs.symlinkSync(outside, path.join(root, "linked"))
      const result = yield* Catalog.load([root])
      expect(result.entities.map((e) => e.ref)).toEqual(["component:default/inside"])
    }))
})

describe("documents past the limit are never built (security review, defect 19)", () => {
  it.effect("a file of 500,000 documents reports the limit and keeps the first 1000", () =>
    Effect.gen(function*() {
      const file = write(path.join(scratch, "many", "catalog-info.yaml"), `---\n${component("first")}` + "---\na: 1\n".repeat(500_000))
      const result = yield* Catalog.load([file])
      expect(result.problems.filter((p) => p.rule === "yaml/too-many-documents")).toHaveLength(1)
      // The first document is a valid entity; the other 999 read are not entities at all.
      expect(result.entities.map((e) => e.ref)).toEqual(["component:default/first"])
      expect(new Set(result.problems.filter((p) => p.rule === "entity/kind").map((p) => p.line)).size).toBe(999)
    }))

  it("holds in a process whose heap could never hold 500,000 documents (64 MB)", () => {
    const dir = path.join(scratch, "many-child")
    // Not the fast reader's subset (a flow sequence at the top), so the `yaml` parser streams it.
    write(path.join(dir, "catalog-info.yaml"), "---\n[1]\n".repeat(500_000))
    const script = [
      "import { Catalog } from '@paved/catalog'",
      "import * as Effect from 'effect/Effect'",
      `const r = await Effect.runPromise(Catalog.load([${JSON.stringify(path.join(dir, "catalog-info.yaml"))}]))`,
      "console.log(JSON.stringify(r.problems.filter((p) => p.rule === 'yaml/too-many-documents').length))"
    ].join("\n")
    const child = spawnSync(process.execPath, ["--max-old-space-size=64", "--import", "tsx", "--conditions=@paved/source", "--input-type=module", "-e", script], {
      cwd: path.join(here, ".."),
      encoding: "utf8"
    })
    expect(child.stderr).not.toContain("heap out of memory")
    expect(child.status).toBe(0)
    expect(child.stdout.trim()).toBe("1")
  })
})

describe("Location targets and placeholders (newcomer review, issue 17)", () => {
  it.effect("relative targets of a url Location are read relative to its file, as Backstage reads them", () =>
    Effect.gen(function*() {
      const root = path.join(scratch, "url-location")
      write(path.join(root, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: golden-paths\nspec:\n  type: url\n  targets:\n    - ./templates/a.yaml\n    - https://github.com/example/repo/blob/main/b.yaml\n")
      write(path.join(root, "templates", "a.yaml"), component("from-url-target"))
      const result = yield* Catalog.load([path.join(root, "catalog-info.yaml")])
      expect(result.entities.map((e) => e.ref)).toEqual(["location:default/golden-paths", "component:default/from-url-target"])
      expect(result.problems.map((p) => [p.severity, p.rule, p.path])).toEqual([
        ["warning", "location/remote", "spec.targets[1]"],
        ["warning", "integrity/dangling-ref", "spec.owner"]
      ])
    }))

  it.effect("a $text that points at nothing is one problem, not a second one about schemas", () =>
    Effect.gen(function*() {
      const root = path.join(scratch, "missing-text")
      const file = write(path.join(root, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: pets\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml\n")
      const result = yield* Catalog.load([file])
      expect(result.problems.map((p) => [p.rule, p.line, p.column])).toEqual([["placeholder/not-found", 10, 12]])
    }))

  it.effect("a kind one typo away is suggested", () =>
    Effect.gen(function*() {
      const result = yield* Catalog.validateEntities([{ apiVersion: "backstage.io/v1alpha1", kind: "Componnt", metadata: { name: "x" }, spec: {} }])
      expect(result.problems[0]?.message).toContain(`did you mean "Component"?`)
    }))
})

describe("a directory whose top-level catalog-info.yaml is a Location", () => {
  it.effect("is read from that file and its targets, not every YAML file below it", () =>
    Effect.gen(function*() {
      const root = path.join(scratch, "entry-location")
      write(path.join(root, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets: [./org/teams.yaml]\n")
      write(path.join(root, "org", "teams.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n")
      // A snapshot of the past kept in the repository: the same group, not part of the catalog.
      write(path.join(root, "history", "before", "org.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n")
      const result = yield* Catalog.load([root])
      expect(result.problems).toEqual([])
      expect(result.entities.map((e) => e.ref)).toEqual(["location:default/root", "group:default/team-a"])
      // The snapshot directory alone is a catalog of its own.
      const before = yield* Catalog.load([path.join(root, "history", "before")])
      expect(before.entities.map((e) => e.ref)).toEqual(["group:default/team-a"])
    }))
})
