/**
 * Generating a new service from a template: render the files for the answers, refuse anything
 * that would land outside the output directory or overwrite an existing file, write them, and
 * record the template, version and answers in `.paved/template.json`.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import type { PlatformError } from "@effect/platform/Error"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { existing, guardAll, writeFile } from "./internal/projectFiles.js"
import * as Manifest from "./Manifest.js"
import type { UnsafeFileError } from "./ServiceFiles.js"
import * as Template from "./Template.js"

/**
 * Files the template would write already exist; nothing was written.
 *
 * @since 0.1.0
 */
export class OutputExists extends Data.TaggedError("OutputExists")<{
  readonly dir: string
  readonly files: ReadonlyArray<string>
}> {
  override get message(): string {
    const shown = this.files.slice(0, 5).join(", ") + (this.files.length > 5 ? `, and ${this.files.length - 5} more` : "")
    return `${this.dir} already has ${shown}; choose an empty --out directory (use \`paved golden update\` to bring an existing service up to date)`
  }
}

/**
 * What {@link generate} wrote.
 *
 * @since 0.1.0
 */
export interface Generated {
  readonly dir: string
  readonly template: string
  readonly version: string
  readonly answers: Template.Answers
  readonly files: ReadonlyArray<string>
}

/**
 * Renders `template` with `answers` into `out` and records the manifest. Fails without writing
 * when an answer is invalid or missing, when a path would leave `out`, when a file exists, or
 * when a path is (or lies under) a symbolic link, even a dangling one (`UnsafeFileError`).
 *
 * @since 0.1.0
 */
export const generate = (options: {
  readonly template: Template.Template
  readonly answers: Template.Answers
  readonly out: string
}): Effect.Effect<
  Generated,
  | Template.ParameterError
  | Template.UnsafePathError
  | Template.TemplateCodeError
  | OutputExists
  | UnsafeFileError
  | Manifest.ManifestError
  | PlatformError,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { template } = options
    const answers = yield* template.resolveAnswers(options.answers)
    const files = yield* template.render(answers)
    const out = path.resolve(options.out)
    yield* fs.makeDirectory(out, { recursive: true })
    // Every path is checked (links refused, parents inside `out`) before anything is written.
    const targets = [...Object.keys(files), Manifest.relativePath]
    yield* guardAll(out, targets)
    const present = yield* existing(out, targets)
    if (present.length > 0) return yield* new OutputExists({ dir: out, files: present })
    for (const [rel, content] of Object.entries(files)) yield* writeFile(out, rel, content, { exclusive: true })
    yield* Manifest.write(out, { template: template.name, version: template.version, answers })
    return { dir: out, template: template.name, version: template.version, answers, files: Object.keys(files).sort() }
  })
