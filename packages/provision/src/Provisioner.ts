/**
 * The `Provisioner` service: one interface, one layer per backend. `layerLocal` creates real
 * resources on this machine (PostgreSQL, MariaDB, Redis, RabbitMQ, NATS JetStream, an embedded
 * S3-compatible endpoint, directories); `layerPulumi` maps the same requests to AWS or
 * Kubernetes through Pulumi's Automation API. Every operation is idempotent, so an apply that
 * was killed can simply run again.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { makeLocal } from "./internal/local/backend.js"
import type { Outputs } from "./Placeholder.js"
import type { Options as PulumiOptions } from "./PulumiBackend.js"
import type { Settings } from "./Standards.js"

/**
 * A resource as a backend sees it: its physical name, settings, tags and params, and the
 * password Paved generated and recorded (encrypted) before asking the backend, so a retried or
 * resumed step uses the same credentials and never creates a second user.
 *
 * @since 0.1.0
 */
export interface Instance {
  readonly env: string
  readonly key: string
  readonly type: string
  readonly name: string
  readonly settings: Settings
  readonly tags: Readonly<Record<string, string>>
  readonly params: Readonly<Record<string, unknown>>
  readonly password: Redacted.Redacted<string>
}

/**
 * A backend failed. `transient` errors (connection refused, timeouts, lock conflicts) are
 * retried with backoff; others stop the step.
 *
 * @since 0.1.0
 */
export class ProvisionError extends Data.TaggedError("ProvisionError")<{
  readonly resource: string
  readonly type: string
  readonly operation: "ensure" | "remove" | "inspect"
  readonly detail: string
  readonly transient: boolean
}> {
  override get message(): string {
    return `${this.operation} ${this.type} resource "${this.resource}" failed: ${this.detail}`
  }
}

/**
 * A line of progress from a backend (Pulumi engine events, server steps).
 *
 * @since 0.1.0
 */
export type Progress = (message: string) => Effect.Effect<void>

/**
 * The provisioner interface.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly backend: string
  /** Whether this backend has a provisioner for the type. */
  readonly supports: (type: string) => boolean
  /** Creates the resource, or brings an existing one in line; returns its outputs. */
  readonly ensure: (instance: Instance, progress: Progress) => Effect.Effect<Outputs, ProvisionError>
  /** Removes the resource and its credentials; succeeds when it is already gone. */
  readonly remove: (instance: Instance, progress: Progress) => Effect.Effect<void, ProvisionError>
  /** Compares reality with the instance: each difference as a sentence (empty when none). */
  readonly inspect: (instance: Instance) => Effect.Effect<ReadonlyArray<string>, ProvisionError>
}

/**
 * The tag of the provisioner service.
 *
 * @since 0.1.0
 */
export class Provisioner extends Context.Tag("@paved/provision/Provisioner")<Provisioner, Service>() {}

/**
 * Options of the local backend. Each server is used only when a resource of its type is
 * requested; every option has a default that works on a developer machine.
 *
 * @since 0.1.0
 */
export interface LocalOptions {
  /** Where volumes, buckets and the embedded Postgres live. Default `.paved`. */
  readonly dir?: string
  /**
   * A PostgreSQL server to create databases on (`postgres://postgres@127.0.0.1:5432/postgres`),
   * or `"embedded"`. Default: `PAVED_POSTGRES_URL`, else an embedded Postgres under `dir`.
   */
  readonly postgres?: string
  /** Default: `PAVED_MYSQL_URL`, else `mysql://root@127.0.0.1:3306`. */
  readonly mysql?: string
  /** Default: `PAVED_REDIS_URL`, else `redis://127.0.0.1:6379`. */
  readonly redis?: string
  /** Default: `PAVED_AMQP_URL`, else `amqp://127.0.0.1:5672` (administered with `rabbitmqctl`). */
  readonly amqp?: string
  /** Default: `PAVED_NATS_URL`, else `nats://127.0.0.1:4222`. */
  readonly nats?: string
  /** Port of the embedded S3 endpoint. Default: the last port used (kept under `dir`), else any free one. */
  readonly s3Port?: number
  /**
   * Run the S3 endpoint as a background process with this command instead of inside this
   * process, so buckets stay reachable after the command that created them exits (a detached
   * `paved env up`). `{dir}` and `{port}` are replaced by the state directory (`dir`, whose `s3/`
   * is served) and the port, e.g. `["paved", "provision", "serve-s3", "--dir", "{dir}", "--port", "{port}"]`. One
   * process serves every environment of `dir`; it stops when the last bucket is removed.
   * Default: in this process, for as long as the layer lives.
   */
  readonly s3Process?: ReadonlyArray<string>
}

/**
 * Builds the local backend. Embedded servers (Postgres, the S3 endpoint) start on first use and
 * stop when the scope closes.
 *
 * @since 0.1.0
 */
export const makeLocalProvisioner = (options: LocalOptions = {}): Effect.Effect<Service, never, Scope.Scope> => makeLocal(options)

/**
 * The Pulumi backend as a layer (AWS by default, or Kubernetes); Pulumi's packages load when
 * the layer is built. See `PulumiBackend` for the mapping and the options.
 *
 * @since 0.1.0
 */
export const layerPulumi = (options: PulumiOptions = {}): Layer.Layer<Provisioner> =>
  Layer.effect(Provisioner, Effect.promise(() => import("./PulumiBackend.js")).pipe(Effect.map((m) => m.make(options))))

/**
 * The local backend as a layer.
 *
 * @since 0.1.0
 */
export const layerLocal = (options: LocalOptions = {}): Layer.Layer<Provisioner> =>
  Layer.scoped(Provisioner, makeLocal(options))
