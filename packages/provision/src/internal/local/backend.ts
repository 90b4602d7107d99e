import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as path from "node:path"
import * as EmbeddedPostgres from "../../EmbeddedPostgres.js"
import type { LocalOptions, Service as Provisioner } from "../../Provisioner.js"
import { ProvisionError } from "../../Provisioner.js"
import * as ResourceType from "../../ResourceType.js"
import * as S3Endpoint from "../../S3Endpoint.js"
import { amqpProvisioner } from "./amqp.js"
import type { TypeProvisioner } from "./common.js"
import { environmentProvisioner, s3Provisioner, volumeProvisioner } from "./files.js"
import { mysqlProvisioner } from "./mysql.js"
import { natsProvisioner } from "./nats.js"
import { postgres } from "./postgres.js"
import { redisProvisioner } from "./redis.js"
import * as S3Process from "./s3Process.js"

// Started on first use, kept for the life of the layer; a failed start is tried again next time.
const lazy = <A, E>(acquire: Effect.Effect<A, E, Scope.Scope>, scope: Scope.Scope): Effect.Effect<A, E> => {
  const lock = Effect.unsafeMakeSemaphore(1)
  let value: { readonly a: A } | undefined
  return lock.withPermits(1)(Effect.suspend(() =>
    value !== undefined
      ? Effect.succeed(value.a)
      : Scope.extend(acquire, scope).pipe(Effect.tap((a) => Effect.sync(() => (value = { a }))))
  ))
}

const env = (name: string) => (process.env[name] !== undefined && process.env[name] !== "" ? process.env[name] : undefined)

export const makeLocal = (options: LocalOptions) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const dir = path.resolve(options.dir ?? ".paved")
    const pgOption = options.postgres ?? env("PAVED_POSTGRES_URL") ?? "embedded"
    const pgServer: Effect.Effect<string, unknown> = pgOption === "embedded"
      ? lazy(
        EmbeddedPostgres.start({ dataDir: path.join(dir, "postgres", "data"), templateDir: path.join(dir, "postgres", "template") }).pipe(
          Effect.map((r) => r.url)
        ),
        scope
      )
      : Effect.succeed(pgOption)
    const s3Dir = path.join(dir, "s3")
    const portFile = path.join(s3Dir, "port")
    const remembered = () => (fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, "utf8")) : undefined)
    // In a process of its own the endpoint outlives this command (see s3Process.ts); checked on
    // every use, since the last `down` in the directory may have stopped it in between.
    const s3 = options.s3Process !== undefined
      ? S3Process.ensure(s3Dir, options.s3Process, options.s3Port ?? remembered())
      : lazy(
        Effect.gen(function*() {
          const endpoint = yield* S3Endpoint.serve({ dir: s3Dir, port: options.s3Port ?? remembered() ?? 0 }).pipe(
            Effect.orElse(() => S3Endpoint.serve({ dir: s3Dir, port: 0 }))
          )
          fs.writeFileSync(portFile, String(endpoint.port), { mode: 0o600 })
          return endpoint
        }),
        scope
      )
    const byType: Record<string, TypeProvisioner> = {
      postgres: postgres(pgServer),
      mysql: mysqlProvisioner(options.mysql ?? env("PAVED_MYSQL_URL") ?? "mysql://root@127.0.0.1:3306"),
      redis: redisProvisioner(options.redis ?? env("PAVED_REDIS_URL") ?? "redis://127.0.0.1:6379"),
      amqp: amqpProvisioner(options.amqp ?? env("PAVED_AMQP_URL") ?? "amqp://127.0.0.1:5672"),
      queue: natsProvisioner(options.nats ?? env("PAVED_NATS_URL") ?? "nats://127.0.0.1:4222"),
      stream: natsProvisioner(options.nats ?? env("PAVED_NATS_URL") ?? "nats://127.0.0.1:4222"),
      s3: s3Provisioner(s3Dir, s3, S3Process.stopIfUnused(s3Dir)),
      volume: volumeProvisioner(dir),
      environment: environmentProvisioner
    }
    const forType = (type: string, key: string, operation: ProvisionError["operation"]) =>
      byType[type] !== undefined && ResourceType.info(type) !== undefined
        ? Effect.succeed(byType[type]!)
        : Effect.fail(new ProvisionError({ resource: key, type, operation, detail: `no provisioner for type ${type} on the local backend`, transient: false }))
    const provisioner: Provisioner = {
      backend: "local",
      supports: (type) => byType[type] !== undefined,
      ensure: (instance, progress) => Effect.flatMap(forType(instance.type, instance.key, "ensure"), (p) => p.ensure(instance, progress)),
      remove: (instance, progress) => Effect.flatMap(forType(instance.type, instance.key, "remove"), (p) => p.remove(instance, progress)),
      inspect: (instance) => Effect.flatMap(forType(instance.type, instance.key, "inspect"), (p) => p.inspect(instance))
    }
    return provisioner
  })
