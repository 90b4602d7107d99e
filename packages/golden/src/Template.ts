/**
 * Golden-path templates as code: typed parameters (an `effect/Schema` struct whose defaults and
 * descriptions drive prompts), a semver version, a pure file generator, and typed migrations
 * that an update runs when it crosses from an older version.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as internalParameters from "./internal/parameters.js"
import * as paths from "./internal/paths.js"
import * as semver from "./internal/semver.js"

/**
 * @since 0.1.0
 */
export const TypeId: unique symbol = Symbol.for("@paved/golden/Template")

/**
 * @since 0.1.0
 */
export type TypeId = typeof TypeId

/**
 * Generated files: template-relative POSIX paths to their text.
 *
 * @since 0.1.0
 */
export type Files = Readonly<Record<string, string>>

/**
 * Answers in their recorded (encoded, JSON-safe) form, as `.paved/template.json` holds them.
 *
 * @since 0.1.0
 */
export type Answers = Readonly<Record<string, unknown>>

/**
 * Who keeps a generated file after generation:
 *
 * - `owned`: the template keeps it. `golden check` reports any difference as drift, and
 *   `golden update` merges template changes into it (3-way).
 * - `merged`: shared. The team edits it freely (never drift); `golden update` merges the
 *   template's changes into the team's version (3-way).
 * - `seeded`: written once by `golden new` and handed to the team. Never drift, never touched by
 *   `golden update` (except by a migration's code transform, or to add a seed file a newer
 *   version introduces).
 *
 * @since 0.1.0
 */
export type Ownership = "owned" | "merged" | "seeded"

/**
 * Which files a template seeds and which it merges, as POSIX globs (`*` within a segment, `**`
 * across segments); every other generated file is owned.
 *
 * @since 0.1.0
 */
export interface OwnershipRules {
  readonly seeded?: ReadonlyArray<string>
  readonly merged?: ReadonlyArray<string>
}

const globToRegExp = (glob: string): RegExp => {
  let out = ""
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === "*" && glob[i + 1] === "*") {
      out += glob[i + 2] === "/" ? "(?:.*/)?" : ".*"
      i += glob[i + 2] === "/" ? 2 : 1
    } else if (c === "*") out += "[^/]*"
    else out += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&")
  }
  return new RegExp(`^${out}$`)
}

/**
 * The ownership function of a set of rules (seeded wins over merged; the rest is owned).
 *
 * @since 0.1.0
 */
export const ownershipOf = (rules: OwnershipRules | undefined): (path: string) => Ownership => {
  const seeded = (rules?.seeded ?? []).map(globToRegExp)
  const merged = (rules?.merged ?? []).map(globToRegExp)
  return (path) => seeded.some((r) => r.test(path)) ? "seeded" : merged.some((r) => r.test(path)) ? "merged" : "owned"
}

/**
 * Who keeps `path` of a template's output; `owned` for a template built without ownership rules
 * (or by an older `@paved/golden`).
 *
 * @since 0.1.0
 */
export const fileOwnership = (template: Template, path: string): Ownership =>
  typeof template.ownership === "function" ? template.ownership(path) : "owned"

/**
 * One parameter as a prompt sees it: name, kind, choices, default and description, read from
 * the parameter schema.
 *
 * @since 0.1.0
 */
export type Parameter = internalParameters.ParameterInfo

/**
 * The answers do not fit the template's parameters: a parameter is missing or invalid.
 *
 * @since 0.1.0
 */
export class ParameterError extends Data.TaggedError("ParameterError")<{
  readonly template: string
  readonly parameters: ReadonlyArray<string>
  readonly detail: string
}> {
  override get message(): string {
    return `Template ${this.template}: invalid or missing parameter${this.parameters.length === 1 ? "" : "s"} ` +
      `${this.parameters.join(", ") || "(unknown)"}: ${this.detail}`
  }
}

/**
 * A generated path would land outside the output directory (absolute, `..`, or `.paved/`).
 *
 * @since 0.1.0
 */
export class UnsafePathError extends Data.TaggedError("UnsafePathError")<{
  readonly template: string
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `Template ${this.template} would write "${this.path}", which is refused because ${this.reason}; ` +
      `check the parameters that name files (e.g. name must not contain '/' or '..')`
  }
}

/**
 * The template's own code failed while generating files or running a migration.
 *
 * @since 0.1.0
 */
export class TemplateCodeError extends Data.TaggedError("TemplateCodeError")<{
  readonly template: string
  readonly step: string
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Template ${this.template} failed in ${this.step}: ${reason}`
  }
}

/**
 * A migration declared by a newer version, typed by the answers of the version it lands on.
 * `answers` maps the recorded answers of the older version to the new ones (the new schema then
 * fills defaults); `files` is a code transform over the project's files (parse, edit, print),
 * run on both the merge base and the current files so the text merge sees it as shared.
 *
 * @since 0.1.0
 */
export interface Migration<A> {
  readonly from: string
  readonly description: string
  readonly answers: (previous: Answers) => Effect.Effect<Answers, ParameterError>
  readonly files?: ((files: Files, answers: A) => Files) | undefined
}

/**
 * A migration with its types erased, as a registry runs it.
 *
 * @since 0.1.0
 */
export interface MigrationStep {
  readonly from: string
  readonly to: string
  readonly description: string
  readonly answers: (previous: Answers) => Effect.Effect<Answers, ParameterError>
  readonly files: (files: Files, answers: Answers) => Effect.Effect<Files, ParameterError | TemplateCodeError>
}

/**
 * A template version. `A` is the decoded answers type; once built, a template is used through
 * its erased operations (`resolveAnswers`, `render`), so templates of any shape share a registry.
 *
 * @since 0.1.0
 */
export interface Template<out A = unknown> {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly version: string
  readonly title: string
  readonly description: string
  readonly tags: ReadonlyArray<string>
  readonly parameters: ReadonlyArray<Parameter>
  readonly migrations: ReadonlyArray<MigrationStep>
  /** Who keeps each generated file: `owned` (drift is checked), `merged` or `seeded`. */
  readonly ownership: (path: string) => Ownership
  /** Decodes raw answers (defaults filled) into the typed answers. */
  readonly decode: (input: Answers) => Effect.Effect<A, ParameterError>
  /** Decodes raw answers and returns them in their recorded, encoded form. */
  readonly resolveAnswers: (input: Answers) => Effect.Effect<Answers, ParameterError>
  /** Renders the files for raw answers; every path is checked to stay inside the output. */
  readonly render: (input: Answers) => Effect.Effect<Files, ParameterError | UnsafePathError | TemplateCodeError>
}

/**
 * What {@link make} takes.
 *
 * @since 0.1.0
 */
export interface Options<A, I extends Answers> {
  readonly name: string
  readonly version: string
  readonly title?: string
  readonly description: string
  readonly tags?: ReadonlyArray<string>
  readonly parameters: Schema.Schema<A, I>
  readonly files: (answers: A) => Files
  readonly migrations?: ReadonlyArray<Migration<A>>
  /** Files the team keeps (`seeded`) or shares (`merged`); the default is that the template owns every file. */
  readonly ownership?: OwnershipRules
}

/**
 * A template definition is invalid (bad name or version); raised by {@link make} at module load.
 *
 * @since 0.1.0
 */
export class TemplateDefinitionError extends Data.TaggedError("TemplateDefinitionError")<{
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return `Template "${this.name}" is not a valid definition: ${this.reason}`
  }
}

const issuePaths = (error: ParseResult.ParseError): ReadonlyArray<string> => {
  const names = new Set<string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    if (issue.path.length > 0) names.add(String(issue.path[0]))
  }
  return [...names]
}

const issueText = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`))
    .join("; ")

/**
 * Checks a definition without building it: a kebab-case name and a semver version.
 *
 * @since 0.1.0
 */
export const validateDefinition = (name: string, version: string): TemplateDefinitionError | undefined =>
  !/^[a-z][a-z0-9-]*$/.test(name)
    ? new TemplateDefinitionError({ name, reason: "the name must be kebab-case (a-z, 0-9, '-')" })
    : !semver.isValid(version)
    ? new TemplateDefinitionError({ name, reason: `version "${version}" is not semver (MAJOR.MINOR.PATCH)` })
    : undefined

/**
 * Builds a template from its typed definition. The definition is checked with
 * {@link validateDefinition} by the registry that holds it.
 *
 * @since 0.1.0
 */
export const make = <A, I extends Answers>(options: Options<A, I>): Template<A> => {
  const id = `${options.name}@${options.version}`
  const decodeUnknown = Schema.decodeUnknown(options.parameters, { errors: "all" })
  const encode = Schema.encode(options.parameters)
  const decode = (input: Answers): Effect.Effect<A, ParameterError> =>
    decodeUnknown(input).pipe(
      Effect.mapError((error) =>
        new ParameterError({ template: id, parameters: issuePaths(error), detail: issueText(error) })
      )
    )
  const resolveAnswers = (input: Answers) =>
    decode(input).pipe(
      Effect.flatMap((a) => encode(a).pipe(Effect.orDie)),
      Effect.map((encoded): Answers => encoded)
    )
  const render = (input: Answers) =>
    Effect.gen(function*() {
      const answers = yield* decode(input)
      const files = yield* Effect.try({
        try: () => options.files(answers),
        catch: (cause) => new TemplateCodeError({ template: id, step: "files", cause })
      })
      for (const p of Object.keys(files)) {
        const reason = paths.unsafeReason(p)
        if (reason !== undefined) return yield* new UnsafePathError({ template: id, path: p, reason })
      }
      return files
    })
  const migrations = (options.migrations ?? []).map((m): MigrationStep => ({
    from: m.from,
    to: options.version,
    description: m.description,
    answers: m.answers,
    files: (files, raw) => {
      const transform = m.files
      if (transform === undefined) return Effect.succeed(files)
      return decode(raw).pipe(Effect.flatMap((answers) =>
        Effect.try({
          try: () => transform(files, answers),
          catch: (cause) => new TemplateCodeError({ template: id, step: `migration from ${m.from}`, cause })
        })
      ))
    }
  }))
  return {
    [TypeId]: TypeId,
    name: options.name,
    version: options.version,
    title: options.title ?? options.name,
    description: options.description,
    tags: options.tags ?? [],
    parameters: internalParameters.describeParameters(options.parameters.ast),
    migrations,
    ownership: ownershipOf(options.ownership),
    decode,
    resolveAnswers,
    render
  }
}

/**
 * Declares a migration from an older template version, typed on both sides: `answers` receives
 * the older version's decoded answers and returns the new version's raw answers (missing ones
 * take their defaults); `files` edits the project's files with the new answers.
 *
 * @since 0.1.0
 */
export const migrateFrom = <P, A>(
  previous: Template<P>,
  spec: {
    readonly description: string
    readonly answers: (previous: P) => Answers
    readonly files?: (files: Files, answers: A) => Files
  }
): Migration<A> => ({
  from: previous.version,
  description: spec.description,
  answers: (raw) => previous.decode(raw).pipe(Effect.map(spec.answers)),
  files: spec.files
})

/**
 * Whether a value is a template built by {@link make} (used by loaders on imported modules).
 *
 * @since 0.1.0
 */
export const isTemplate = (value: unknown): value is Template =>
  typeof value === "object" && value !== null && TypeId in value

/**
 * Turns a command-line string into the value the named parameter expects (a number, a boolean),
 * leaving validation to the schema.
 *
 * @since 0.1.0
 */
export const coerceParameter = (template: Template, name: string, raw: string): unknown =>
  internalParameters.coerce(template.parameters.find((p) => p.name === name), raw)

/**
 * Orders two semver versions (negative, zero, positive).
 *
 * @since 0.1.0
 */
export const compareVersions = (a: string, b: string): number => semver.compare(a, b)
