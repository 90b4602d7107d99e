import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { NodeHttpService, Pipeline, Scaffold } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as fc from "fast-check"
import * as YAML from "yaml"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

interface Workflow {
  readonly on: Record<string, unknown>
  readonly env: Record<string, string>
  readonly jobs: Record<string, {
    readonly needs?: ReadonlyArray<string>
    readonly if?: string
    readonly services?: Record<string, { image: string }>
    readonly environment?: { name: string }
    readonly steps: ReadonlyArray<{ run?: string; uses?: string }>
  }>
}

const install = "command -v paved >/dev/null 2>&1 || npm install --global --no-audit --no-fund \"$PAVED_CLI_PACKAGE\""

const runs = (w: Workflow, job: string) => w.jobs[job]!.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]))

const TestLayer = Layer.merge(Pipeline.layerGitHubActions, NodeContext.layer)

describe("Pipeline", () => {
  it.scoped("generates a GitHub Actions workflow from the catalog entity and the workload", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "orders")
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "orders", lifecycle: "production", nodeVersion: "22" }, out: dir })
      const generated = yield* Pipeline.pipelineFor(dir)
      expect(generated).toMatchObject({ provider: "github-actions", path: ".github/workflows/ci.yml" })
      const workflow = YAML.parse(generated.content) as Workflow
      expect(Object.keys(workflow.jobs)).toEqual(["validate", "test", "build", "plan", "preview", "deploy"])
      expect(Object.keys(workflow.on)).toEqual(["push", "pull_request"])
      expect(workflow.env).toEqual({
        PAVED_CLI_PACKAGE: "${{ vars.PAVED_CLI_PACKAGE || '@paved/cli@0.1' }}",
        PAVED_ENTITY_REF: "component:default/orders",
        PAVED_TARGET_ENV: "production"
      })
      expect(runs(workflow, "validate")).toEqual([install, "paved catalog validate catalog-info.yaml"])
      expect(runs(workflow, "test")).toEqual(["npm ci", "npm run build", "npm test"])
      // The workload asks for postgres, so the tests get a postgres service container.
      expect(workflow.jobs.test!.services?.postgres?.image).toBe("postgres:16")
      expect(runs(workflow, "plan")).toEqual([
        install,
        "paved provision plan --env \"$PAVED_TARGET_ENV\" --env-type production --entity \"$PAVED_ENTITY_REF\" --catalog catalog-info.yaml --workload score.yaml"
      ])
      expect(workflow.jobs.preview!.if).toBe("github.event_name == 'pull_request'")
      expect(workflow.jobs.preview!.services?.postgres?.image).toBe("postgres:16")
      expect(runs(workflow, "preview")).toContain(
        "paved env up \"$PAVED_PREVIEW\" --type preview --ttl 72h " +
          "--changed-files \"$(git diff --name-only origin/${{ github.base_ref }}...HEAD | paste -sd, -)\""
      )
      expect(workflow.jobs.deploy!.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'")
      expect(workflow.jobs.deploy!.needs).toEqual(["build", "plan"])
      expect(workflow.jobs.deploy!.environment).toEqual({ name: "production" })
      expect(runs(workflow, "deploy")).toContain(
        "paved provision apply --env \"$PAVED_TARGET_ENV\" --env-type production --entity \"$PAVED_ENTITY_REF\" --catalog catalog-info.yaml --workload score.yaml"
      )
      const setupNode = workflow.jobs.test!.steps.find((s) => s.uses === "actions/setup-node@v4") as { with: Record<string, string> }
      expect(setupNode.with["node-version"]).toBe("22")
      // The template's CI workflow is this same pipeline, so a fresh service is not stale.
      expect(fs.readFileSync(path.join(dir, generated.path), "utf8")).toBe(generated.content)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("follows the workload: a new resource changes the pipeline", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "cart")
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "cart", database: false }, out: dir })
      const before = YAML.parse((yield* Pipeline.pipelineFor(dir)).content) as Workflow
      expect(before.jobs.test!.services).toBeUndefined()
      expect(before.env.PAVED_TARGET_ENV).toBe("staging")
      fs.appendFileSync(path.join(dir, "score.yaml"), "resources:\n  cache:\n    type: redis\n")
      const after = YAML.parse((yield* Pipeline.pipelineFor(dir, { targetEnvironment: "qa" })).content) as Workflow
      expect(after.jobs.test!.services?.redis?.image).toBe("redis:7")
      expect(after.env.PAVED_TARGET_ENV).toBe("qa")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("says which file is wrong when the inputs are missing or invalid", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const missing = yield* Effect.flip(Pipeline.pipelineFor(dir))
      expect(missing.message).toContain("catalog-info.yaml")
      fs.writeFileSync(path.join(dir, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec: {}\n")
      fs.writeFileSync(path.join(dir, "score.yaml"), "apiVersion: score.dev/v1b1\n")
      const invalid = yield* Effect.flip(Pipeline.pipelineFor(dir))
      expect(invalid.message).toContain("score.yaml")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("refuses a workload that breaks Score's schema, at its line, as paved provision plan does", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.writeFileSync(path.join(dir, "catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec: {}\n")
      // `size` belongs under params: Score forbids other keys in a resource.
      fs.writeFileSync(path.join(dir, "score.yaml"), "apiVersion: score.dev/v1b1\nmetadata: { name: svc }\ncontainers: { main: { image: x } }\nresources:\n  db:\n    type: postgres\n    size: 1\n")
      const refused = yield* Effect.flip(Pipeline.pipelineFor(dir))
      expect(refused.problems?.map((p) => [p.severity, p.file, p.line, p.rule])).toEqual([["error", path.join(dir, "score.yaml"), 7, "score/schema"]])
      expect(refused.message).toContain("resources.db.size")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("writes YAML that reads back to the same values, whatever the strings hold (property)", () =>
    Effect.gen(function*() {
      const generator = yield* Pipeline.PipelineGenerator
      const text = fc.oneof(
        fc.string(),
        fc.string({ unit: "binary" }),
        fc.constantFrom("a\rb", "a\u0001b", "a\u2028b", "tab\tx", "nl\nx", "a\u0085b"),
        fc.constantFrom("true", "null", "1.5", "0x1F", "- x", "a: b", "a #b", "~", "yes", "", " lead", "trail ", "'q'", "\"q\"", "{x}", "[y]", "*a", "&b", "!t", "%p", "@x", "`c`", "|", ">")
      )
      const spec = fc.record({
        name: text,
        entityRef: text,
        lifecycle: text,
        resources: fc.array(fc.record({ name: text, type: fc.constantFrom("postgres", "redis", "s3", "amqp") }), { maxLength: 3 }),
        targetEnvironment: text,
        nodeVersion: text,
        mainBranch: text,
        catalogFile: text,
        workloadFile: text,
        workingDirectory: fc.constantFrom(".", "services/orders"),
        cliPackage: text
      })
      const samples = fc.sample(spec, 300)
      for (const s of samples) {
        const generated = yield* generator.generate(s)
        const w = YAML.parse(generated.content) as Workflow & { name: string }
        expect(w.name).toBe(`${s.name} (paved)`)
        expect(w.env).toEqual({
          PAVED_CLI_PACKAGE: `\${{ vars.PAVED_CLI_PACKAGE || '${s.cliPackage.replace(/'/g, "''")}' }}`,
          PAVED_ENTITY_REF: s.entityRef,
          PAVED_TARGET_ENV: s.targetEnvironment
        })
        expect((w.on as { push: { branches: Array<string> } }).push.branches).toEqual([s.mainBranch])
      }
    }).pipe(Effect.provide(Pipeline.layerGitHubActions)))

  it.scoped("the same spec renders as GitLab CI through the other layer", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "orders")
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "orders" }, out: dir })
      const generated = yield* Pipeline.pipelineFor(dir, { workingDirectory: "services/orders" }).pipe(Effect.provide(Pipeline.layerGitLabCi))
      expect(generated).toMatchObject({ provider: "gitlab-ci", path: ".gitlab/ci/orders.gitlab-ci.yml" })
      interface GitLabJob { stage: string; script: Array<string>; rules?: Array<{ if: string }>; services?: Array<{ name: string; alias: string }>; variables?: Record<string, string> }
      const ci = YAML.parse(generated.content) as Record<string, unknown>
      expect(generated.content).toContain("include: [{ local: .gitlab/ci/orders.gitlab-ci.yml }]")
      // Jobs are prefixed with the service, so several services' pipelines can be included together.
      expect(Object.keys(ci)).toEqual(["orders:validate", "orders:test", "orders:build", "orders:plan", "orders:preview", "orders:deploy"])
      const job = (name: string) => ci[`orders:${name}`] as GitLabJob
      const changes = ["services/orders/**/*", ".gitlab/ci/orders.gitlab-ci.yml"]
      expect(job("validate").variables).toMatchObject({ PAVED_CLI_PACKAGE: "@paved/cli@0.1", PAVED_ENTITY_REF: "component:default/orders", PAVED_TARGET_ENV: "staging" })
      expect(job("validate").script).toEqual(["cd \"services/orders\"", install, "paved catalog validate catalog-info.yaml"])
      expect(job("test").services).toEqual([{ name: "postgres:16", alias: "postgres" }])
      expect(job("test").variables).toMatchObject({ POSTGRES_PASSWORD: "postgres", DATABASE_URL: "postgres://postgres:postgres@postgres:5432/postgres" })
      expect(job("plan").script).toContain("paved provision plan --env \"$PAVED_TARGET_ENV\" --env-type staging --entity \"$PAVED_ENTITY_REF\" --catalog catalog-info.yaml --workload score.yaml")
      expect(job("preview").rules).toEqual([{ if: "$CI_PIPELINE_SOURCE == \"merge_request_event\"", changes }])
      expect(job("preview").services).toEqual([{ name: "postgres:16", alias: "postgres" }])
      expect(job("preview").variables).toMatchObject({ PAVED_POSTGRES_URL: "postgres://postgres:postgres@postgres:5432/postgres" })
      expect(job("preview").script.join("\n")).toContain("paved env up \"$PAVED_PREVIEW\" --type preview --ttl 72h --changed-files")
      expect(job("deploy").rules).toEqual([{ if: "$CI_COMMIT_BRANCH == \"main\"", changes }])
      expect(job("deploy").script).toContain("paved provision apply --env \"$PAVED_TARGET_ENV\" --env-type staging --entity \"$PAVED_ENTITY_REF\" --catalog catalog-info.yaml --workload score.yaml")
    }).pipe(Effect.provide(NodeContext.layer)))
})
