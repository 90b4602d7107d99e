import { createHash } from "node:crypto"
import * as fs from "node:fs"
import type * as http from "node:http"
import * as path from "node:path"
import type { Grant } from "../S3Endpoint.js"
import { readGrants } from "../S3Endpoint.js"
import { decodeAwsChunked, parseAuthorization, sha256Hex, verify } from "./sigv4.js"

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const reply = (res: http.ServerResponse, status: number, body?: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { ...(body !== undefined ? { "content-type": "application/xml" } : {}), ...headers })
  res.end(body)
}

const error = (res: http.ServerResponse, status: number, code: string, message: string, method: string) =>
  method === "HEAD"
    ? reply(res, status)
    : reply(res, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`)

interface Meta {
  readonly contentType: string
  readonly etag: string
  readonly size: number
  readonly lastModified: string
}

// Object keys may hold "/" and anything else: each object is one flat file named by its encoded key.
const objectFile = (dir: string, bucket: string, key: string) => path.join(dir, "buckets", bucket, encodeURIComponent(key).replace(/\./g, "%2E") + ".data")
const metaFile = (file: string) => file.replace(/\.data$/, ".meta.json")
const keyOf = (file: string) => decodeURIComponent(file.replace(/\.data$/, ""))

const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const authorize = (req: http.IncomingMessage, rawPath: string, rawQuery: string): Grant | string => {
  const auth = parseAuthorization(req.headers.authorization)
  if (auth === undefined) return "a SigV4 Authorization header is required"
  const grant = readGrants(dir(req)).find((g) => g.accessKeyId === auth.accessKeyId)
  if (grant === undefined) return `unknown access key ${auth.accessKeyId}`
  const ok = verify({ method: req.method ?? "GET", rawPath, rawQuery, headers: req.headers, auth, secret: grant.secretAccessKey })
  return ok ? grant : "the request signature does not match"
}

const dirs = new WeakMap<http.IncomingMessage, string>()
const dir = (req: http.IncomingMessage) => dirs.get(req)!

const listObjects = (root: string, bucket: string, query: URLSearchParams): string => {
  const prefix = query.get("prefix") ?? ""
  const max = Math.min(1000, Number(query.get("max-keys") ?? "1000") || 1000)
  const after = query.get("continuation-token") ?? query.get("start-after") ?? ""
  const delimiter = query.get("delimiter") ?? ""
  const files = fs.readdirSync(path.join(root, "buckets", bucket)).filter((f) => f.endsWith(".data"))
  const keys = files.map(keyOf).filter((k) => k.startsWith(prefix) && k > after).sort()
  const contents: Array<string> = []
  const prefixes = new Set<string>()
  let last = ""
  let truncated = false
  for (const key of keys) {
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
    const meta = JSON.parse(fs.readFileSync(metaFile(objectFile(root, bucket, key)), "utf8")) as Meta
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

const route = async (root: string, req: http.IncomingMessage, res: http.ServerResponse) => {
  const method = req.method ?? "GET"
  const rawUrl = req.url ?? "/"
  const q = rawUrl.indexOf("?")
  const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl
  const rawQuery = q >= 0 ? rawUrl.slice(q + 1) : ""
  const query = new URLSearchParams(rawQuery)
  const grant = authorize(req, rawPath, rawQuery)
  if (typeof grant === "string") return error(res, 403, "AccessDenied", grant, method)
  const [, bucketRaw = "", ...rest] = rawPath.split("/")
  const bucket = decodeURIComponent(bucketRaw)
  const key = rest.map(decodeURIComponent).join("/")
  if (bucket === "") {
    if (method !== "GET") return error(res, 405, "MethodNotAllowed", "", method)
    return reply(res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Owner><ID>${grant.accessKeyId}</ID></Owner>` +
      `<Buckets><Bucket><Name>${xml(grant.bucket)}</Name><CreationDate>${new Date(0).toISOString()}</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`)
  }
  if (bucket !== grant.bucket) return error(res, 403, "AccessDenied", `access key ${grant.accessKeyId} may not use bucket ${bucket}`, method)
  const bucketDir = path.join(root, "buckets", bucket)
  const exists = fs.existsSync(bucketDir)
  if (key === "") {
    if (method === "PUT") {
      fs.mkdirSync(bucketDir, { recursive: true })
      return reply(res, 200, undefined, { location: `/${bucket}` })
    }
    if (!exists) return error(res, 404, "NoSuchBucket", `bucket ${bucket} does not exist`, method)
    if (method === "HEAD") return reply(res, 200)
    if (method === "DELETE") {
      if (fs.readdirSync(bucketDir).length > 0) return error(res, 409, "BucketNotEmpty", `bucket ${bucket} is not empty`, method)
      fs.rmdirSync(bucketDir)
      return reply(res, 204)
    }
    if (method === "GET") return reply(res, 200, listObjects(root, bucket, query))
    return error(res, 405, "MethodNotAllowed", `${method} on a bucket`, method)
  }
  if (!exists) return error(res, 404, "NoSuchBucket", `bucket ${bucket} does not exist`, method)
  const file = objectFile(root, bucket, key)
  if (method === "PUT") {
    let body = await readBody(req)
    const payload = String(req.headers["x-amz-content-sha256"] ?? "")
    if (payload.startsWith("STREAMING-") || String(req.headers["content-encoding"] ?? "").includes("aws-chunked")) body = decodeAwsChunked(body)
    else if (/^[0-9a-f]{64}$/.test(payload) && sha256Hex(body) !== payload) {
      return error(res, 400, "XAmzContentSHA256Mismatch", "the body does not match x-amz-content-sha256", method)
    }
    const etag = createHash("md5").update(body).digest("hex")
    const meta: Meta = {
      contentType: String(req.headers["content-type"] ?? "application/octet-stream"), etag, size: body.length, lastModified: new Date().toISOString()
    }
    fs.writeFileSync(file + ".tmp", body)
    fs.writeFileSync(metaFile(file), JSON.stringify(meta))
    fs.renameSync(file + ".tmp", file)
    return reply(res, 200, undefined, { etag: `"${etag}"` })
  }
  if (method === "DELETE") {
    fs.rmSync(file, { force: true })
    fs.rmSync(metaFile(file), { force: true })
    return reply(res, 204)
  }
  if (method === "GET" || method === "HEAD") {
    if (!fs.existsSync(file)) return error(res, 404, "NoSuchKey", `no object ${key} in ${bucket}`, method)
    const meta = JSON.parse(fs.readFileSync(metaFile(file), "utf8")) as Meta
    const headers = {
      "content-type": meta.contentType, "content-length": String(meta.size), etag: `"${meta.etag}"`,
      "last-modified": new Date(meta.lastModified).toUTCString()
    }
    if (method === "HEAD") return reply(res, 200, undefined, headers)
    res.writeHead(200, headers)
    return void fs.createReadStream(file).pipe(res)
  }
  return error(res, 405, "MethodNotAllowed", `${method} on an object`, method)
}

/** Handles one request; internal failures become a 500 with an S3 error body. */
export const handle = (root: string, req: http.IncomingMessage, res: http.ServerResponse): void => {
  dirs.set(req, root)
  route(root, req, res).catch((e: unknown) => {
    if (!res.headersSent) error(res, 500, "InternalError", String(e), req.method ?? "GET")
    else res.destroy()
  })
}
