// A SigV4 signer written from AWS's documentation, independent of the endpoint's code, and raw
// HTTP requests, so the S3 suites can send what no SDK would: old dates, forged chunks.
import { S3Endpoint } from "@paved/provision"
import { Effect, Exit, Scope } from "effect"
import { createHash, createHmac } from "node:crypto"
import * as http from "node:http"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export const sha = (d: Buffer | string) => createHash("sha256").update(d).digest("hex")
const hmac = (k: Buffer | string, d: string) => createHmac("sha256", k).update(d, "utf8").digest()
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
// Malformed escapes are signed as they are, so the endpoint (not the signer) has to refuse them.
const decode = (s: string) => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
export const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

export interface Grant {
  readonly bucket: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface Signed {
  readonly headers: Record<string, string>
  readonly signature: string
  readonly signingKey: Buffer
  readonly amzDate: string
  readonly scope: string
}

/** Signs a request. `rawPath` is the path as sent (already percent-encoded). */
export const sign = (input: {
  readonly method: string
  readonly rawPath: string
  readonly rawQuery?: string
  readonly grant: Grant
  readonly port: number
  readonly date?: Date
  readonly scopeDate?: string
  readonly payloadHash?: string
  readonly extra?: Record<string, string>
  readonly omitFromSigned?: ReadonlyArray<string>
}): Signed => {
  const xd = amzDate(input.date ?? new Date())
  const day = input.scopeDate ?? xd.slice(0, 8)
  const payloadHash = input.payloadHash ?? "UNSIGNED-PAYLOAD"
  const headers: Record<string, string> = { host: `127.0.0.1:${input.port}`, "x-amz-content-sha256": payloadHash, "x-amz-date": xd, ...input.extra }
  const names = Object.keys(headers).map((h) => h.toLowerCase()).filter((h) => !(input.omitFromSigned ?? []).includes(h)).sort()
  const canonPath = input.rawPath.split("/").map((s) => enc(decode(s))).join("/")
  const rawQuery = input.rawQuery ?? ""
  const q = rawQuery === ""
    ? ""
    : rawQuery.split("&").map((p) => {
      const [k = "", v = ""] = p.split("=")
      return [enc(decode(k)), enc(decode(v))] as const
    }).sort().map(([k, v]) => `${k}=${v}`).join("&")
  const canonical = [input.method, canonPath, q, names.map((h) => `${h}:${String(headers[h]).trim()}\n`).join(""), names.join(";"), payloadHash].join("\n")
  const scope = `${day}/us-east-1/s3/aws4_request`
  const toSign = ["AWS4-HMAC-SHA256", xd, scope, sha(canonical)].join("\n")
  const signingKey = hmac(hmac(hmac(hmac("AWS4" + input.grant.secretAccessKey, day), "us-east-1"), "s3"), "aws4_request")
  const signature = hmac(signingKey, toSign).toString("hex")
  return {
    headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${input.grant.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}` },
    signature,
    signingKey,
    amzDate: xd,
    scope
  }
}

/** The signature of one chunk of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body (AWS docs, "Transferring payload in multiple chunks"). */
export const chunkSignature = (key: Buffer, xd: string, scope: string, previous: string, data: Buffer) =>
  hmac(key, ["AWS4-HMAC-SHA256-PAYLOAD", xd, scope, previous, sha(""), sha(data)].join("\n")).toString("hex")

/** A signed aws-chunked body; `forge(i)` replaces the signature of chunk i. */
export const signedChunkedBody = (signed: Signed, chunks: ReadonlyArray<Buffer>, forge?: (i: number, sig: string) => string): Buffer => {
  const parts: Array<Buffer> = []
  let previous = signed.signature
  for (const [i, data] of [...chunks, Buffer.alloc(0)].entries()) {
    let sig = chunkSignature(signed.signingKey, signed.amzDate, signed.scope, previous, data)
    previous = sig
    if (forge) sig = forge(i, sig)
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from("\r\n"))
  }
  return Buffer.concat(parts)
}

export interface Response {
  readonly status: number | "ERR"
  readonly body: string
  readonly headers: http.IncomingHttpHeaders
}

export const request = (port: number, method: string, rawPath: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Response> =>
  new Promise((resolve) => {
    const r = http.request({
      host: "127.0.0.1",
      port,
      method,
      path: rawPath,
      headers: { ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) }
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }))
    })
    r.on("error", (e) => resolve({ status: "ERR", body: e.message, headers: {} }))
    if (body !== undefined) r.write(body)
    r.end()
  })

export const errorCode = (r: Response) => r.body.match(/<Code>([^<]*)<\/Code>/)?.[1]

/** An endpoint over a fresh directory with two buckets, for one suite. */
export const startEndpoint = async (options: { readonly maxObjectBytes?: number } = {}) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-s3-"))
  const scope = Effect.runSync(Scope.make())
  const grants: Array<Grant> = ["alpha", "beta"].map((name) => ({
    bucket: `paved-${name}-${process.pid}`,
    accessKeyId: `PAVEDTEST${name.toUpperCase()}${process.pid}`,
    secretAccessKey: `secret-${name}-${Math.random().toString(36).slice(2)}`
  }))
  for (const g of grants) await Effect.runPromise(S3Endpoint.grant(dir, g))
  const endpoint = await Effect.runPromise(Scope.extend(S3Endpoint.serve({ dir, port: 0, ...options }), scope))
  return {
    dir,
    endpoint,
    port: endpoint.port,
    a: grants[0]!,
    b: grants[1]!,
    close: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
