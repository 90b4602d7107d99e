/**
 * A preview environment for a pull request: from the PR's changed files (or a git range), the
 * services to run, what they need, and what gets provisioned. By default it prints the plan
 * (what a CI job posts on the PR); with `--up` it brings the environment up in the foreground
 * until Ctrl-C, on the local runtime and the embedded defaults.
 *
 *   npm run preview-for-pr -w @paved/example-scripts -- examples/demo-org --files=services/storefront/server.mjs
 *   npm run preview-for-pr -w @paved/example-scripts -- . --range=origin/main..HEAD --up
 */
import { Catalog } from "@paved/catalog"
import { Environments, EnvStore } from "@paved/envs"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as path from "node:path"
import { baseDir, flag, isMain, type Outcome, positional, runScript } from "./main.js"

/** What the preview would be. */
export interface Preview {
  readonly name: string
  readonly run: ReadonlyArray<{ readonly ref: string; readonly reason: string }>
  readonly resources: ReadonlyArray<{ readonly key: string; readonly type: string; readonly class: string }>
  readonly unmatchedFiles: ReadonlyArray<string>
}

/** Options: the repository root the files are relative to, and the change set. */
export interface PreviewInput {
  readonly root: string
  readonly name: string
  readonly changedFiles?: ReadonlyArray<string> | undefined
  readonly gitRange?: string | undefined
}

const upOptions = (input: PreviewInput, catalog: Environments.UpOptions["catalog"]): Environments.UpOptions => ({
  name: input.name,
  type: "preview",
  catalog,
  repositoryRoot: input.root,
  ...(input.changedFiles === undefined ? {} : { changedFiles: input.changedFiles }),
  ...(input.gitRange === undefined ? {} : { gitRange: input.gitRange }),
  ttl: "24 hours"
})

/** Plans the preview for a change set. */
export const previewForPr = (input: PreviewInput) =>
  Effect.gen(function*() {
    const { entities } = yield* Catalog.load([input.root])
    const planned = yield* Environments.plan(upOptions(input, entities))
    const summary = Environments.planSummary(planned)
    const preview: Preview = {
      name: input.name,
      run: summary.run.map((s) => ({ ref: s.ref, reason: s.reason })),
      resources: summary.resources.map((r) => ({ key: r.key, type: r.type, class: r.class })),
      unmatchedFiles: summary.unmatchedFiles
    }
    const text = [
      `Preview ${preview.name} runs ${preview.run.length} services:`,
      ...preview.run.map((s) => `  ${s.ref} (${s.reason})`),
      `and provisions ${preview.resources.length} resources:`,
      ...preview.resources.map((r) => `  ${r.key}: ${r.type}/${r.class}`),
      ...(preview.unmatchedFiles.length === 0 ? [] : [`Files that belong to no service: ${preview.unmatchedFiles.join(", ")}`])
    ].join("\n")
    return { report: preview, text, failed: false } satisfies Outcome<Preview>
  })

/** Brings the preview up in the foreground (Ctrl-C tears it down). */
export const previewUp = (input: PreviewInput) =>
  Effect.gen(function*() {
    const { entities } = yield* Catalog.load([input.root])
    const record = yield* Environments.up({ ...upOptions(input, entities), detach: false, onProgress: (p) => Effect.log(`[${p.phase}] ${p.subject}: ${p.detail}`) })
    yield* Effect.log(`preview ${record.name} is up: ${record.services.map((s) => `${s.name}=${s.url ?? "-"}`).join(" ")}; Ctrl-C removes it`)
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.merge(
      EnvStore.layerSqlite({ filename: path.resolve(".paved", "paved.db") }),
      Provisioner.layerLocal()
    ))
  )

if (isMain(import.meta.url)) {
  const input: PreviewInput = {
    root: positional()[0] ?? baseDir(),
    name: flag("name") ?? "pr-preview",
    changedFiles: flag("files")?.split(","),
    gitRange: flag("range")
  }
  runScript(process.argv.includes("--up") ? previewUp(input) : previewForPr(input), { catalog: [input.root] })
}
