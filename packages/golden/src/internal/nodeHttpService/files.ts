/**
 * The files of the node-http-service template, per version.
 */
import * as YAML from "../yamlEmit.js"
import { renderWorkflow } from "../githubActions.js"
import { defaultCliPackage, defaultTargetEnvironment } from "../pipelineSpec.js"
import { mainTs, serverTestTs, serverTs, telemetryTs } from "./source.js"

export interface Answers {
  readonly name: string
  readonly description: string
  readonly owner: string
  readonly system: string
  readonly lifecycle: string
  readonly port: number
  readonly database: boolean
  readonly repository: string
  /** 1.1.0 on: the `paved.dev/cost-centre` annotation that production standards require. */
  readonly costCentre?: string
}

export interface Variant {
  readonly version: string
  readonly nodeVersion: string
  readonly healthPaths: ReadonlyArray<string>
  /** 1.1.0 on: multi-stage image running as the unprivileged `node` user, with a HEALTHCHECK. */
  readonly hardenedImage: boolean
  /** 1.1.0 on: the CI workflow is the full Paved pipeline rather than build-and-test. */
  readonly fullPipeline: boolean
}

export const templateName = "node-http-service"

const entityRef = (a: Answers) => `component:default/${a.name}`

const catalogInfo = (a: Answers, v: Variant): string => {
  const component = {
    apiVersion: "backstage.io/v1alpha1",
    kind: "Component",
    metadata: {
      name: a.name,
      description: a.description,
      annotations: {
        "backstage.io/source-location": `url:https://${a.repository}/${a.name}/tree/main/`,
        "paved.dev/template": templateName,
        "paved.dev/template-version": v.version,
        ...(a.costCentre === undefined ? {} : { "paved.dev/cost-centre": a.costCentre })
      },
      tags: ["nodejs", "http"]
    },
    spec: {
      type: "service",
      lifecycle: a.lifecycle,
      owner: a.owner,
      system: a.system,
      ...(a.database ? { dependsOn: [`resource:default/${a.name}-db`] } : {})
    }
  }
  const resource = {
    apiVersion: "backstage.io/v1alpha1",
    kind: "Resource",
    metadata: { name: `${a.name}-db`, description: `PostgreSQL database of ${a.name}, provisioned from score.yaml` },
    spec: { type: "database", owner: a.owner, system: a.system }
  }
  return [component, ...(a.database ? [resource] : [])].map((d) => YAML.stringify(d)).join("---\n")
}

const scoreYaml = (a: Answers): string => {
  const variables: Record<string, string> = {
    PORT: String(a.port),
    OTEL_SERVICE_NAME: a.name,
    OTEL_RESOURCE_ATTRIBUTES: `service.namespace=default,paved.entity_ref=${entityRef(a)}`
  }
  if (a.database) {
    variables.DATABASE_URL =
      "postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}:${resources.db.port}/${resources.db.name}"
  }
  return YAML.stringify({
    apiVersion: "score.dev/v1b1",
    metadata: { name: a.name, annotations: { "paved.dev/entity-ref": entityRef(a) } },
    containers: { main: { image: ".", variables } },
    service: { ports: { http: { port: a.port, targetPort: a.port } } },
    ...(a.database ? { resources: { db: { type: "postgres" } } } : {})
  })
}

const dockerfile = (a: Answers, v: Variant): string =>
  v.hardenedImage
    ? `# syntax=docker/dockerfile:1
ARG NODE_VERSION=${v.nodeVersion}

FROM node:\${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
RUN npm run build

FROM node:\${NODE_VERSION}-slim
ENV NODE_ENV=production PORT=${a.port}
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev
COPY --from=build /app/dist ./dist
USER node
EXPOSE ${a.port}
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:${a.port}${v.healthPaths[0]}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/main.js"]
`
    : `FROM node:${v.nodeVersion}-slim
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build
ENV PORT=${a.port}
EXPOSE ${a.port}
CMD ["node", "dist/src/main.js"]
`

const simpleCi = (a: Answers, v: Variant): string => `name: ${a.name} ci
on:
  push:
    branches: [main]
  pull_request: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: "${v.nodeVersion}"
      - run: npm ci
      - run: npm run build
      - run: npm test
`

const ci = (a: Answers, v: Variant): string =>
  v.fullPipeline
    ? renderWorkflow({
      name: a.name,
      entityRef: entityRef(a),
      lifecycle: a.lifecycle,
      resources: a.database ? [{ name: "db", type: "postgres" }] : [],
      targetEnvironment: defaultTargetEnvironment(a.lifecycle),
      nodeVersion: v.nodeVersion,
      mainBranch: "main",
      catalogFile: "catalog-info.yaml",
      workloadFile: "score.yaml",
      workingDirectory: ".",
      cliPackage: defaultCliPackage
    })
    : simpleCi(a, v)

const devDependencies = { "@types/node": "^20.19.0", typescript: "^5.9.0" }

const packageJson = (a: Answers, v: Variant): string =>
  JSON.stringify({
    name: a.name,
    version: "0.1.0",
    private: true,
    description: a.description,
    type: "module",
    engines: { node: `>=${v.nodeVersion}` },
    scripts: { build: "tsc -p tsconfig.json", start: "node dist/src/main.js", test: "node --test dist/test/" },
    devDependencies
  }, null, 2) + "\n"

// The exact versions `npm install` resolved for the devDependencies above, with the registry's
// integrity hashes, so a fresh service passes `npm ci` (and setup-node's npm cache) on day one.
const lockedPackages = {
  "node_modules/@types/node": {
    version: "20.19.43",
    resolved: "https://registry.npmjs.org/@types/node/-/node-20.19.43.tgz",
    integrity: "sha512-6oYBAi5ikg4Pl+kGsoYtawUMBT2zZMCvPNF7pVLnHZfd1zf38DRiWn/gT01RYCdUqkv7Fhr+C9ot4/tb+2sVvA==",
    dev: true,
    license: "MIT",
    dependencies: { "undici-types": "~6.21.0" }
  },
  "node_modules/typescript": {
    version: "5.9.3",
    resolved: "https://registry.npmjs.org/typescript/-/typescript-5.9.3.tgz",
    integrity: "sha512-jl1vZzPDinLr9eUt3J/t7V6FgNEw9QjvBPdysz9KfQDD41fQrC2Y4vKQdiaUpFT4bXlb1RHhLpp8wtm6M5TgSw==",
    dev: true,
    license: "Apache-2.0",
    bin: { tsc: "bin/tsc", tsserver: "bin/tsserver" },
    engines: { node: ">=14.17" }
  },
  "node_modules/undici-types": {
    version: "6.21.0",
    resolved: "https://registry.npmjs.org/undici-types/-/undici-types-6.21.0.tgz",
    integrity: "sha512-iwDZqg0QAGrg9Rav5H4n0M64c3mkR59cJ6wQp+7C4nI0gsmExaedaYLNO44eT4AtBBwjbTiGPMlt2Md0T9H9JQ==",
    dev: true,
    license: "MIT"
  }
}

const packageLock = (a: Answers, v: Variant): string =>
  JSON.stringify({
    name: a.name,
    version: "0.1.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: a.name, version: "0.1.0", devDependencies, engines: { node: `>=${v.nodeVersion}` } },
      ...lockedPackages
    }
  }, null, 2) + "\n"

const tsconfig = (): string =>
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      outDir: "dist",
      rootDir: ".",
      types: ["node"],
      skipLibCheck: true
    },
    include: ["src", "test"]
  }, null, 2) + "\n"

const readme = (a: Answers, v: Variant): string => `# ${a.name}

${a.description}

Owned by \`${a.owner}\`, part of \`${a.system}\`. Generated from the \`${templateName}\` golden path
(version ${v.version}); \`paved golden check\` tells whether it still matches, and
\`paved golden update\` brings template changes in with a 3-way merge.

\`\`\`sh
npm ci && npm run build && npm test
PORT=${a.port} npm start        # GET ${v.healthPaths.join(", GET ")}, GET /
\`\`\`

Telemetry: set \`OTEL_EXPORTER_OTLP_ENDPOINT\` (Paved environments do) and every request is
exported as an OTLP span carrying \`paved.entity_ref=${entityRef(a)}\`.
`

/**
 * Who keeps which file. Owned (drift is checked): the image, the build configuration, the CI
 * workflow and the telemetry module. Merged (the team edits them; updates merge key by key): the
 * catalog entity, the Score workload, package.json and .gitignore. Seeded (the team's from day
 * one): the README, the service's own code and tests, and the lockfile.
 */
export const ownership = {
  merged: ["catalog-info.yaml", "score.yaml", "package.json", ".gitignore"],
  seeded: ["README.md", "package-lock.json", "src/server.ts", "src/main.ts", "test/**"]
}

export const render = (a: Answers, v: Variant): Record<string, string> => {
  const source = { name: a.name, healthPaths: v.healthPaths }
  return {
    "catalog-info.yaml": catalogInfo(a, v),
    "score.yaml": scoreYaml(a),
    "Dockerfile": dockerfile(a, v),
    ".dockerignore": "node_modules\ndist\n.paved\n",
    ".gitignore": "node_modules/\ndist/\n",
    ".github/workflows/ci.yml": ci(a, v),
    "package.json": packageJson(a, v),
    "package-lock.json": packageLock(a, v),
    "tsconfig.json": tsconfig(),
    "README.md": readme(a, v),
    "src/telemetry.ts": telemetryTs(a.name),
    "src/server.ts": serverTs(source),
    "src/main.ts": mainTs(),
    "test/server.test.ts": serverTestTs(source)
  }
}
