/**
 * The provider-neutral description of a service's pipeline, derived from its catalog entity and
 * Score workload.
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
  readonly workingDirectory: string
  readonly pavedCommand: string
}

/** Production services deploy to production; everything else to staging. */
export const defaultTargetEnvironment = (lifecycle: string): string => lifecycle === "production" ? "production" : "staging"

export const defaultPavedCommand = "npx --yes --package @paved/cli@0.1 paved"

/**
 * The commands the pipelines run, with the flags `paved provision` and `paved env` take. The
 * entity gives the resources their owner, system and cost-centre tags, which the standards of
 * staging and production require.
 */
export const envTypeOf = (target: string): string =>
  ["development", "preview", "staging", "production"].includes(target) ? target : "staging"

export const provisionCommand = (spec: PipelineSpec, verb: "plan" | "apply"): string =>
  `$PAVED provision ${verb} --env $PAVED_TARGET_ENV --env-type ${envTypeOf(spec.targetEnvironment)} ` +
  `--entity $PAVED_ENTITY_REF --catalog ${spec.catalogFile} --workload ${spec.workloadFile}`

/** `paved env up` for a preview named `name`, its change set being the files changed since `base`. */
export const previewCommand = (name: string, base: string): string =>
  `$PAVED env up ${name} --type preview --ttl 72h --changed-files "$(git diff --name-only ${base}...HEAD | paste -sd, -)"`
