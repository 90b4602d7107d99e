/**
 * Rendering a pipeline spec as a GitHub Actions workflow.
 */
import * as YAML from "./yamlEmit.js"
import { type PipelineSpec, previewCommand, provisionCommand } from "./pipelineSpec.js"

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

/** Renders the workflow YAML. */
export const renderWorkflow = (spec: PipelineSpec): string => {
  const dir = spec.workingDirectory
  const at = (file: string) => (dir === "." ? file : `${dir}/${file}`)
  const setupNode = {
    uses: "actions/setup-node@v4",
    with: { "node-version": spec.nodeVersion, cache: "npm", ...(dir === "." ? {} : { "cache-dependency-path": at("package-lock.json") }) }
  }
  const services = serviceContainers(spec)
  const image = `ghcr.io/\${{ github.repository }}/${spec.name}:\${{ github.sha }}`
  const workflow = {
    name: `${spec.name} (paved)`,
    on: { push: { branches: [spec.mainBranch] }, pull_request: {} },
    concurrency: { group: `${spec.name}-\${{ github.ref }}`, "cancel-in-progress": true },
    env: {
      PAVED: spec.pavedCommand,
      PAVED_ENTITY_REF: spec.entityRef,
      PAVED_TARGET_ENV: spec.targetEnvironment
    },
    ...(dir === "." ? {} : { defaults: { run: { "working-directory": dir } } }),
    jobs: {
      validate: {
        name: "Validate catalog entity",
        "runs-on": "ubuntu-latest",
        steps: [checkout(), setupNode, { name: "paved catalog validate", run: `$PAVED catalog validate ${spec.catalogFile}` }]
      },
      test: {
        name: "Test",
        needs: ["validate"],
        "runs-on": "ubuntu-latest",
        ...(Object.keys(services).length === 0 ? {} : { services }),
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
        steps: [
          checkout(),
          setupNode,
          {
            name: `paved provision plan (${spec.resources.map((r) => `${r.name}: ${r.type}`).join(", ") || "no resources"})`,
            run: provisionCommand(spec, "plan")
          }
        ]
      },
      preview: {
        name: "Preview environment",
        if: "github.event_name == 'pull_request'",
        needs: ["test", "plan"],
        "runs-on": "ubuntu-latest",
        environment: { name: "preview-pr-${{ github.event.number }}" },
        steps: [
          checkout(0),
          setupNode,
          { name: "paved env up (the pull request's change set)", run: previewCommand("pr-${{ github.event.number }}", "origin/${{ github.base_ref }}") }
        ]
      },
      deploy: {
        name: `Deploy (${spec.targetEnvironment})`,
        if: `github.event_name == 'push' && github.ref == 'refs/heads/${spec.mainBranch}'`,
        needs: ["build", "plan"],
        "runs-on": "ubuntu-latest",
        environment: { name: spec.targetEnvironment },
        permissions: { contents: "read", packages: "write" },
        steps: [
          checkout(),
          setupNode,
          { name: "docker build", run: `docker build -t ${image} .` },
          {
            name: "docker push",
            run: `echo "\${{ secrets.GITHUB_TOKEN }}" | docker login ghcr.io -u \${{ github.actor }} --password-stdin && docker push ${image}`
          },
          { name: "paved provision apply", run: provisionCommand(spec, "apply") }
        ]
      }
    }
  }
  // eslint-disable-next-line no-control-regex
  const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
  const header = `# Generated by \`paved golden pipeline\` from ${oneLine(spec.catalogFile)} (${oneLine(spec.entityRef)}) and ` +
    `${oneLine(spec.workloadFile)}.\n` +
    "# Regenerate it when they change; `paved golden pipeline --check` fails when it is stale.\n"
  return header + YAML.stringify(workflow)
}
