/**
 * The provider-neutral description of a service's pipeline, derived from its catalog entity and
 * Score workload, and the shell commands both CI systems run.
 */

export interface PipelineResource {
  readonly name: string
  readonly type: string
}

export interface PipelineSpec {
  readonly name: string
  readonly entityRef: string
  readonly lifecycle: string
  readonly resources: ReadonlyArray<PipelineResource>
  readonly targetEnvironment: string
  readonly nodeVersion: string
  readonly mainBranch: string
  readonly catalogFile: string
  readonly workloadFile: string
  /** The service's directory relative to the repository root (`.` when it is the root). */
  readonly workingDirectory: string
  /**
   * What `npm install --global` installs to get `paved` when the runner has none: a registry
   * spec (default `@paved/cli@0.1`), or a tarball URL before the packages are published. The
   * CI variable `PAVED_CLI_PACKAGE` overrides it without regenerating.
   */
  readonly cliPackage: string
}

/** Production services deploy to production; everything else to staging. */
export const defaultTargetEnvironment = (lifecycle: string): string => lifecycle === "production" ? "production" : "staging"

export const defaultCliPackage = "@paved/cli@0.1"

/**
 * Installs `paved` unless the runner already has one on its PATH (a self-hosted runner, an image
 * with Paved, or a test that puts this repository's build first).
 */
export const installPaved =
  "command -v paved >/dev/null 2>&1 || npm install --global --no-audit --no-fund \"$PAVED_CLI_PACKAGE\""

/** The environment type of the target environment (its name, when it is one of the four). */
export const envTypeOf = (target: string): string =>
  ["development", "preview", "staging", "production"].includes(target) ? target : "staging"

/**
 * `paved provision plan|apply` for the target environment. The entity gives the resources their
 * owner, system and cost-centre tags, which the standards of staging and production require.
 */
export const provisionCommand = (spec: PipelineSpec, verb: "plan" | "apply"): string =>
  `paved provision ${verb} --env "$PAVED_TARGET_ENV" --env-type ${envTypeOf(spec.targetEnvironment)} ` +
  `--entity "$PAVED_ENTITY_REF" --catalog ${spec.catalogFile} --workload ${spec.workloadFile}`

/**
 * `paved env up` for the preview named by `$PAVED_PREVIEW`, its change set being the files
 * changed since `base` (paths from the repository root, as `env up` expects).
 */
export const previewCommand = (base: string): string =>
  `paved env up "$PAVED_PREVIEW" --type preview --ttl 72h --changed-files "$(git diff --name-only ${base}...HEAD | paste -sd, -)"`

/** Fails the deploy early, with what to set, when the state store or the server is missing. */
export const requireDeploySecrets =
  "test -n \"$PAVED_DB_URL\" || { echo \"PAVED_DB_URL is not set: add a secret with the PostgreSQL URL of Paved's state store, " +
  "so what apply creates is recorded beyond this runner\" >&2; exit 1; }\n" +
  "test -n \"$PAVED_POSTGRES_URL\" || { echo \"PAVED_POSTGRES_URL is not set: add a secret with the PostgreSQL server the " +
  "target environment's databases live on\" >&2; exit 1; }\n" +
  "test -n \"$PAVED_SECRET_KEY\" || { echo \"PAVED_SECRET_KEY is not set: add a secret with the key (64 hex digits) that " +
  "encrypts the recorded outputs\" >&2; exit 1; }"
