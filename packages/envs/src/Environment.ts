/**
 * The environment model: what an environment is (name, type, services, resources, overlays,
 * owner, TTL, status), what is recorded about a running one, and the failures of its lifecycle.
 *
 * @since 0.1.0
 */
import type { Problem } from "@paved/catalog/Problem"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * The kinds of environment. Previews are the ones `reap` removes when their TTL runs out.
 *
 * @since 0.1.0
 */
export const EnvironmentType = Schema.Literal("development", "preview", "staging", "production")

/**
 * @since 0.1.0
 */
export type EnvironmentType = typeof EnvironmentType.Type

/**
 * An environment name: lowercase letters, digits and dashes (it becomes a directory, a database
 * prefix and a Kubernetes namespace).
 *
 * @since 0.1.0
 */
export const EnvironmentName = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/, {
    message: () => "an environment name is 1-42 lowercase letters, digits or dashes, starting and ending with a letter or digit"
  })
)

/**
 * What a service of an environment is doing.
 *
 * @since 0.1.0
 */
export const ServiceStatus = Schema.Literal("starting", "ready", "shared", "stopped", "failed")

/**
 * @since 0.1.0
 */
export type ServiceStatus = typeof ServiceStatus.Type

/**
 * One service as recorded: its entity ref, how it runs (in this environment, or shared from a
 * base environment), its process (pid, process group, start time — to check, before killing,
 * that the pid still belongs to us), port, URL, log file, and the configuration it was given
 * (keys only for secrets).
 *
 * @since 0.1.0
 */
export const ServiceRecord = Schema.Struct({
  ref: Schema.String,
  name: Schema.String,
  mode: Schema.Literal("run", "shared"),
  sharedFrom: Schema.optional(Schema.String),
  status: ServiceStatus,
  pid: Schema.optional(Schema.Number),
  pgid: Schema.optional(Schema.Number),
  startTime: Schema.optional(Schema.String),
  port: Schema.optional(Schema.Number),
  url: Schema.optional(Schema.String),
  logFile: Schema.optional(Schema.String),
  /** The container running the service (Docker runtime). */
  container: Schema.optional(Schema.String),
  image: Schema.optional(Schema.String),
  version: Schema.optional(Schema.String),
  command: Schema.Array(Schema.String),
  configKeys: Schema.Array(Schema.String),
  config: Schema.Record({ key: Schema.String, value: Schema.String })
})

/**
 * @since 0.1.0
 */
export type ServiceRecord = typeof ServiceRecord.Type

/**
 * A resource provisioned for an environment (through `@paved/provision`): its request key, type,
 * class, physical name, the settings the standards chose, the services (and their resource
 * names) that use it, and its non-secret outputs. Secrets are never recorded; `down` needs only
 * the physical name to remove the resource.
 *
 * @since 0.1.0
 */
export const ResourceRecord = Schema.Struct({
  key: Schema.String,
  type: Schema.String,
  class: Schema.String,
  physicalName: Schema.String,
  settings: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  tags: Schema.Record({ key: Schema.String, value: Schema.String }),
  params: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  users: Schema.Array(Schema.Struct({ ref: Schema.String, resource: Schema.String })),
  outputs: Schema.Record({ key: Schema.String, value: Schema.String })
})

/**
 * @since 0.1.0
 */
export type ResourceRecord = typeof ResourceRecord.Type

/**
 * Where an environment's telemetry goes: an OTLP/HTTP endpoint and how it was chosen
 * (`embedded`: a receiver started for this environment; `shared`: one given by the caller).
 *
 * @since 0.1.0
 */
export const TelemetryRecord = Schema.Struct({
  mode: Schema.Literal("embedded", "shared", "off"),
  endpoint: Schema.optional(Schema.String),
  pid: Schema.optional(Schema.Number),
  startTime: Schema.optional(Schema.String),
  spanStore: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 */
export type TelemetryRecord = typeof TelemetryRecord.Type

/**
 * The status of an environment as a whole.
 *
 * @since 0.1.0
 */
export const EnvironmentStatus = Schema.Literal("provisioning", "starting", "ready", "failed", "stopping")

/**
 * @since 0.1.0
 */
export type EnvironmentStatus = typeof EnvironmentStatus.Type

/**
 * An environment as recorded in the state store.
 *
 * @since 0.1.0
 */
export const EnvironmentRecord = Schema.Struct({
  name: Schema.String,
  type: EnvironmentType,
  owner: Schema.optional(Schema.String),
  status: EnvironmentStatus,
  createdAt: Schema.Number,
  expiresAt: Schema.optional(Schema.Number),
  directory: Schema.String,
  overlays: Schema.Record({ key: Schema.String, value: Schema.String }),
  changed: Schema.Array(Schema.String),
  /**
   * Provisioner settings the caller recorded (no secrets), so that `down` from another process
   * reaches the same servers, e.g. `{ postgres: "postgres://postgres@127.0.0.1:5432/postgres" }`.
   */
  provisioner: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) }),
  telemetry: TelemetryRecord,
  /** The runtime the services run on (`local`, `docker`, `kubernetes`); absent means `local`. */
  runtime: Schema.optional(Schema.String),
  /**
   * An embedded PostgreSQL server the environment owns (a detached `up` with no server
   * configured): its postmaster pid and start time, port and data directory. `down` stops it and
   * removes the data; the databases in it go with it.
   */
  embeddedPostgres: Schema.optional(Schema.Struct({
    pid: Schema.optional(Schema.Number),
    startTime: Schema.optional(Schema.String),
    port: Schema.optional(Schema.Number),
    dataDir: Schema.String
  })),
  services: Schema.Array(ServiceRecord),
  resources: Schema.Array(ResourceRecord)
})

/**
 * @since 0.1.0
 */
export type EnvironmentRecord = typeof EnvironmentRecord.Type

/**
 * Parses a TTL such as `30m`, `24h`, `7d` or `90s`.
 *
 * @since 0.1.0
 */
export const parseTtl = (input: string): Either.Either<Duration.Duration, InvalidSpec> => {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(input.trim())
  if (match === null) {
    return Either.left(new InvalidSpec({ reason: `TTL "${input}" is not a number followed by s, m, h or d (e.g. 24h)` }))
  }
  const n = Number(match[1])
  const unit = match[2] === "s" ? 1_000 : match[2] === "m" ? 60_000 : match[2] === "h" ? 3_600_000 : 86_400_000
  return Either.right(Duration.millis(n * unit))
}

/**
 * The environment specification or its inputs are unusable (bad name, bad TTL, unknown service,
 * unreadable change set). When the inputs are files with problems (a Score workload that does
 * not decode, two workloads disagreeing on a shared resource), `problems` lists them located, in
 * the one `Problem` shape of `@paved/catalog/Problem`.
 *
 * @since 0.1.0
 */
export class InvalidSpec extends Data.TaggedError("InvalidSpec")<{
  readonly reason: string
  readonly problems?: ReadonlyArray<Problem> | undefined
}> {
  override get message(): string {
    return this.reason
  }
}

/**
 * An environment with that name exists already, or does not exist.
 *
 * @since 0.1.0
 */
export class EnvironmentConflict extends Data.TaggedError("EnvironmentConflict")<{
  readonly name: string
  readonly reason: "exists" | "missing"
}> {
  override get message(): string {
    return this.reason === "exists"
      ? `environment "${this.name}" exists already; run \`paved env down ${this.name}\` first or pick another name`
      : `environment "${this.name}" does not exist; \`paved env list\` shows the recorded ones`
  }
}

/**
 * A service could not be started or did not become ready in time. `logFile` holds what it
 * printed.
 *
 * @since 0.1.0
 */
export class ServiceFailed extends Data.TaggedError("ServiceFailed")<{
  readonly environment: string
  readonly ref: string
  readonly reason: string
  readonly logFile?: string | undefined
}> {
  override get message(): string {
    const logs = this.logFile === undefined ? "" : `; its output is in ${this.logFile}`
    return `service ${this.ref} in environment "${this.environment}" failed: ${this.reason}${logs}`
  }
}

/**
 * Provisioning, telemetry, the state store or the file system failed underneath an environment
 * operation.
 *
 * @since 0.1.0
 */
export class EnvironmentError extends Data.TaggedError("EnvironmentError")<{
  readonly environment: string
  readonly operation: string
  readonly reason: string
}> {
  override get message(): string {
    return `environment "${this.environment}": ${this.operation} failed: ${this.reason}`
  }
}
