/**
 * The resource types Paved knows, the outputs each one gives a workload, and which of those
 * outputs are secrets. Placeholders are checked against this table at plan time, so
 * `${resources.db.hostname}` on a `postgres` resource is a problem before anything runs.
 *
 * Score's networking types (`service`, `service-port`, `endpoint`, `dns`, `route`) are here too,
 * with `resolvedBy: "environment"`: their one definition is `ServiceTypes`.
 *
 * @since 0.1.0
 */
import * as ServiceTypes from "./ServiceTypes.js"

/**
 * What Paved knows about one resource type.
 *
 * @since 0.1.0
 */
export interface ResourceTypeInfo {
  readonly type: string
  readonly description: string
  /** The outputs a placeholder may name; `undefined` means any key (the `environment` type). */
  readonly outputs: ReadonlyArray<string> | undefined
  /** The outputs that are secrets: kept `Redacted`, stored encrypted, printed only on request. */
  readonly secrets: ReadonlyArray<string>
  /**
   * Who gives its outputs: a backend's provisioner (the default), or the environment itself
   * (Score's networking types, see `ServiceTypes`), which no backend needs to support.
   *
   * @since 0.2.0
   */
  readonly resolvedBy?: "provisioner" | "environment"
}

const sql = ["host", "port", "name", "database", "username", "password", "url"] as const

/**
 * Every type Paved knows, keyed by type name: the ones with a provisioner, and the ones the
 * environment resolves (`resolvedBy: "environment"`).
 *
 * @since 0.1.0
 */
export const known: Readonly<Record<string, ResourceTypeInfo>> = {
  postgres: { type: "postgres", description: "a PostgreSQL database and a role that owns it", outputs: sql, secrets: ["password", "url"] },
  mysql: { type: "mysql", description: "a MySQL/MariaDB database and a user limited to it", outputs: sql, secrets: ["password", "url"] },
  redis: {
    type: "redis",
    description: "a Redis ACL user limited to its own key prefix",
    outputs: ["host", "port", "username", "password", "prefix", "url"],
    secrets: ["password", "url"]
  },
  amqp: {
    type: "amqp",
    description: "a RabbitMQ virtual host and a user with permissions on it",
    outputs: ["host", "port", "vhost", "username", "password", "url"],
    secrets: ["password", "url"]
  },
  s3: {
    type: "s3",
    description: "an S3 bucket and an access key limited to it",
    outputs: ["endpoint", "region", "bucket", "access_key_id", "secret_key", "aws_access_key_id", "aws_secret_access_key"],
    secrets: ["secret_key", "aws_secret_access_key"]
  },
  volume: { type: "volume", description: "a directory mounted into the workload", outputs: ["source", "path"], secrets: [] },
  // Its outputs are named by the workload, so no name is listed as secret: every value read
  // through params.fromEnvironment is `Redacted` by the provisioner instead.
  environment: {
    type: "environment",
    description: "values taken from params (plain) or from the environment (params.fromEnvironment, secret; never PAVED_*)",
    outputs: undefined,
    secrets: []
  },
  queue: {
    type: "queue",
    description: "a NATS JetStream stream with its own subject space",
    outputs: ["host", "port", "url", "stream", "subject"],
    secrets: []
  },
  stream: {
    type: "stream",
    description: "a NATS JetStream stream with its own subject space",
    outputs: ["host", "port", "url", "stream", "subject"],
    secrets: []
  },
  ...Object.fromEntries(Object.values(ServiceTypes.definitions).map((d): [string, ResourceTypeInfo] => [
    d.type,
    { type: d.type, description: d.description, outputs: d.outputs, secrets: [], resolvedBy: "environment" }
  ]))
}

/**
 * The information for a type, or `undefined` when Paved does not know it.
 *
 * @since 0.1.0
 */
export const info = (type: string): ResourceTypeInfo | undefined =>
  Object.prototype.hasOwnProperty.call(known, type) ? known[type] : undefined

/**
 * Whether an output of a type is a secret.
 *
 * @since 0.1.0
 */
export const isSecret = (type: string, output: string): boolean => info(type)?.secrets.includes(output) ?? false

/**
 * Whether the environment resolves the type (Score's networking types), so no backend needs a
 * provisioner for it.
 *
 * @since 0.2.0
 */
export const isResolvedByEnvironment = (type: string): boolean => info(type)?.resolvedBy === "environment"
