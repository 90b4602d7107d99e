/**
 * CI pipelines generated from what a service declares: its catalog entity (`catalog-info.yaml`)
 * and its Score workload (`score.yaml`). The pipeline validates the entity, tests (with service
 * containers for the resources the workload asks for), builds the image, plans provisioning for
 * the target environment, brings up a preview environment per pull request and deploys on the
 * main branch. The generator is a service with one layer per CI system (GitHub Actions, GitLab CI).
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Entity, EntityRef, Problem, Yaml } from "@paved/catalog"
import * as Workload from "@paved/provision/Workload"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as nodeFs from "node:fs"
import * as nodePath from "node:path"
import * as githubActions from "./internal/githubActions.js"
import * as gitlabCi from "./internal/gitlabCi.js"
import * as pipelineSpec from "./internal/pipelineSpec.js"
import * as Manifest from "./Manifest.js"

/**
 * The provider-neutral pipeline description: service name, entity ref, lifecycle, the
 * workload's resources, target environment, Node.js version, main branch, file names, the
 * working directory inside the repository, and how CI invokes `paved`.
 *
 * @since 0.1.0
 */
export type PipelineSpec = pipelineSpec.PipelineSpec

/**
 * A generated pipeline: which provider, where it goes in the repository (relative to the
 * repository root, where the CI system reads it), its text and jobs.
 *
 * @since 0.1.0
 */
export interface GeneratedPipeline {
  readonly provider: string
  readonly path: string
  readonly content: string
  readonly jobs: ReadonlyArray<string>
}

/**
 * The pipeline generator service.
 *
 * @since 0.1.0
 */
export class PipelineGenerator extends Context.Tag("@paved/golden/PipelineGenerator")<PipelineGenerator, {
  readonly provider: string
  readonly generate: (spec: PipelineSpec) => Effect.Effect<GeneratedPipeline>
}>() {}

/**
 * GitHub Actions: `.github/workflows/ci.yml` for a service at the repository root; for one in a
 * subdirectory, `.github/workflows/<name>.yml` at the root (the only place GitHub reads
 * workflows), with the subdirectory as `working-directory` and a `paths` filter.
 *
 * @since 0.1.0
 */
export const layerGitHubActions: Layer.Layer<PipelineGenerator> = Layer.succeed(PipelineGenerator, {
  provider: "github-actions",
  generate: (spec) =>
    Effect.sync(() => ({
      provider: "github-actions",
      path: githubActions.workflowPath(spec),
      content: githubActions.renderWorkflow(spec),
      jobs: [...githubActions.jobNames]
    }))
})

/**
 * GitLab CI: `.gitlab-ci.yml` for a service at the repository root, with merge-request pipelines
 * for previews; for one in a subdirectory, `.gitlab/ci/<name>.gitlab-ci.yml`, to be included from
 * the root `.gitlab-ci.yml`, with jobs prefixed by the service name and `rules: changes`.
 *
 * @since 0.1.0
 */
export const layerGitLabCi: Layer.Layer<PipelineGenerator> = Layer.succeed(PipelineGenerator, {
  provider: "gitlab-ci",
  generate: (spec) =>
    Effect.sync(() => ({
      provider: "gitlab-ci",
      path: gitlabCi.pipelinePath(spec),
      content: gitlabCi.renderPipeline(spec),
      jobs: [...gitlabCi.jobNames]
    }))
})

/**
 * The catalog entity or the workload is missing or does not say what the pipeline needs.
 * `problems`, when the file was read, are its located problems (YAML syntax, Score schema).
 *
 * @since 0.1.0
 */
export class PipelineInputError extends Data.TaggedError("PipelineInputError")<{
  readonly file: string
  readonly reason: string
  readonly problems?: ReadonlyArray<Problem.Problem>
}> {
  override get message(): string {
    return `${this.file}: ${this.reason}`
  }
}

const invalid = (file: string, what: string, problems: ReadonlyArray<Problem.Problem>) =>
  new PipelineInputError({ file, reason: `${what}:\n  ${problems.map(Problem.format).join("\n  ")}`, problems })

const parseYaml = (file: string, text: string): Either.Either<ReadonlyArray<unknown>, PipelineInputError> => {
  const { documents, problems } = Yaml.parseAll(text, { file })
  const broken = [...problems, ...documents.flatMap((d) => d.problems)]
  if (broken.length > 0) return Either.left(invalid(file, "invalid YAML", broken))
  return Either.right(documents.map((d) => d.value))
}

const decodeEntity = Schema.decodeUnknownEither(Entity.Entity)

// The one Score schema and checks of @paved/provision: a workload `paved provision plan` would
// refuse is refused here too, at its line.
const decodeWorkload = (file: string, text: string): Either.Either<Workload.Workload, PipelineInputError> => {
  const decoded = Workload.decode(text, file)
  return decoded.located === undefined || decoded.problems.length > 0
    ? Either.left(invalid(file, "not a valid Score workload", decoded.problems))
    : Either.right(decoded.located.workload)
}

/**
 * Options for {@link specFromService}; every one has a default.
 *
 * @since 0.1.0
 */
export interface SpecOptions {
  /** Target environment of plan and deploy (default: `production` for production services, else `staging`). */
  readonly targetEnvironment?: string | undefined
  /** Default `20`, or the `nodeVersion` recorded by the template. */
  readonly nodeVersion?: string | undefined
  /** Default `main`. */
  readonly mainBranch?: string | undefined
  /** Where the service lives inside its repository (default: its path from {@link repositoryRoot}). */
  readonly workingDirectory?: string | undefined
  /**
   * What CI installs to get `paved` when the runner has none (default `@paved/cli@0.1`); a
   * tarball URL works before the packages are published. The CI variable `PAVED_CLI_PACKAGE`
   * overrides it.
   */
  readonly cliPackage?: string | undefined
}

/**
 * The repository root of a service directory: the nearest directory at or above it holding
 * `.git`, else the directory itself. Pipelines are written relative to it.
 *
 * @since 0.1.0
 */
export const repositoryRoot = (dir: string): string => {
  const start = nodePath.resolve(dir)
  for (let current = start; ; current = nodePath.dirname(current)) {
    if (nodeFs.existsSync(nodePath.join(current, ".git"))) return current
    if (nodePath.dirname(current) === current) return start
  }
}

/**
 * Reads `catalog-info.yaml` (the first Component) and `score.yaml` in `dir` into a pipeline spec.
 *
 * @since 0.1.0
 */
export const specFromService = (
  dir: string,
  options: SpecOptions = {}
): Effect.Effect<PipelineSpec, PipelineInputError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const read = (name: string) =>
      fs.readFileString(path.join(dir, name)).pipe(
        Effect.mapError(() => new PipelineInputError({ file: path.join(dir, name), reason: "cannot read the file" }))
      )
    const catalogFile = path.join(dir, "catalog-info.yaml")
    const docs = yield* Effect.flatMap(read("catalog-info.yaml"), (text) => parseYaml(catalogFile, text))
    const component = docs
      .map((d) => decodeEntity(d))
      .flatMap((e) => (Either.isRight(e) && e.right.kind.toLowerCase() === "component" ? [e.right] : []))[0]
    if (component === undefined) {
      return yield* new PipelineInputError({ file: catalogFile, reason: "no valid Component entity" })
    }
    const workloadFile = path.join(dir, "score.yaml")
    const workload = yield* Effect.flatMap(read("score.yaml"), (text) => decodeWorkload(workloadFile, text))
    // A service generated by a template records its Node.js version in the manifest.
    const recorded = yield* Manifest.read(dir).pipe(
      Effect.map((m) => (typeof m.answers.nodeVersion === "string" ? m.answers.nodeVersion : undefined)),
      Effect.orElseSucceed(() => undefined)
    )
    const lifecycle = typeof component.spec?.lifecycle === "string" ? component.spec.lifecycle : "experimental"
    return {
      name: component.metadata.name,
      entityRef: EntityRef.of(component),
      lifecycle,
      resources: Object.entries(workload.resources ?? {}).map(([name, r]) => ({ name, type: r.type })),
      targetEnvironment: options.targetEnvironment ?? pipelineSpec.defaultTargetEnvironment(lifecycle),
      nodeVersion: options.nodeVersion ?? recorded ?? "20",
      mainBranch: options.mainBranch ?? "main",
      catalogFile: "catalog-info.yaml",
      workloadFile: "score.yaml",
      workingDirectory: options.workingDirectory ?? (nodePath.relative(repositoryRoot(dir), nodePath.resolve(dir)).split(nodePath.sep).join("/") || "."),
      cliPackage: options.cliPackage ?? pipelineSpec.defaultCliPackage
    }
  })

/**
 * Generates the pipeline of the service in `dir` with the provided generator.
 *
 * @since 0.1.0
 */
export const pipelineFor = (
  dir: string,
  options: SpecOptions = {}
): Effect.Effect<GeneratedPipeline, PipelineInputError, PipelineGenerator | FileSystem.FileSystem | Path.Path> =>
  Effect.flatMap(specFromService(dir, options), (spec) => Effect.flatMap(PipelineGenerator, (g) => g.generate(spec)))
