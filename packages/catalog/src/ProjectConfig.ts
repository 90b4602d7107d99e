/**
 * A project's home: `paved.yaml`, found by walking up from the working directory, sets the
 * organisation-specific defaults every `paved` command (and any script) would otherwise need
 * flags or code for: the database, the secret key file, catalog roots, standards, scorecards
 * and template directories.
 *
 * ```yaml
 * # paved.yaml
 * db: sqlite:.paved/paved.db          # or postgres://paved@db.internal/paved
 * secretKey: .paved/secret.key
 * catalog: [catalog-info.yaml]
 * standards: platform/standards.yaml
 * scorecards: [platform/production-readiness.yaml]
 * templates: [platform/templates]
 * ```
 *
 * Relative paths are read relative to the directory holding `paved.yaml`, never the working
 * directory, so a command run from a subdirectory means the same files. The walk stops at the
 * first directory that holds `.git` (the repository root: a `paved.yaml` above the repository
 * belongs to some other project) or at the filesystem root. Explicit flags and environment
 * variables win over the file; the file wins over the built-in defaults.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Yaml from "./Yaml.js"

/**
 * The name of the file {@link find} looks for.
 *
 * @since 0.1.0
 */
export const FILE_NAME = "paved.yaml"

const Paths = Schema.Array(Schema.NonEmptyString)

/**
 * What `paved.yaml` may hold, as written in the file. Every key is optional; an unknown key is an
 * error (a misspelt `catalogue:` must not be silently ignored).
 *
 * @since 0.1.0
 */
export const ProjectConfigFile = Schema.Struct({
  /** Store URL: postgres://..., sqlite:PATH or a file path, memory:. */
  db: Schema.optionalWith(Schema.NonEmptyString, { exact: true }),
  /** The secret key file (32 bytes) for secrets at rest. */
  secretKey: Schema.optionalWith(Schema.NonEmptyString, { exact: true }),
  /** Catalog roots: files, directories or globs. */
  catalog: Schema.optionalWith(Paths, { exact: true }),
  /** The organisation's standards file. */
  standards: Schema.optionalWith(Schema.NonEmptyString, { exact: true }),
  /** Scorecard YAML files; the first is the one `paved score` applies without --scorecard. */
  scorecards: Schema.optionalWith(Paths, { exact: true }),
  /** Directories of golden-path template modules. */
  templates: Schema.optionalWith(Paths, { exact: true })
})

/**
 * `paved.yaml` once read: paths are absolute (resolved against the file's directory) and the
 * database URL is `Redacted`, since a PostgreSQL URL may carry a password.
 *
 * @since 0.1.0
 */
export interface ProjectConfig {
  /** The `paved.yaml` this came from. */
  readonly file: string
  /** The directory holding it: the project root. */
  readonly root: string
  readonly db: Option.Option<Redacted.Redacted<string>>
  readonly secretKey: Option.Option<string>
  readonly catalog: ReadonlyArray<string>
  readonly standards: Option.Option<string>
  readonly scorecards: ReadonlyArray<string>
  readonly templates: ReadonlyArray<string>
}

/**
 * `paved.yaml` cannot be read or is invalid. The message has one `FILE:LINE:COLUMN message` line
 * per problem, with the file relative to the working directory.
 *
 * @since 0.1.0
 */
export class ProjectConfigError extends Data.TaggedError("ProjectConfigError")<{
  readonly file: string
  readonly issues: ReadonlyArray<{ readonly path: string; readonly line: number; readonly column: number; readonly message: string }>
}> {
  override get message(): string {
    const rel = path.relative(process.cwd(), this.file)
    const shown = rel.length > 0 && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : this.file
    return this.issues.map((i) => `${shown}:${i.line}:${i.column} ${i.path === "" ? "" : i.path + ": "}${i.message}`).join("\n")
  }
}

/**
 * The `paved.yaml` that applies in `from` (default: the working directory): the nearest one in
 * `from` or above, stopping after the first directory that holds `.git`, or at the filesystem
 * root.
 *
 * @since 0.1.0
 */
export const find = (from: string = process.cwd()): Option.Option<string> => {
  let dir = path.resolve(from)
  for (;;) {
    const candidate = path.join(dir, FILE_NAME)
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return Option.some(candidate)
    if (fs.existsSync(path.join(dir, ".git"))) return Option.none()
    const parent = path.dirname(dir)
    if (parent === dir) return Option.none()
    dir = parent
  }
}

// A sqlite path (plain or `sqlite:PATH`) is relative to the project root; URLs stay as written.
const resolveDb = (url: string, root: string): string => {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || url === "memory:") return url
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length)
    return file === ":memory:" ? url : `sqlite:${path.resolve(root, file)}`
  }
  return url === ":memory:" ? url : path.resolve(root, url)
}

/**
 * Decodes the text of a `paved.yaml` at `file`: every problem (YAML syntax, unknown key, wrong
 * type) with its line and column.
 *
 * @since 0.1.0
 */
export const parse = (text: string, file: string): Either.Either<ProjectConfig, ProjectConfigError> => {
  const absolute = path.resolve(file)
  const root = path.dirname(absolute)
  // An empty file (or one holding only comments) is a valid, empty configuration.
  const decoded = text.split("\n").every((line) => line.trim() === "" || line.trim().startsWith("#"))
    ? Either.right({} as typeof ProjectConfigFile.Type)
    : Yaml.decode(ProjectConfigFile, text, { file: absolute })
  return Either.match(decoded, {
    onLeft: (problems) => Either.left(new ProjectConfigError({ file: absolute, issues: problems.map(Yaml.issueOf) })),
    onRight: (c) =>
      Either.right({
        file: absolute,
        root,
        db: Option.map(Option.fromNullable(c.db), (url) => Redacted.make(resolveDb(url, root))),
        secretKey: Option.map(Option.fromNullable(c.secretKey), (f) => path.resolve(root, f)),
        catalog: (c.catalog ?? []).map((p) => path.resolve(root, p)),
        standards: Option.map(Option.fromNullable(c.standards), (f) => path.resolve(root, f)),
        scorecards: (c.scorecards ?? []).map((p) => path.resolve(root, p)),
        templates: (c.templates ?? []).map((p) => path.resolve(root, p))
      })
  })
}

/**
 * Finds and reads the project's `paved.yaml` from `from` (default: the working directory):
 * `None` when there is none, an error with positions when it is invalid.
 *
 * @since 0.1.0
 */
export const load = (from: string = process.cwd()): Effect.Effect<Option.Option<ProjectConfig>, ProjectConfigError> =>
  Effect.suspend(() =>
    Option.match(find(from), {
      onNone: () => Effect.succeedNone,
      onSome: (file) =>
        Effect.try({
          try: () => fs.readFileSync(file, "utf8"),
          catch: (error) => new ProjectConfigError({ file, issues: [{ path: "", line: 1, column: 1, message: `cannot read: ${String(error)}` }] })
        }).pipe(Effect.flatMap((text) => Either.match(parse(text, file), { onLeft: Effect.fail, onRight: Effect.succeedSome })))
    })
  )
