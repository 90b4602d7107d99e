/**
 * Rendering a pipeline spec as a GitHub Actions workflow.
 */
import * as YAML from "./yamlEmit.js"
import * as pipelineSpec from "./pipelineSpec.js"
import type { PipelineSpec } from "./pipelineSpec.js"

interface ServiceContainer {
  readonly image: string
  readonly env?: Record<string, string>
  readonly ports: ReadonlyArray<string>
  readonly options?: string
}

// Test-time service containers for the resource types Paved provisions, so the test job talks
// to the same kind of infrastructure the workload asks for.
const containers: Record<string, ServiceContainer> = {
  postgres: {
    image: "postgres:16",
    env: { POSTGRES_PASSWORD: "postgres" },
    ports: ["5432:5432"],
    options: "--health-cmd pg_isready --health-interval 5s --health-timeout 5s --health-retries 10"
  },
  redis: { image: "redis:7", ports: ["6379:6379"] },
  mysql: { image: "mariadb:11", env: { MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1" }, ports: ["3306:3306"] },
  amqp: { image: "rabbitmq:3", ports: ["5672:5672"] },
  nats: { image: "nats:2", ports: ["4222:4222"] }
}
const aliases: Record<string, string> = { postgresql: "postgres", mariadb: "mysql", rabbitmq: "amqp" }

/** The service containers the test job runs for a workload's resources. */
export const serviceContainers = (spec: PipelineSpec): Record<string, ServiceContainer> => {
  const out: Record<string, ServiceContainer> = {}
  for (const r of spec.resources) {
    const type = aliases[r.type] ?? r.type
    const container = containers[type]
    if (container !== undefined && !(type in out)) out[type] = container
  }
  return out
}

const checkout = (fetchDepth?: number) => ({
  uses: "actions/checkout@v4",
  ...(fetchDepth === undefined ? {} : { with: { "fetch-depth": fetchDepth } })
})

/** The job names, in the order the workflow declares them. */
export const jobNames = ["validate", "test", "build", "plan", "preview", "deploy"] as const

/**
 * Where the workflow goes, from the repository root: GitHub reads workflows only from the root's
 * `.github/workflows/`, so a service in a subdirectory gets its own file there.
 */
export const workflowPath = (spec: PipelineSpec): string =>
  spec.workingDirectory === "." ? ".github/workflows/ci.yml" : `.github/workflows/${spec.name}.yml`

// A GitHub expression string literal: single quotes doubled.
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`

/** The variables the test job's commands get for the service containers (reached on localhost). */
const containerVariables = (services: Record<string, ServiceContainer>): Record<string, string> => ({
  ...("postgres" in services ? { DATABASE_URL: "postgres://postgres:postgres@localhost:5432/postgres" } : {}),
  ...("redis" in services ? { REDIS_URL: "redis://localhost:6379" } : {}),
  ...("mysql" in services ? { MYSQL_URL: "mysql://root@localhost:3306/mysql" } : {}),
  ...("amqp" in services ? { AMQP_URL: "amqp://guest:guest@localhost:5672" } : {}),
  ...("nats" in services ? { NATS_URL: "nats://localhost:4222" } : {})
})

/** Renders the workflow YAML. */
export const renderWorkflow = (spec: PipelineSpec): string => {
  const dir = spec.workingDirectory
  const at = (file: string) => (dir === "." ? file : `${dir}/${file}`)
  const setupNode = {
    uses: "actions/setup-node@v4",
    with: { "node-version": spec.nodeVersion, cache: "npm", "cache-dependency-path": at("package-lock.json") }
  }
  const installPaved = { name: "Install paved", run: pipelineSpec.installPaved }
  const services = serviceContainers(spec)
  const image = `ghcr.io/\${{ github.repository }}/${spec.name}:\${{ github.sha }}`
  // A service in a subdirectory runs when its files (or its workflow) change.
  const paths = dir === "." ? {} : { paths: [`${dir}/**`, workflowPath(spec)] }
  const secret = (name: string) => `\${{ secrets.${name} }}`
  const workflow = {
    name: `${spec.name} (paved)`,
    on: { push: { branches: [spec.mainBranch], ...paths }, pull_request: { ...paths } },
    concurrency: { group: `${spec.name}-\${{ github.ref }}`, "cancel-in-progress": true },
    env: {
      PAVED_CLI_PACKAGE: `\${{ vars.PAVED_CLI_PACKAGE || ${literal(spec.cliPackage)} }}`,
      PAVED_ENTITY_REF: spec.entityRef,
      PAVED_TARGET_ENV: spec.targetEnvironment
    },
    ...(dir === "." ? {} : { defaults: { run: { "working-directory": dir } } }),
    jobs: {
      validate: {
        name: "Validate catalog entity",
        "runs-on": "ubuntu-latest",
        steps: [checkout(), setupNode, installPaved, { name: "paved catalog validate", run: `paved catalog validate ${spec.catalogFile}` }]
      },
      test: {
        name: "Test",
        needs: ["validate"],
        "runs-on": "ubuntu-latest",
        ...(Object.keys(services).length === 0 ? {} : { services, env: containerVariables(services) }),
        steps: [checkout(), setupNode, { run: "npm ci" }, { run: "npm run build" }, { run: "npm test" }]
      },
      build: {
        name: "Build image",
        needs: ["test"],
        "runs-on": "ubuntu-latest",
        steps: [checkout(), { name: "docker build", run: `docker build -t ${image} .` }]
      },
      plan: {
        name: `Provision plan (${spec.targetEnvironment})`,
        needs: ["validate"],
        "runs-on": "ubuntu-latest",
        // The recorded state lives in PostgreSQL (the PAVED_DB_URL secret), so the plan compares
        // with what earlier deploys created; without it, it plans against an empty state.
        env: { PAVED_DB_URL: secret("PAVED_DB_URL"), PAVED_SECRET_KEY: secret("PAVED_SECRET_KEY") },
        steps: [
          checkout(),
          setupNode,
          installPaved,
          {
            name: `paved provision plan (${spec.resources.map((r) => `${r.name}: ${r.type}`).join(", ") || "no resources"})`,
            run: pipelineSpec.provisionCommand(spec, "plan")
          }
        ]
      },
      preview: {
        name: "Preview environment",
        if: "github.event_name == 'pull_request'",
        needs: ["test", "plan"],
        "runs-on": "ubuntu-latest",
        // The change set runs on this runner, its databases on a PostgreSQL service container; it
        // is brought up, shown healthy, and removed when the job ends.
        services: { postgres: containers.postgres! },
        env: {
          PAVED_POSTGRES_URL: "postgres://postgres:postgres@localhost:5432/postgres",
          PAVED_PREVIEW: "pr-${{ github.event.number }}"
        },
        steps: [
          checkout(0),
          setupNode,
          installPaved,
          { run: "npm ci" },
          { run: "npm run build" },
          { name: "paved env up (the pull request's change set)", run: pipelineSpec.previewCommand("origin/${{ github.base_ref }}") },
          { name: "paved env list", run: "paved env list" },
          { name: "paved env down", if: "always()", run: "paved env down \"$PAVED_PREVIEW\" --yes" }
        ]
      },
      deploy: {
        name: `Deploy (${spec.targetEnvironment})`,
        if: `github.event_name == 'push' && github.ref == 'refs/heads/${spec.mainBranch}'`,
        needs: ["build", "plan"],
        "runs-on": "ubuntu-latest",
        environment: { name: spec.targetEnvironment },
        permissions: { contents: "read", packages: "write" },
        env: {
          PAVED_DB_URL: secret("PAVED_DB_URL"),
          PAVED_POSTGRES_URL: secret("PAVED_POSTGRES_URL"),
          PAVED_SECRET_KEY: secret("PAVED_SECRET_KEY")
        },
        steps: [
          checkout(),
          setupNode,
          { name: "Check the deploy secrets", run: pipelineSpec.requireDeploySecrets },
          { name: "docker build", run: `docker build -t ${image} .` },
          {
            name: "docker push",
            run: `echo "\${{ secrets.GITHUB_TOKEN }}" | docker login ghcr.io -u \${{ github.actor }} --password-stdin && docker push ${image}`
          },
          installPaved,
          { name: "paved provision apply", run: pipelineSpec.provisionCommand(spec, "apply") }
        ]
      }
    }
  }
  // eslint-disable-next-line no-control-regex
  const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
  const header = `# Generated by \`paved golden pipeline\` from ${oneLine(at(spec.catalogFile))} (${oneLine(spec.entityRef)}) and ` +
    `${oneLine(at(spec.workloadFile))}.\n` +
    "# Regenerate it when they change; `paved golden pipeline --check` fails when it is stale.\n" +
    "# Secrets: PAVED_DB_URL (PostgreSQL URL of Paved's state store), PAVED_POSTGRES_URL (the server the target\n" +
    "# environment's databases live on) and PAVED_SECRET_KEY (64 hex digits). Variable PAVED_CLI_PACKAGE: what\n" +
    "# `npm install --global` installs for paved (a tarball URL until @paved/cli is on your registry).\n"
  return header + YAML.stringify(workflow)
}
