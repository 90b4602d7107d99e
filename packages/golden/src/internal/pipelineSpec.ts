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
