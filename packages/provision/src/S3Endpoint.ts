/**
 * An embedded S3-compatible endpoint over filesystem buckets, so the same `@aws-sdk/client-s3`
 * code runs locally and in the cloud. Path-style requests, SigV4 header signatures checked
 * against a per-bucket access key, and the calls applications use: Put/Get/Head/DeleteObject,
 * ListObjectsV2, Create/Head/DeleteBucket, ListBuckets.
 *
 * Limits (see the package README): a signature is good for 15 minutes around its `x-amz-date`;
 * streamed (`aws-chunked`) uploads have every chunk signature checked; objects are streamed to
 * disk, at most `maxObjectBytes` each (default 5 GiB); keys up to 1024 bytes; buckets are 0700
 * directories and objects, metadata and `credentials.json` 0600 files.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { handle } from "./internal/s3Handler.js"
import * as FileLock from "./internal/fileLock.js"
import * as Store from "./internal/s3Store.js"

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
const lockFile = (dir: string) => path.join(dir, "credentials.lock")

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

// Readers never lock: the file is replaced by a rename, so they see the old or the new list.
const writeGrants = (dir: string, grants: ReadonlyArray<Grant>) => {
  Store.ensureDir(dir)
  const tmp = `${grantsFile(dir)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(grants, null, 2), { mode: Store.FILE_MODE, flag: "wx" })
  fs.renameSync(tmp, grantsFile(dir))
}

/**
 * Runs a read-modify-write of the grants under an exclusive lock file (`credentials.lock`),
 * so concurrent applies in different processes never lose each other's grants.
 */
const withGrantsLock = <A>(dir: string, what: string, f: () => A): Effect.Effect<A, S3EndpointError> =>
  FileLock.withLock(
    lockFile(dir),
    Effect.try({ try: f, catch: (e) => new S3EndpointError({ detail: `cannot ${what}: ${String(e)}` }) }),
    (detail) => new S3EndpointError({ detail: `cannot ${what}: ${detail}` })
  )

/**
 * Creates a bucket directory and records its access key (replacing an older key for it). The
 * credentials file is mode 0600 (the endpoint needs the secret to check signatures) and is
 * changed under a lock, so concurrent grants from several processes are all kept.
 *
 * @since 0.1.0
 */
export const grant = (dir: string, g: Grant): Effect.Effect<void, S3EndpointError> =>
  withGrantsLock(dir, `create bucket ${g.bucket}`, () => {
    Store.ensureDir(Store.bucketDir(dir, g.bucket))
    writeGrants(dir, [...readGrants(dir).filter((x) => x.bucket !== g.bucket), g])
  })

/**
 * Deletes a bucket with its objects and its access key.
 *
 * @since 0.1.0
 */
export const revoke = (dir: string, bucket: string): Effect.Effect<void, S3EndpointError> =>
  withGrantsLock(dir, `delete bucket ${bucket}`, () => {
    writeGrants(dir, readGrants(dir).filter((x) => x.bucket !== bucket))
    fs.rmSync(Store.bucketDir(dir, bucket), { recursive: true, force: true })
  })

/**
 * Whether a bucket directory exists.
 *
 * @since 0.1.0
 */
export const bucketExists = (dir: string, bucket: string): boolean => fs.existsSync(Store.bucketDir(dir, bucket))

/**
 * The default largest object: 5 GiB, S3's limit for one PUT, so code that works here works on
 * AWS. `PAVED_S3_MAX_OBJECT_BYTES` changes it for every endpoint started in the process.
 *
 * @since 0.2.0
 */
export const defaultMaxObjectBytes = (): number => {
  const configured = Number(process.env["PAVED_S3_MAX_OBJECT_BYTES"] ?? "")
  return Number.isSafeInteger(configured) && configured > 0 ? configured : 5 * 1024 ** 3
}

/**
 * Serves the buckets under `dir` on `host:port` (port 0: any free port) until the scope closes.
 *
 * @since 0.1.0
 */
export const serve = (options: {
  readonly dir: string
  readonly port?: number
  readonly host?: string
  /** The largest object a PUT may store (413 EntityTooLarge beyond). Default `defaultMaxObjectBytes()`. */
  readonly maxObjectBytes?: number
}): Effect.Effect<
  S3Endpoint,
  S3EndpointError,
  Scope.Scope
> =>
  Effect.acquireRelease(
    Effect.async<http.Server & { readonly endpoint: S3Endpoint }, S3EndpointError>((resume) => {
      const host = options.host ?? "127.0.0.1"
      try {
        Store.ensureDir(options.dir)
        Store.ensureDir(path.join(options.dir, "buckets"))
        Store.sweepUploads(options.dir)
      } catch (e) {
        return resume(Effect.fail(new S3EndpointError({ detail: `cannot use ${options.dir}: ${String(e)}` })))
      }
      const handlerOptions = { root: options.dir, maxObjectBytes: options.maxObjectBytes ?? defaultMaxObjectBytes() }
      const server = http.createServer((req, res) => {
        handle(handlerOptions, req, res)
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
