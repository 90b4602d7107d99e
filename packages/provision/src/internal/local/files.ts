import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as PhysicalName from "../../PhysicalName.js"
import type { Instance } from "../../Provisioner.js"
import { ProvisionError } from "../../Provisioner.js"
import * as Request from "../../Request.js"
import * as S3Endpoint from "../../S3Endpoint.js"
import type { TypeProvisioner } from "./common.js"
import { attempt, failure } from "./common.js"

/** A directory per volume under `<dir>/volumes`. */
export const volumeProvisioner = (dir: string): TypeProvisioner => {
  const where = (i: Instance) => path.resolve(dir, "volumes", i.name)
  return {
    ensure: (instance) =>
      attempt(instance, "ensure", async () => {
        fs.mkdirSync(where(instance), { recursive: true })
        return { source: where(instance), path: where(instance) }
      }),
    remove: (instance) => attempt(instance, "remove", async () => fs.rmSync(where(instance), { recursive: true, force: true })),
    inspect: (instance) => Effect.sync(() => (fs.existsSync(where(instance)) ? [] : [`directory ${where(instance)} does not exist`]))
  }
}

/**
 * Values for the workload, nothing to create: each string param is an output, and each name
 * listed in `params.fromEnvironment` is read from this process's environment. Those values are
 * secrets (`Redacted`: sealed in the state store, left out of environment records, printed only
 * with --reveal) and `PAVED_*` names are refused: Paved's own settings never reach a workload.
 */
export const environmentProvisioner: TypeProvisioner = {
  ensure: (instance) =>
    Effect.gen(function*() {
      const refused = Request.pavedVariables(instance)
      if (refused.length > 0) {
        return yield* new ProvisionError({
          resource: instance.key, type: instance.type, operation: "ensure", transient: false,
          detail: Request.pavedVariableMessage(instance.key, refused[0]!)
        })
      }
      const out: Record<string, string | Redacted.Redacted<string>> = {}
      for (const [k, v] of Object.entries(instance.params)) {
        if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = String(v)
      }
      const names = instance.params["fromEnvironment"]
      if (Array.isArray(names)) {
        for (const n of names) if (typeof n === "string" && process.env[n] !== undefined) out[n] = Redacted.make(process.env[n]!)
      }
      return out
    }),
  remove: () => Effect.void,
  inspect: () => Effect.succeed([])
}

/** The bucket name for a resource: its physical name with `-` for `_` (S3 allows no `_`). */
export const bucketName = PhysicalName.bucket
const accessKeyId = (name: string) => "PAVED" + createHash("sha256").update(name).digest("hex").slice(0, 15).toUpperCase()

/**
 * A bucket on the embedded S3 endpoint with an access key that may use that bucket only. The
 * grant comes before the endpoint, so an endpoint process stopped by a concurrent `down` of
 * the directory's last other bucket (`afterRemove`) is started again for this one.
 */
export const s3Provisioner = (
  dir: string,
  endpoint: Effect.Effect<S3Endpoint.S3Endpoint, unknown>,
  afterRemove: Effect.Effect<void, unknown>
): TypeProvisioner => ({
  ensure: (instance, progress) =>
    Effect.gen(function*() {
      const bucket = bucketName(instance.name)
      const secret = Redacted.value(instance.password)
      const invalid = PhysicalName.problems(instance.name).filter((p) => p.includes("S3"))
      if (invalid.length > 0) {
        return yield* new ProvisionError({
          resource: instance.key, type: instance.type, operation: "ensure", transient: false,
          detail: `the physical name ${instance.name} ${invalid.join("; ")}; use the default naming or a naming that gives valid bucket names`
        })
      }
      yield* progress(`s3: bucket ${bucket}`)
      yield* S3Endpoint.grant(dir, { bucket, accessKeyId: accessKeyId(instance.name), secretAccessKey: secret }).pipe(
        Effect.mapError(failure(instance, "ensure"))
      )
      const running = yield* endpoint.pipe(Effect.mapError(failure(instance, "ensure")))
      return {
        endpoint: running.url,
        region: "us-east-1",
        bucket,
        access_key_id: accessKeyId(instance.name),
        aws_access_key_id: accessKeyId(instance.name),
        secret_key: Redacted.make(secret),
        aws_secret_access_key: Redacted.make(secret)
      }
    }),
  remove: (instance, progress) =>
    Effect.zipRight(
      progress(`s3: delete bucket ${bucketName(instance.name)}`),
      S3Endpoint.revoke(dir, bucketName(instance.name)).pipe(
        Effect.zipRight(afterRemove),
        Effect.mapError(failure(instance, "remove"))
      )
    ),
  inspect: (instance) =>
    Effect.sync(() => {
      const bucket = bucketName(instance.name)
      const differences: Array<string> = []
      if (!S3Endpoint.bucketExists(dir, bucket)) differences.push(`bucket ${bucket} does not exist`)
      const grant = S3Endpoint.readGrants(dir).find((g) => g.bucket === bucket)
      if (grant === undefined) differences.push(`bucket ${bucket} has no access key`)
      else if (grant.secretAccessKey !== Redacted.value(instance.password)) differences.push(`the access key of bucket ${bucket} was changed`)
      return differences
    })
})
