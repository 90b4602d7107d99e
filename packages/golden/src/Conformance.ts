/**
 * Template conformance: is a service on its template's latest version, and which of the files
 * the template owns differ from what its recorded version and answers generate. The data is
 * what `paved golden check` prints and what a scorecard rule reads (see {@link checkService}).
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import type { PlatformError } from "@effect/platform/Error"
import * as Catalog from "@paved/catalog/Catalog"
import * as Facts from "@paved/catalog/Facts"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { readManyOptional } from "./internal/projectFiles.js"
import { unifiedDiff } from "./internal/unifiedDiff.js"
import * as Manifest from "./Manifest.js"
import * as Template from "./Template.js"
import { TemplateNotFound, TemplateRegistry } from "./TemplateRegistry.js"

/**
 * A template-owned file that differs from what the template generates: `modified` (with a
 * unified diff from the template's text to the file's) or `missing`.
 *
 * @since 0.1.0
 */
export interface FileDrift {
  readonly path: string
  readonly status: "modified" | "missing"
  readonly diff: string
}

/**
 * The conformance of one service. `drift` is true when a template-owned file differs;
 * `upToDate` is whether the recorded version is the template's latest.
 *
 * @since 0.1.0
 */
export interface ServiceCheck {
  readonly dir: string
  readonly template: string
  readonly version: string
  readonly latest: string
  readonly upToDate: boolean
  readonly drift: boolean
  readonly ownedFiles: number
  readonly files: ReadonlyArray<FileDrift>
}

/**
 * The errors a check can meet: no manifest, unknown template or version, a template that no
 * longer renders with the recorded answers, or an unreadable file.
 *
 * @since 0.1.0
 */
export type CheckError =
  | Manifest.ManifestError
  | TemplateNotFound
  | Template.ParameterError
  | Template.UnsafePathError
  | Template.TemplateCodeError
  | PlatformError

const renderCache = new WeakMap<Template.Template, Map<string, Template.Files>>()

// Services generated from the same version and answers render identically, so the rendering is
// kept per template value and answers.
const renderCached = (template: Template.Template, answers: Template.Answers) => {
  const key = JSON.stringify(answers)
  let byAnswers = renderCache.get(template)
  if (byAnswers === undefined) {
    byAnswers = new Map()
    renderCache.set(template, byAnswers)
  }
  const hit = byAnswers.get(key)
  if (hit !== undefined) return Effect.succeed(hit)
  const cache = byAnswers
  return template.render(answers).pipe(Effect.tap((files) => Effect.sync(() => cache.set(key, files))))
}

/**
 * Checks one service directory against the template and version recorded in its manifest.
 * This is the function for scorecard rules: `drift` and `upToDate` are the facts to score, and
 * `files` names each drifted file with its diff.
 *
 * @since 0.1.0
 */
export const checkService = (
  dir: string
): Effect.Effect<ServiceCheck, CheckError, TemplateRegistry | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const registry = yield* TemplateRegistry
    const manifest = yield* Manifest.read(dir)
    const template = yield* registry.get(manifest.template, manifest.version)
    const latest = yield* registry.latest(manifest.template)
    const expected = yield* renderCached(template, manifest.answers)
    const entries = Object.entries(expected)
    const actual = yield* readManyOptional(dir, entries.map(([rel]) => rel))
    const files: Array<FileDrift> = []
    entries.forEach(([rel, want], i) => {
      const have = actual[i]!
      if (Option.isNone(have)) files.push({ path: rel, status: "missing", diff: "" })
      else if (have.value !== want) {
        const label = `${manifest.template}@${manifest.version}`
        files.push({ path: rel, status: "modified", diff: unifiedDiff(want, have.value, { before: `${label}/${rel}`, after: rel }) })
      }
    })
    return {
      dir,
      template: manifest.template,
      version: manifest.version,
      latest: latest.version,
      upToDate: Template.compareVersions(manifest.version, latest.version) >= 0,
      drift: files.length > 0,
      ownedFiles: entries.length,
      files
    }
  })

/**
 * Checks several services, a few at a time, in the order given.
 *
 * @since 0.1.0
 */
export const checkServices = (
  dirs: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<ServiceCheck>, CheckError, TemplateRegistry | FileSystem.FileSystem | Path.Path> =>
  Effect.forEach(dirs, checkService, { concurrency: 16 })

/**
 * Conformance as catalog facts, so scorecard rules can read it (`facts.golden.drift`,
 * `facts.golden.upToDate`, `facts.golden.version`, `facts.golden.latest`,
 * `facts.golden.driftedFiles`). Each directory's Component entity (from its
 * `catalog-info.yaml`) keys its facts; directories that cannot be checked are left out, so a
 * rule reading them reports *unknown* rather than a pass or a fail.
 *
 * @since 0.1.0
 */
export const factSource = (
  dirs: ReadonlyArray<string>,
  options: { readonly id?: string; readonly ttl?: Duration.DurationInput } = {}
): Effect.Effect<Facts.FactSource, never, TemplateRegistry | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const observedAt = Date.now()
    const records: Array<Facts.FactRecord> = []
    const checks = yield* Effect.forEach(dirs, (dir) => Effect.option(checkService(dir)), { concurrency: 16 })
    const loaded = yield* Catalog.load(dirs.map((dir) => path.join(dir, "catalog-info.yaml")))
    checks.forEach((check, i) => {
      if (check._tag === "None") return
      const file = path.resolve(dirs[i]!, "catalog-info.yaml")
      const component = loaded.entities.find((e) => path.resolve(e.file) === file && e.entity.kind.toLowerCase() === "component")
      if (component === undefined) return
      const c = check.value
      const facts: Record<string, unknown> = {
        drift: c.drift,
        upToDate: c.upToDate,
        version: c.version,
        latest: c.latest,
        driftedFiles: c.files.map((f) => f.path)
      }
      for (const [key, value] of Object.entries(facts)) records.push({ ref: component.ref, key, value, observedAt })
    })
    return Facts.fromRecords(options.id ?? "golden", options.ttl ?? "1 day", records)
  })
