/**
 * An embedded S3-compatible endpoint over filesystem buckets, so the same `@aws-sdk/client-s3`
 * code runs locally and in the cloud. Path-style requests, SigV4 header signatures checked
 * against a per-bucket access key, and the calls applications use: Put/Get/Head/DeleteObject,
 * ListObjectsV2, Create/Head/DeleteBucket, ListBuckets.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { handle } from "./internal/s3Handler.js"

/**
 * The endpoint could not start (the port is taken, the directory cannot be written).
 *
 * @since 0.1.0
 */
export class S3EndpointError extends Data.TaggedError("S3EndpointError")<{ readonly detail: string }> {
  override get message(): string {
    return `S3 endpoint: ${this.detail}`
  }
}

/**
 * A running endpoint.
 *
 * @since 0.1.0
 */
export interface S3Endpoint {
  readonly url: string
  readonly port: number
  readonly dir: string
}

/**
 * An access key and the one bucket it may use.
 *
 * @since 0.1.0
 */
export interface Grant {
  readonly bucket: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

const grantsFile = (dir: string) => path.join(dir, "credentials.json")

/**
 * The grants recorded under `dir` (empty when none).
 *
 * @since 0.1.0
 */
export const readGrants = (dir: string): ReadonlyArray<Grant> => {
  try {
    return JSON.parse(fs.readFileSync(grantsFile(dir), "utf8")) as Array<Grant>
  } catch {
    return []
  }
}

const writeGrants = (dir: string, grants: ReadonlyArray<Grant>) => {
  fs.mkdirSync(dir, { recursive: true })
  const tmp = `${grantsFile(dir)}.${process.pid}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(grants, null, 2), { mode: 0o600 })
  fs.renameSync(tmp, grantsFile(dir))
}

/**
 * Creates a bucket directory and records its access key (replacing an older key for it). The
 * credentials file is mode 0600: the endpoint needs the secret to check signatures.
 *
 * @since 0.1.0
 */
export const grant = (dir: string, g: Grant): Effect.Effect<void, S3EndpointError> =>
  Effect.try({
    try: () => {
      fs.mkdirSync(path.join(dir, "buckets", g.bucket), { recursive: true })
      writeGrants(dir, [...readGrants(dir).filter((x) => x.bucket !== g.bucket), g])
    },
    catch: (e) => new S3EndpointError({ detail: `cannot create bucket ${g.bucket}: ${String(e)}` })
  })

/**
 * Deletes a bucket with its objects and its access key.
 *
 * @since 0.1.0
 */
export const revoke = (dir: string, bucket: string): Effect.Effect<void, S3EndpointError> =>
  Effect.try({
    try: () => {
      writeGrants(dir, readGrants(dir).filter((x) => x.bucket !== bucket))
      fs.rmSync(path.join(dir, "buckets", bucket), { recursive: true, force: true })
    },
    catch: (e) => new S3EndpointError({ detail: `cannot delete bucket ${bucket}: ${String(e)}` })
  })

/**
 * Whether a bucket directory exists.
 *
 * @since 0.1.0
 */
export const bucketExists = (dir: string, bucket: string): boolean => fs.existsSync(path.join(dir, "buckets", bucket))

/**
 * Serves the buckets under `dir` on `host:port` (port 0: any free port) until the scope closes.
 *
 * @since 0.1.0
 */
export const serve = (options: { readonly dir: string; readonly port?: number; readonly host?: string }): Effect.Effect<
  S3Endpoint,
  S3EndpointError,
  Scope.Scope
> =>
  Effect.acquireRelease(
    Effect.async<http.Server & { readonly endpoint: S3Endpoint }, S3EndpointError>((resume) => {
      const host = options.host ?? "127.0.0.1"
      fs.mkdirSync(path.join(options.dir, "buckets"), { recursive: true })
      const server = http.createServer((req, res) => {
        handle(options.dir, req, res)
      })
      server.once("error", (e) => resume(Effect.fail(new S3EndpointError({ detail: `cannot listen on ${host}:${options.port ?? 0}: ${e.message}` }))))
      server.listen(options.port ?? 0, host, () => {
        const port = (server.address() as AddressInfo).port
        resume(Effect.succeed(Object.assign(server, { endpoint: { url: `http://${host}:${port}`, port, dir: options.dir } })))
      })
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      }).pipe(Effect.timeout("5 seconds"), Effect.ignore)
  ).pipe(Effect.map((s) => s.endpoint))
