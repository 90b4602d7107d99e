import type { Hash } from "node:crypto"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import type * as http from "node:http"
import * as zlib from "node:zlib"
import type { Grant } from "../S3Endpoint.js"
import { readGrants } from "../S3Endpoint.js"
import * as Store from "./s3Store.js"
import type { Refusal, Verified } from "./sigv4.js"
import { ChunkDecoder, decodeComponent, isRefusal, parseAuthorization, verify } from "./sigv4.js"

/** How the endpoint behaves: where the buckets are and how large one object may be. */
export interface HandlerOptions {
  readonly root: string
  readonly maxObjectBytes: number
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const reply = (res: http.ServerResponse, status: number, body?: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { ...(body !== undefined ? { "content-type": "application/xml" } : {}), ...headers })
  res.end(body)
}

const refuse = (res: http.ServerResponse, r: Refusal, method: string, headers: Record<string, string> = {}) =>
  method === "HEAD"
    ? reply(res, r.status, undefined, headers)
    : reply(res, r.status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${r.code}</Code><Message>${xml(r.message)}</Message></Error>`, headers)

const error = (res: http.ServerResponse, status: number, code: string, message: string, method: string) =>
  refuse(res, { status, code, message }, method)

const header = (req: http.IncomingMessage, name: string) => {
  const v = req.headers[name]
  return (Array.isArray(v) ? v.join(",") : String(v ?? "")).trim()
}

const authorize = (root: string, req: http.IncomingMessage, rawPath: string, rawQuery: string): { readonly grant: Grant; readonly verified: Verified } | Refusal => {
  const auth = parseAuthorization(req.headers.authorization)
  if (auth === undefined) return { status: 403, code: "AccessDenied", message: "a SigV4 Authorization header is required" }
  const grant = readGrants(root).find((g) => g.accessKeyId === auth.accessKeyId)
  if (grant === undefined) return { status: 403, code: "InvalidAccessKeyId", message: `unknown access key ${auth.accessKeyId}` }
  const verified = verify({ method: req.method ?? "GET", rawPath, rawQuery, headers: req.headers, auth, secret: grant.secretAccessKey, now: Date.now() })
  return isRefusal(verified) ? verified : { grant, verified }
}

const listBucket = (root: string, bucket: string, query: URLSearchParams): string => {
  const prefix = query.get("prefix") ?? ""
  const max = Math.min(1000, Number(query.get("max-keys") ?? "1000") || 1000)
  const after = query.get("continuation-token") ?? query.get("start-after") ?? ""
  const delimiter = query.get("delimiter") ?? ""
  const objects = Store.listObjects(root, bucket).filter((o) => o.key.startsWith(prefix) && o.key > after)
  const contents: Array<string> = []
  const prefixes = new Set<string>()
  let last = ""
  let truncated = false
  for (const { key, meta } of objects) {
    if (contents.length + prefixes.size >= max) {
      truncated = true
      break
    }
    last = key
    if (delimiter !== "") {
      const at = key.indexOf(delimiter, prefix.length)
      if (at >= 0) {
        prefixes.add(key.slice(0, at + delimiter.length))
        continue
      }
    }
    contents.push(`<Contents><Key>${xml(key)}</Key><LastModified>${meta.lastModified}</LastModified><ETag>&quot;${meta.etag}&quot;</ETag>` +
      `<Size>${meta.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${contents.length + prefixes.size}</KeyCount>` +
    `<MaxKeys>${max}</MaxKeys>${delimiter ? `<Delimiter>${xml(delimiter)}</Delimiter>` : ""}<IsTruncated>${truncated}</IsTruncated>` +
    (truncated ? `<NextContinuationToken>${xml(last)}</NextContinuationToken>` : "") +
    contents.join("") + [...prefixes].map((p) => `<CommonPrefixes><Prefix>${xml(p)}</Prefix></CommonPrefixes>`).join("") +
    `</ListBucketResult>`
}

// CRC32C (Castagnoli), which zlib lacks; the SDKs offer it as a checksum algorithm.
const crc32cTable = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

interface Checksum {
  update(piece: Buffer): void
  digestBase64(): string
}

const crcChecksum = (step: (crc: number, piece: Buffer) => number): Checksum => {
  let crc = 0
  return {
    update: (piece) => (crc = step(crc, piece)),
    digestBase64: () => {
      const out = Buffer.alloc(4)
      out.writeUInt32BE(crc >>> 0)
      return out.toString("base64")
    }
  }
}

const hashChecksum = (hash: Hash): Checksum => ({ update: (piece) => void hash.update(piece), digestBase64: () => hash.digest("base64") })

// The checksum algorithms the endpoint verifies (others, like CRC64NVME, are stored unchecked).
const checksums: Record<string, () => Checksum> = {
  crc32: () => crcChecksum((crc, piece) => zlib.crc32(piece, crc)),
  crc32c: () =>
    crcChecksum((crc, piece) => {
      let c = ~crc >>> 0
      for (let i = 0; i < piece.length; i++) c = crc32cTable[(c ^ piece[i]!) & 0xff]! ^ (c >>> 8)
      return ~c >>> 0
    }),
  sha1: () => hashChecksum(createHash("sha1")),
  sha256: () => hashChecksum(createHash("sha256"))
}

const streamingPayloads = new Set([
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
  "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
])

const tooLarge = (max: number): Refusal => ({ status: 413, code: "EntityTooLarge", message: `objects on this endpoint may be at most ${max} bytes` })
const badRequest = (code: string, message: string): Refusal => ({ status: 400, code, message })

/**
 * Reads the body piece by piece, pausing while each piece is handled, so at most one socket
 * read is in memory. Resolves with the handler's refusal, `"aborted"` when the client went away,
 * or `undefined` once the body ended.
 */
const consume = (req: http.IncomingMessage, onPiece: (buf: Buffer) => Promise<Refusal | undefined>) =>
  new Promise<Refusal | "aborted" | undefined>((resolve, reject) => {
    let settled = false
    const settle = (r: Refusal | "aborted" | undefined) => {
      if (settled) return
      settled = true
      req.removeListener("data", onData)
      resolve(r)
    }
    // The piece being handled: the end of the body (or its close) is acted on only after it.
    let handling: Promise<void> = Promise.resolve()
    const onData = (buf: Buffer) => {
      req.pause()
      handling = onPiece(buf).then((r) => (r === undefined ? void req.resume() : settle(r)), (e: unknown) => {
        settled = true
        req.removeListener("data", onData)
        reject(e)
      })
    }
    req.on("data", onData)
    req.once("end", () => void handling.then(() => settle(undefined)))
    req.once("close", () => void handling.then(() => (req.complete ? undefined : settle("aborted"))))
  })

const putObject = async (options: HandlerOptions, req: http.IncomingMessage, bucket: string, key: string, signing: Verified): Promise<Refusal | { readonly etag: string } | "aborted"> => {
  const max = options.maxObjectBytes
  const payload = header(req, "x-amz-content-sha256")
  const streaming = payload.startsWith("STREAMING-")
  if (streaming && !streamingPayloads.has(payload)) return badRequest("InvalidArgument", `x-amz-content-sha256 ${payload} is not supported`)
  if (!streaming && payload !== "" && payload !== "UNSIGNED-PAYLOAD" && !/^[0-9a-f]{64}$/.test(payload)) {
    return badRequest("InvalidArgument", "x-amz-content-sha256 must be the hex SHA-256 of the body, UNSIGNED-PAYLOAD or a STREAMING- value")
  }
  if (!streaming && header(req, "content-encoding").includes("aws-chunked")) {
    return badRequest("InvalidArgument", "an aws-chunked body needs a STREAMING- x-amz-content-sha256")
  }
  const declared = header(req, streaming ? "x-amz-decoded-content-length" : "content-length")
  if (declared !== "" && !/^\d+$/.test(declared)) return badRequest("InvalidArgument", "the declared content length is not a number")
  if (declared !== "" && Number(declared) > max) return tooLarge(max)
  const algorithm = header(req, "x-amz-sdk-checksum-algorithm").toLowerCase() ||
    (header(req, "x-amz-trailer").toLowerCase().match(/^x-amz-checksum-(\w+)$/)?.[1] ?? "") ||
    (Object.keys(checksums).find((a) => header(req, `x-amz-checksum-${a}`) !== "") ?? "")
  const checksum = checksums[algorithm]?.()

  Store.ensureDir(Store.uploadsDir(options.root))
  const upload = Store.uploadFile(options.root)
  const file = await fs.promises.open(upload, "wx", Store.FILE_MODE)
  let committed = false
  try {
    const md5 = createHash("md5")
    const sha256 = createHash("sha256")
    let size = 0
    let pieces: Array<Buffer> = []
    const accept = (piece: Buffer): Refusal | undefined => {
      size += piece.length
      if (size > max) return tooLarge(max)
      md5.update(piece)
      sha256.update(piece)
      checksum?.update(piece)
      pieces.push(piece)
      return undefined
    }
    const decoder = streaming
      ? new ChunkDecoder(payload.startsWith("STREAMING-AWS4-HMAC-SHA256") ? signing : undefined, payload.endsWith("-TRAILER"), accept)
      : undefined
    const outcome = await consume(req, async (buf) => {
      const refused = decoder === undefined ? accept(buf) : decoder.push(buf)
      if (refused !== undefined) return refused
      const toWrite = pieces
      pieces = []
      for (const piece of toWrite) await file.write(piece)
      return undefined
    })
    if (outcome !== undefined) return outcome
    const ended = decoder?.end()
    if (ended !== undefined) return ended
    if (declared !== "" && size !== Number(declared)) return badRequest("IncompleteBody", `the body has ${size} bytes, not the ${declared} declared`)
    if (/^[0-9a-f]{64}$/.test(payload) && sha256.digest("hex") !== payload) {
      return badRequest("XAmzContentSHA256Mismatch", "the body does not match x-amz-content-sha256")
    }
    const etag = md5.digest("hex")
    const contentMd5 = header(req, "content-md5")
    if (contentMd5 !== "" && Buffer.from(etag, "hex").toString("base64") !== contentMd5) return badRequest("BadDigest", "the body does not match Content-MD5")
    if (checksum !== undefined) {
      const given = decoder?.trailers.get(`x-amz-checksum-${algorithm}`) ?? header(req, `x-amz-checksum-${algorithm}`)
      if (given !== "" && given !== checksum.digestBase64()) return badRequest("BadDigest", `the body does not match its ${algorithm.toUpperCase()} checksum`)
    }
    await file.close()
    if (!fs.existsSync(Store.bucketDir(options.root, bucket))) return { status: 404, code: "NoSuchBucket", message: `bucket ${bucket} does not exist` }
    Store.commitObject(options.root, bucket, key, upload, {
      contentType: header(req, "content-type") || "application/octet-stream",
      etag,
      size,
      lastModified: new Date().toISOString()
    })
    committed = true
    return { etag }
  } finally {
    await file.close().catch(() => undefined)
    if (!committed) {
      fs.rmSync(upload, { force: true })
      fs.rmSync(`${upload}.meta`, { force: true })
    }
  }
}

// A refused upload whose body is still arriving: answer, then close the connection rather than
// read (and discard) the rest of a body of any size.
const refuseUpload = (req: http.IncomingMessage, res: http.ServerResponse, r: Refusal) => {
  refuse(res, r, "PUT", { connection: "close" })
  res.once("finish", () => {
    if (!req.complete) setTimeout(() => req.socket.destroy(), 1000).unref()
  })
}

const route = async (options: HandlerOptions, req: http.IncomingMessage, res: http.ServerResponse) => {
  const root = options.root
  const method = req.method ?? "GET"
  const rawUrl = req.url ?? "/"
  const q = rawUrl.indexOf("?")
  const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl
  const rawQuery = q >= 0 ? rawUrl.slice(q + 1) : ""
  const query = new URLSearchParams(rawQuery)
  const authorized = authorize(root, req, rawPath, rawQuery)
  if ("status" in authorized) return refuse(res, authorized, method)
  const { grant, verified } = authorized
  const [, bucketRaw = "", ...rest] = rawPath.split("/")
  const bucket = decodeComponent(bucketRaw)
  const parts = rest.map(decodeComponent)
  if (bucket === undefined || parts.some((p) => p === undefined)) return error(res, 400, "InvalidURI", "the path holds a malformed percent-escape", method)
  const key = parts.join("/")
  if (bucket === "") {
    if (method !== "GET") return error(res, 405, "MethodNotAllowed", "", method)
    return reply(res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Owner><ID>${grant.accessKeyId}</ID></Owner>` +
      `<Buckets><Bucket><Name>${xml(grant.bucket)}</Name><CreationDate>${new Date(0).toISOString()}</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`)
  }
  if (bucket !== grant.bucket) return error(res, 403, "AccessDenied", `access key ${grant.accessKeyId} may not use bucket ${bucket}`, method)
  const bucketDir = Store.bucketDir(root, bucket)
  const exists = fs.existsSync(bucketDir)
  if (key === "") {
    if (method === "PUT") {
      Store.ensureDir(bucketDir)
      return reply(res, 200, undefined, { location: `/${bucket}` })
    }
    if (!exists) return error(res, 404, "NoSuchBucket", `bucket ${bucket} does not exist`, method)
    if (method === "HEAD") return reply(res, 200)
    if (method === "DELETE") {
      if (fs.readdirSync(bucketDir).length > 0) return error(res, 409, "BucketNotEmpty", `bucket ${bucket} is not empty`, method)
      fs.rmdirSync(bucketDir)
      return reply(res, 204)
    }
    if (method === "GET") return reply(res, 200, listBucket(root, bucket, query))
    return error(res, 405, "MethodNotAllowed", `${method} on a bucket`, method)
  }
  if (Buffer.byteLength(key, "utf8") > Store.MAX_KEY_BYTES) {
    return error(res, 400, "KeyTooLongError", `object keys may be at most ${Store.MAX_KEY_BYTES} bytes`, method)
  }
  if (!exists) return error(res, 404, "NoSuchBucket", `bucket ${bucket} does not exist`, method)
  const files = Store.objectFiles(root, bucket, key)
  if (method === "PUT") {
    const put = await putObject(options, req, bucket, key, verified)
    if (put === "aborted") return res.destroy()
    if ("status" in put) return refuseUpload(req, res, put)
    return reply(res, 200, undefined, { etag: `"${put.etag}"` })
  }
  if (method === "DELETE") {
    Store.deleteObject(root, bucket, key)
    return reply(res, 204)
  }
  if (method === "GET" || method === "HEAD") {
    const meta = fs.existsSync(files.data) ? Store.readMeta(files.meta) : undefined
    if (meta === undefined) return error(res, 404, "NoSuchKey", `no object ${key} in ${bucket}`, method)
    const headers = {
      "content-type": meta.contentType, "content-length": String(meta.size), etag: `"${meta.etag}"`,
      "last-modified": new Date(meta.lastModified).toUTCString()
    }
    if (method === "HEAD") return reply(res, 200, undefined, headers)
    const stream = fs.createReadStream(files.data)
    stream.once("error", () => (res.headersSent ? res.destroy() : error(res, 404, "NoSuchKey", `no object ${key} in ${bucket}`, method)))
    stream.once("open", () => {
      res.writeHead(200, headers)
      stream.pipe(res)
    })
    return
  }
  return error(res, 405, "MethodNotAllowed", `${method} on an object`, method)
}

/**
 * Handles one request. An unexpected failure is a 500 with a generic S3 error body: file
 * names, paths and error texts of the server never reach the client.
 */
export const handle = (options: HandlerOptions, req: http.IncomingMessage, res: http.ServerResponse): void => {
  route(options, req, res).catch(() => {
    if (!res.headersSent) error(res, 500, "InternalError", "we encountered an internal error; please try again", req.method ?? "GET")
    else res.destroy()
  })
}
