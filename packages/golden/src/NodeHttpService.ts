/**
 * The shipped golden path: a Node.js/TypeScript HTTP service with its catalog entity, Score
 * workload, Dockerfile, CI workflow, OTel-instrumented source and tests. Two versions ship, so
 * conformance checks and 3-way updates have something real to move between.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ownership, render, templateName } from "./internal/nodeHttpService/files.js"
import * as Template from "./Template.js"

const withDefault = <A, I>(schema: Schema.Schema<A, I>, fallback: () => NoInfer<A>) =>
  Schema.optionalWith(schema, { default: fallback })

/**
 * The parameters of version 1.0.0. Only `name` has no default.
 *
 * @since 0.1.0
 */
export const ParametersV1 = Schema.Struct({
  name: Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/), Schema.maxLength(63)).annotations({
    description: "Service name: lowercase kebab-case; the catalog entity, workload and package name"
  }),
  description: withDefault(
    Schema.String.annotations({ description: "One-line description shown in the catalog" }),
    () => "A Node.js HTTP service"
  ),
  owner: withDefault(
    Schema.String.pipe(Schema.pattern(/^(group:)?([a-z0-9-]+\/)?[a-z0-9-]+$/i)).annotations({ description: "Owning team (catalog Group reference)" }),
    () => "group:default/platform-team"
  ),
  system: withDefault(
    Schema.String.pipe(Schema.pattern(/^(system:)?([a-z0-9-]+\/)?[a-z0-9-]+$/i)).annotations({ description: "System the service belongs to (catalog System reference)" }),
    () => "system:default/platform"
  ),
  lifecycle: withDefault(
    Schema.Literal("experimental", "production", "deprecated").annotations({ description: "Catalog lifecycle; production services deploy to production" }),
    () => "experimental" as const
  ),
  port: withDefault(
    Schema.Int.pipe(Schema.between(1, 65535)).annotations({ description: "HTTP port the service listens on" }),
    () => 8080
  ),
  database: withDefault(
    Schema.Boolean.annotations({ description: "Ask for a PostgreSQL database in score.yaml" }),
    () => true
  ),
  repository: withDefault(
    Schema.String.pipe(Schema.pattern(/^[a-z0-9.-]+(\/[A-Za-z0-9_.-]+)+$/)).annotations({
      description: "Repository host and organisation; the source location is <repository>/<name>"
    }),
    () => "github.com/acme"
  )
})

/**
 * The parameters of version 1.1.0: 1.0.0's plus the Node.js major the image and CI use and the
 * cost centre the catalog entity carries.
 *
 * @since 0.1.0
 */
export const ParametersV1_1 = Schema.Struct({
  ...ParametersV1.fields,
  nodeVersion: withDefault(
    Schema.Literal("20", "22").annotations({ description: "Node.js major version for the image and CI" }),
    () => "20" as const
  ),
  costCentre: withDefault(
    Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/)).annotations({
      description: "Cost centre (paved.dev/cost-centre), a tag production standards require"
    }),
    () => "engineering"
  )
})

/**
 * Version 1.0.0: single-stage image, build-and-test CI, health at `/health`.
 *
 * @since 0.1.0
 */
export const v1_0_0 = Template.make({
  name: templateName,
  version: "1.0.0",
  title: "Node.js HTTP service",
  description: "A TypeScript HTTP service on node:http with catalog entity, Score workload, Dockerfile, CI and OTel tracing",
  tags: ["nodejs", "typescript", "http"],
  parameters: ParametersV1,
  ownership,
  files: (a) =>
    render(a, { version: "1.0.0", nodeVersion: "20", healthPaths: ["/health"], hardenedImage: false, fullPipeline: false })
})

const healthLiteral = /(["'`])\/health(?=["'`?#])/g

/**
 * Version 1.1.0: multi-stage non-root image with a HEALTHCHECK, the full Paved pipeline as CI,
 * health at `/healthz` plus `/readyz`, `nodeVersion` and `costCentre` parameters (the entity
 * carries every tag staging and production standards require). Its migration from 1.0.0
 * records `nodeVersion: "20"` and rewrites `/health` to `/healthz` in the service's own
 * TypeScript files (those the template does not own), so code written against 1.0.0 keeps
 * passing its tests.
 *
 * @since 0.1.0
 */
export const v1_1_0 = Template.make({
  name: templateName,
  version: "1.1.0",
  title: "Node.js HTTP service",
  description: "A TypeScript HTTP service on node:http with catalog entity, Score workload, hardened image, Paved pipeline and OTel tracing",
  tags: ["nodejs", "typescript", "http"],
  parameters: ParametersV1_1,
  ownership,
  files: (a) =>
    render(a, {
      version: "1.1.0",
      nodeVersion: a.nodeVersion,
      healthPaths: ["/healthz", "/readyz"],
      hardenedImage: true,
      fullPipeline: true
    }),
  migrations: [
    Template.migrateFrom(v1_0_0, {
      description: "record nodeVersion 20; move callers of /health to /healthz",
      answers: (previous): Template.Answers => ({ ...previous, nodeVersion: "20" }),
      files: (files) => {
        const out: Record<string, string> = {}
        for (const [p, text] of Object.entries(files)) {
          out[p] = /^(src|test)\/.*\.ts$/.test(p) ? text.replace(healthLiteral, "$1/healthz") : text
        }
        return out
      }
    })
  ]
})

/**
 * Every shipped version, oldest first.
 *
 * @since 0.1.0
 */
export const versions: ReadonlyArray<Template.Template> = [v1_0_0, v1_1_0]

/**
 * The newest shipped version.
 *
 * @since 0.1.0
 */
export const latest: Template.Template = v1_1_0
