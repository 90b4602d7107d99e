/**
 * Rendering a pipeline spec as GitLab CI: the same jobs as the GitHub Actions workflow, as
 * stages, with merge-request pipelines for previews.
 */
import { serviceContainers } from "./githubActions.js"
import * as pipelineSpec from "./pipelineSpec.js"
import type { PipelineSpec } from "./pipelineSpec.js"
import * as YAML from "./yamlEmit.js"

/** The job names, in stage order. */
export const jobNames = ["validate", "test", "build", "plan", "preview", "deploy"] as const

/**
 * Where the pipeline goes, from the repository root: `.gitlab-ci.yml` for a service at the root;
 * for one in a subdirectory, `.gitlab/ci/<name>.gitlab-ci.yml`, which the root `.gitlab-ci.yml`
 * includes (`include: [{ local: .gitlab/ci/<name>.gitlab-ci.yml }]`), since GitLab reads one
 * pipeline file per project.
 */
export const pipelinePath = (spec: PipelineSpec): string =>
  spec.workingDirectory === "." ? ".gitlab-ci.yml" : `.gitlab/ci/${spec.name}.gitlab-ci.yml`

export const renderPipeline = (spec: PipelineSpec): string => {
  const dir = spec.workingDirectory
  const cd = dir === "." ? [] : [`cd ${JSON.stringify(dir)}`]
  const node = `node:${spec.nodeVersion}`
  const image = `$CI_REGISTRY_IMAGE/${spec.name}:$CI_COMMIT_SHA`
  const containers = serviceContainers(spec)
  const services = Object.entries(containers).map(([alias, c]) => ({ name: c.image, alias }))
  const serviceVariables = {
    ...Object.assign({}, ...Object.values(containers).map((c) => c.env ?? {})) as Record<string, string>,
    ...("postgres" in containers ? { DATABASE_URL: "postgres://postgres:postgres@postgres:5432/postgres" } : {})
  }
  // In a subdirectory, the jobs run when the service's files change.
  const changes = dir === "." ? {} : { changes: [`${dir}/**/*`, pipelinePath(spec)] }
  const onMain = [{ if: `$CI_COMMIT_BRANCH == ${JSON.stringify(spec.mainBranch)}`, ...changes }]
  const onMergeRequest = [{ if: "$CI_PIPELINE_SOURCE == \"merge_request_event\"", ...changes }]
  const prefix = dir === "." ? "" : `${spec.name}:`
  const install = pipelineSpec.installPaved
  // Project CI/CD variables of the same name (PAVED_CLI_PACKAGE) override these.
  const common = { PAVED_CLI_PACKAGE: spec.cliPackage, PAVED_ENTITY_REF: spec.entityRef, PAVED_TARGET_ENV: spec.targetEnvironment }
  const jobs = {
    validate: { stage: "validate", image: node, rules: [...onMergeRequest, ...onMain], script: [...cd, install, `paved catalog validate ${spec.catalogFile}`] },
    test: {
      stage: "test",
      image: node,
      rules: [...onMergeRequest, ...onMain],
      ...(services.length === 0 ? {} : { services, variables: serviceVariables }),
      script: [...cd, "npm ci", "npm run build", "npm test"]
    },
    build: {
      stage: "build",
      image: "docker:27",
      services: [{ name: "docker:27-dind", alias: "docker" }],
      rules: [...onMergeRequest, ...onMain],
      script: [...cd, `docker build -t ${image} .`]
    },
    plan: {
      stage: "plan",
      image: node,
      rules: [...onMergeRequest, ...onMain],
      // PAVED_DB_URL and PAVED_SECRET_KEY are CI/CD variables (masked): the recorded state.
      script: [...cd, install, pipelineSpec.provisionCommand(spec, "plan")]
    },
    preview: {
      stage: "preview",
      image: node,
      rules: onMergeRequest,
      services: [{ name: "postgres:16", alias: "postgres" }],
      variables: {
        POSTGRES_PASSWORD: "postgres",
        PAVED_POSTGRES_URL: "postgres://postgres:postgres@postgres:5432/postgres",
        PAVED_PREVIEW: "mr-$CI_MERGE_REQUEST_IID"
      },
      script: [
        ...cd,
        install,
        "npm ci",
        "npm run build",
        "git fetch origin $CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
        pipelineSpec.previewCommand("origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        "paved env list"
      ],
      after_script: [...cd, "paved env down \"$PAVED_PREVIEW\" --yes"]
    },
    deploy: {
      stage: "deploy",
      image: "docker:27",
      services: [{ name: "docker:27-dind", alias: "docker" }],
      rules: onMain,
      environment: { name: spec.targetEnvironment },
      script: [
        ...cd,
        pipelineSpec.requireDeploySecrets,
        "echo \"$CI_REGISTRY_PASSWORD\" | docker login $CI_REGISTRY -u $CI_REGISTRY_USER --password-stdin",
        `docker build -t ${image} .`,
        `docker push ${image}`,
        "apk add --no-cache nodejs npm",
        install,
        pipelineSpec.provisionCommand(spec, "apply")
      ]
    }
  }
  const pipeline = {
    ...(dir === "." ? { workflow: { rules: [{ if: "$CI_PIPELINE_SOURCE == \"merge_request_event\"" }, { if: `$CI_COMMIT_BRANCH == ${JSON.stringify(spec.mainBranch)}` }] } } : {}),
    ...(dir === "." ? { stages: [...jobNames] } : {}),
    // Variables per job, so the pipelines of several services can be included side by side.
    ...Object.fromEntries(Object.entries(jobs).map(([name, job]) => [
      `${prefix}${name}`,
      { ...job, variables: { ...common, ...("variables" in job ? job.variables : {}) } }
    ]))
  }
  return "# Generated by `paved golden pipeline --provider gitlab-ci` from the catalog entity and the Score workload.\n" +
    "# CI/CD variables: PAVED_DB_URL, PAVED_POSTGRES_URL, PAVED_SECRET_KEY (masked), and PAVED_CLI_PACKAGE to\n" +
    "# install paved from a tarball URL until @paved/cli is on your registry.\n" +
    (dir === "." ? "" : `# Include it from the root .gitlab-ci.yml (which declares the stages ${jobNames.join(", ")}):\n#   include: [{ local: ${pipelinePath(spec)} }]\n`) +
    YAML.stringify(pipeline)
}
