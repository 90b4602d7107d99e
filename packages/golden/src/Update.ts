/**
 * Bringing a generated service to a newer template version: typed migrations first (answers and
 * code transforms), then a 3-way merge per template-owned file with base = the old version
 * rendered with the recorded answers, theirs = the new version, ours = the files as they are.
 * Files the template owns or shares are merged (shared YAML and JSON files key by key, so the
 * team's own keys and comments stay); files it seeded are the team's and left alone. Conflicts
 * are marked in the files and listed; nothing is overwritten without the merge, and nothing is
 * read or written through a symbolic link (`UnsafeFileError`, before anything is written).
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import type { CheckError } from "./Conformance.js"
import { guardAll, readTree, removeFile, writeFile } from "./internal/projectFiles.js"
import { mergeStructured } from "./internal/structuredMerge.js"
import * as Manifest from "./Manifest.js"
import { merge3 } from "./Merge.js"
import * as Template from "./Template.js"
import { TemplateRegistry } from "./TemplateRegistry.js"

/**
 * What happened to one file: `updated` (took the template's change), `merged` (both sides
 * changed, merged cleanly), `added`, `deleted`, `migrated` (changed by a migration only), `kept`
 * (your change, no template change), or `conflict` (markers written, or a delete/modify clash).
 *
 * @since 0.1.0
 */
export interface FileUpdate {
  readonly path: string
  readonly action: "updated" | "merged" | "added" | "deleted" | "migrated" | "kept" | "conflict"
  readonly conflicts: number
  readonly reason?: string
}

/**
 * The outcome of an update. `files` lists every file that changed or needs attention.
 *
 * @since 0.1.0
 */
export interface UpdateResult {
  readonly dir: string
  readonly template: string
  readonly from: string
  readonly to: string
  readonly migrations: ReadonlyArray<string>
  readonly answers: Template.Answers
  readonly files: ReadonlyArray<FileUpdate>
  readonly conflicts: ReadonlyArray<FileUpdate>
  readonly written: boolean
}

/**
 * What can fail while updating a service: what can fail while checking it
 * ({@link CheckError}), since both read its manifest and render the template it
 * records over its files.
 *
 * @since 0.1.0
 */
export type UpdateError = CheckError

interface Decision {
  readonly content: string | undefined
  readonly action: FileUpdate["action"] | "unchanged"
  readonly conflicts: number
  readonly reason?: string
}

const decide = (
  rel: string,
  base: string | undefined,
  ours: string | undefined,
  theirs: string | undefined,
  labels: { ours: string; theirs: string },
  shared: boolean
): Decision => {
  if (theirs === undefined) {
    if (ours === undefined) return { content: undefined, action: "unchanged", conflicts: 0 }
    if (base === undefined || ours === base) {
      return base === undefined ? { content: ours, action: "unchanged", conflicts: 0 } : { content: undefined, action: "deleted", conflicts: 0 }
    }
    return { content: ours, action: "conflict", conflicts: 1, reason: "modified here, removed by the template; kept your file" }
  }
  if (ours === undefined) {
    if (base === undefined) return { content: theirs, action: "added", conflicts: 0 }
    if (base === theirs) return { content: undefined, action: "unchanged", conflicts: 0 }
    return { content: undefined, action: "conflict", conflicts: 1, reason: "deleted here, changed by the template; left deleted" }
  }
  if (ours === theirs) return { content: ours, action: "unchanged", conflicts: 0 }
  if (base === theirs) return { content: ours, action: "kept", conflicts: 0 }
  if (base === ours) return { content: theirs, action: "updated", conflicts: 0 }
  const structured = shared ? mergeStructured(rel, ours, base ?? "", theirs) : undefined
  if (structured !== undefined) {
    if (structured.text === ours && structured.conflicts.length === 0) return { content: ours, action: "kept", conflicts: 0 }
    return structured.conflicts.length > 0
      ? {
        content: structured.text,
        action: "conflict",
        conflicts: structured.conflicts.length,
        reason: `kept your value of ${structured.conflicts.join(", ")}, which the template changed too`
      }
      : { content: structured.text, action: "merged", conflicts: 0 }
  }
  const merged = merge3(ours, base ?? "", theirs, labels)
  return merged.conflicts > 0
    ? { content: merged.text, action: "conflict", conflicts: merged.conflicts, reason: `${merged.conflicts} conflicting region(s) marked` }
    : { content: merged.text, action: "merged", conflicts: 0 }
}

/**
 * Updates the service in `dir` to `to` (default: the template's latest version). With
 * `dryRun`, computes the same result without writing anything.
 *
 * @since 0.1.0
 */
export const updateService = (
  dir: string,
  options: { readonly to?: string | undefined; readonly dryRun?: boolean | undefined } = {}
): Effect.Effect<UpdateResult, UpdateError, TemplateRegistry | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const registry = yield* TemplateRegistry
    const { manifest, source } = yield* Manifest.readOrInfer(dir)
    const current = yield* registry.get(manifest.template, manifest.version)
    const target = options.to === undefined
      ? yield* registry.latest(manifest.template)
      : yield* registry.get(manifest.template, options.to)
    const noop: UpdateResult = {
      dir,
      template: manifest.template,
      from: manifest.version,
      to: manifest.version,
      migrations: [],
      answers: manifest.answers,
      files: [],
      conflicts: [],
      written: false
    }
    if (Template.compareVersions(target.version, current.version) <= 0) return noop

    // Migrations declared by the versions crossed, in version order: each runs when the update
    // crosses its `from` (current <= from < declaring version <= target).
    const steps = registry.versions(manifest.template)
      .filter((v) => Template.compareVersions(v.version, current.version) > 0 && Template.compareVersions(v.version, target.version) <= 0)
      .flatMap((v) =>
        v.migrations.filter((m) =>
          Template.compareVersions(m.from, current.version) >= 0 && Template.compareVersions(m.from, v.version) < 0
        )
      )
    let answers: Template.Answers = manifest.answers
    const rendered: Template.Files = yield* current.render(manifest.answers)
    const newAnswers0 = yield* Effect.reduce(steps, manifest.answers, (a, step) => step.answers(a))
    const theirs0 = yield* target.render(yield* target.resolveAnswers(newAnswers0))
    // Every path the template writes is checked before anything is read: a link (or a linked
    // parent directory) is refused, never followed.
    yield* guardAll(dir, new Set([...Object.keys(rendered), ...Object.keys(theirs0)]))
    const tree = yield* readTree(dir)
    const original = tree.files
    // A service that only records the template in its catalog annotations was never generated
    // from it: a file it lacks was never there to delete, so the template adds it.
    let base: Template.Files = source === "annotation"
      ? Object.fromEntries(Object.entries(rendered).filter(([rel]) => rel in original))
      : rendered
    let ours: Template.Files = original
    for (const step of steps) {
      answers = yield* step.answers(answers)
      base = yield* step.files(base, answers)
      ours = yield* step.files(ours, answers)
    }
    const newAnswers = yield* target.resolveAnswers(answers)
    const theirs = yield* target.render(newAnswers)
    const labels = { ours: "yours", theirs: `template ${target.name}@${target.version}` }

    const files: Array<FileUpdate> = []
    const writes: Array<[string, string | undefined]> = []
    const touched = new Set<string>()
    for (const rel of [...new Set([...Object.keys(base), ...Object.keys(theirs)])].sort()) {
      const ownership = Template.fileOwnership(target, rel)
      // Seeded files are the team's: the template only adds one a newer version introduces.
      if (ownership === "seeded") {
        if (theirs[rel] !== undefined && !(rel in rendered) && !(rel in ours)) {
          writes.push([rel, theirs[rel]])
          files.push({ path: rel, action: "added", conflicts: 0 })
          touched.add(rel)
        }
        continue
      }
      touched.add(rel)
      const d = decide(rel, base[rel], ours[rel], theirs[rel], labels, ownership === "merged")
      if (d.content !== original[rel]) writes.push([rel, d.content])
      const migratedOnly = d.action === "kept" && ours[rel] !== original[rel]
      const action = migratedOnly ? "migrated" : d.action
      if (action !== "unchanged") {
        files.push({ path: rel, action, conflicts: d.conflicts, ...(d.reason === undefined ? {} : { reason: d.reason }) })
      }
    }
    // Files the template does not merge change only through migrations (code transforms).
    for (const rel of Object.keys(ours).filter((p) => !touched.has(p)).sort()) {
      if (ours[rel] !== original[rel]) {
        writes.push([rel, ours[rel]])
        files.push({ path: rel, action: "migrated", conflicts: 0 })
      }
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    if (options.dryRun !== true) {
      for (const [rel, content] of writes) {
        yield* content === undefined ? removeFile(dir, rel) : writeFile(dir, rel, content)
      }
      yield* Manifest.write(dir, { template: target.name, version: target.version, answers: newAnswers })
    }
    return {
      dir,
      template: target.name,
      from: current.version,
      to: target.version,
      migrations: steps.map((s) => `${s.from} -> ${s.to}: ${s.description}`),
      answers: newAnswers,
      files,
      conflicts: files.filter((f) => f.action === "conflict"),
      written: options.dryRun !== true
    }
  })
