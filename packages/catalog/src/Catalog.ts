/**
 * Loading a catalog: files, directories and globs of Backstage descriptor YAML, Location
 * entities followed (relative to their file, `presence`, cycle-safe), `$text`/`$json`/`$yaml`
 * placeholders resolved, every entity validated against its kind, relations computed and
 * integrity checked over the whole set.
 *
 * Loading never fails for bad input: every problem — a YAML syntax error, an invalid name, an
 * alias bomb, a file too large, a target outside the root — is returned as data with its file,
 * line and column, and one bad file never stops the others.
 *
 * ```ts
 * const { entities, problems } = yield* Catalog.load(["./services"])
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as CatalogSource from "./CatalogSource.js"
import type { Entity } from "./Entity.js"
import * as EntityRef from "./EntityRef.js"
import * as Integrity from "./Integrity.js"
import { defaultRegistry, KindRegistry, type Registry } from "./KindRegistry.js"
import type { Problem } from "./Problem.js"
import * as Relations from "./Relations.js"
import { loadFiles } from "./internal/loader.js"
import { pathToString, validateEntity } from "./internal/validateEntity.js"

/**
 * Limits and choices for {@link load}. Every field has a default that suits a repository of
 * hand-written catalog files.
 *
 * @since 0.1.0
 */
export interface LoadOptions {
  /**
   * Locations and placeholders may not point outside this directory (`location/escape`).
   * Default: each input's own directory (the directory given, or the directory of the file or
   * of the glob's fixed prefix).
   */
  readonly root?: string
  /** Files larger than this are not read (`file/too-large`). Default 5 MiB. */
  readonly maxFileBytes?: number
  /** Aliases a document may expand (`yaml/alias-limit`). Default 100, as `yaml`'s default. */
  readonly maxAliasCount?: number
  /**
   * Documents read from one file (`yaml/too-many-documents`). Default 1000. The limit applies
   * while parsing: documents past it are never built.
   */
  readonly maxDocuments?: number
  /** Files read in total, Location targets included (`input/too-many-files`). Default 200 000. */
  readonly maxFiles?: number
  /**
   * Files asked of the `CatalogSource` in one `read` (a batch). A load can be interrupted
   * between two batches. Default 32.
   */
  readonly concurrency?: number
  /** The integrity policy, or `false` to skip the integrity check. Default {@link Integrity.defaultPolicy}. */
  readonly integrity?: Integrity.Policy | false
  /**
   * Called after each file has been read and its entities validated, for a progress display
   * (`paved catalog ingest` on a terminal). Synchronous and cheap: it runs on the loading path.
   * Absent by default, and then loading does no progress bookkeeping at all.
   *
   * @since 0.2.0
   */
  readonly onProgress?: ((progress: LoadProgress) => void) | undefined
}

/**
 * How far a {@link load} has got, given to {@link LoadOptions.onProgress} after each file.
 *
 * - `files`: files read so far (skipped non-catalog YAML included);
 * - `total`: files known so far; it grows while a directory is walked (files are read as
 *   they are found) and when a Location names more files;
 * - `entities`: entities validated and accepted so far;
 * - `skipped`: YAML files found in directories that declare no catalog entity;
 * - `file`: the absolute path of the file just read.
 *
 * @since 0.2.0
 */
export interface LoadProgress {
  readonly files: number
  readonly total: number
  readonly entities: number
  readonly skipped: number
  readonly file: string
}

/**
 * The defaults of {@link LoadOptions}.
 *
 * @since 0.1.0
 */
export const defaults = {
  maxFileBytes: 5 * 1024 * 1024,
  maxAliasCount: 100,
  maxDocuments: 1000,
  maxFiles: 200_000,
  concurrency: 32
} as const

/**
 * An accepted entity with its relations filled in, and where it was read: the absolute file,
 * the line and column where its document starts, and the location (`file:<absolute path>`)
 * of the file that emitted it.
 *
 * @since 0.1.0
 */
export interface LoadedEntity {
  readonly entity: Entity
  readonly ref: EntityRef.EntityRef
  readonly file: string
  readonly line: number
  readonly column: number
  readonly location: string
}

/**
 * A file that was read. `ok` is false when it could not be read or parsed, or held an invalid
 * entity, so that a store can keep the last good entities of that file.
 *
 * @since 0.1.0
 */
export interface Source {
  readonly file: string
  readonly location: string
  readonly ok: boolean
}

/**
 * What {@link load} found.
 *
 * @since 0.1.0
 */
export interface LoadResult {
  readonly entities: ReadonlyArray<LoadedEntity>
  readonly problems: ReadonlyArray<Problem>
  readonly sources: ReadonlyArray<Source>
  /**
   * YAML files found while walking a directory that declare no catalog entity (Kubernetes
   * manifests, CI workflows, OpenAPI files): not read further, not reported as problems, and
   * listed here so that a report can count them. Absolute paths, sorted.
   *
   * @since 0.2.0
   */
  readonly skipped: ReadonlyArray<string>
}

const registryFromContext: Effect.Effect<Registry> = Effect.map(
  Effect.serviceOption(KindRegistry),
  Option.getOrElse(() => defaultRegistry)
)

// Files are listed and read through the CatalogSource in the context, else the file system.
const sourceFromContext: Effect.Effect<CatalogSource.Source> = Effect.map(
  Effect.serviceOption(CatalogSource.CatalogSource),
  Option.getOrElse(() => CatalogSource.fileSystem)
)

/**
 * Loads catalog files, directories and globs (`*`, `**`, `?`), following Location entities.
 * Uses the {@link KindRegistry} in the context, or the built-in kinds, and lists and reads files
 * through the `CatalogSource` in the context, or the local file system (`CatalogSource.fileSystem`).
 *
 * - A **directory** yields every `*.yaml` / `*.yml` below it whose documents are catalog
 *   entities: a top-level `apiVersion` of `backstage.io/*`, `scaffolder.backstage.io/*`, or one
 *   a registered kind declares. Other YAML (Kubernetes manifests, CI workflows, OpenAPI files)
 *   is skipped without a problem and listed in `skipped`. `node_modules`, `dist` and every
 *   directory whose name starts with a dot (`.git`, `.paved`, `.github`) are not entered, and
 *   symbolic links are not followed.
 * - A directory whose top-level `catalog-info.yaml` is a **Location** is read from that file:
 *   its targets say what the catalog holds, as Backstage reads a registered repository.
 * - **Files and globs** are read whatever they hold: every document they name is validated.
 * - An input that matches nothing is an `input/no-match` error, never an empty catalog.
 * - Every file is read only when its real path lies inside its root (see {@link LoadOptions.root}).
 *
 * @since 0.1.0
 */
export const load = (paths: ReadonlyArray<string>, options: LoadOptions = {}): Effect.Effect<LoadResult> =>
  Effect.flatMap(Effect.zip(registryFromContext, sourceFromContext), ([registry, source]) =>
    loadFiles(paths, {
      root: options.root,
      maxFileBytes: options.maxFileBytes ?? defaults.maxFileBytes,
      maxAliasCount: options.maxAliasCount ?? defaults.maxAliasCount,
      maxDocuments: options.maxDocuments ?? defaults.maxDocuments,
      maxFiles: options.maxFiles ?? defaults.maxFiles,
      concurrency: Math.max(1, options.concurrency ?? defaults.concurrency),
      integrity: options.integrity ?? Integrity.defaultPolicy,
      registry,
      source,
      onProgress: options.onProgress
    }).pipe(Effect.map((loaded): LoadResult => ({
      entities: loaded.entities.map(({ entity, ref, file, line, column, location }) => ({ entity, ref, file, line, column, location })),
      problems: loaded.problems,
      sources: loaded.sources,
      skipped: loaded.skipped
    }))
  )).pipe(Effect.withSpan("Catalog.load", { attributes: { "paved.catalog.inputs": paths.length } }))

/**
 * Options for {@link validateEntities}.
 *
 * @since 0.1.0
 */
export interface ValidateOptions {
  /** The kinds to validate against. Default: the {@link KindRegistry} in the context, or the built-in kinds. */
  readonly registry?: Registry
  /** Run the integrity check over the valid entities. Default `false`. */
  readonly integrity?: Integrity.Policy | false
  /** Fill in `relations`. Default `true`. */
  readonly relations?: boolean
}

/**
 * What {@link validateEntities} found: the valid entities (namespace defaulted, relations filled
 * in) and the problems. A problem's `path` starts with the input's index: `[3].metadata.name`.
 *
 * @since 0.1.0
 */
export interface ValidationResult {
  readonly entities: ReadonlyArray<Entity>
  readonly problems: ReadonlyArray<Problem>
}

/**
 * Validates in-memory values (parsed JSON, objects built by a script) with the same rules as
 * {@link load}, without files or positions.
 *
 * @since 0.1.0
 */
export const validateEntities = (
  values: ReadonlyArray<unknown>,
  options: ValidateOptions = {}
): Effect.Effect<ValidationResult> =>
  Effect.map(
    options.registry === undefined ? registryFromContext : Effect.succeed(options.registry),
    (registry) => validateEntitiesWith(values, registry, options.integrity ?? false, options.relations ?? true)
  )

/**
 * The synchronous core of {@link validateEntities}, for callers outside an Effect (and the
 * benchmark's hot loop).
 *
 * @since 0.1.0
 */
export const validateEntitiesWith = (
  values: ReadonlyArray<unknown>,
  registry: Registry = defaultRegistry,
  integrity: Integrity.Policy | false = false,
  relations = true
): ValidationResult => {
  const valid: Array<Entity> = []
  const problems: Array<Problem> = []
  const seen = new Set<string>()
  for (let i = 0; i < values.length; i++) {
    const result = validateEntity(values[i], registry)
    const entity = result.entity
    if (result.issues.length > 0) {
      for (const issue of result.issues) {
        problems.push({ severity: issue.severity, path: pathToString([i, ...issue.path]), rule: issue.rule, message: issue.message })
      }
    }
    if (entity === undefined) continue
    const ref = EntityRef.of(entity)
    if (Relations.hasInvalidRefs(entity, registry)) {
      for (const r of Relations.outgoing(entity, registry).invalid) {
        problems.push({ severity: "error", path: pathToString([i, ...r.path]), ref, rule: "relation/invalid-ref", message: r.message })
      }
      continue
    }
    if (seen.has(ref)) {
      problems.push({ severity: "error", path: pathToString([i]), ref, rule: "entity/duplicate", message: `${ref} appears more than once; keep one` })
      continue
    }
    seen.add(ref)
    valid.push(entity)
  }
  const entities = relations ? Relations.attach(valid, registry) : valid
  if (integrity !== false) problems.push(...Integrity.check(entities, { policy: integrity, registry }))
  return { entities, problems }
}
