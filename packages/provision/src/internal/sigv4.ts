import { createHash, createHmac, timingSafeEqual } from "node:crypto"

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest()
export const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex")

// RFC 3986 encoding as SigV4 wants it.
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())

export interface Authorization {
  readonly accessKeyId: string
  readonly date: string
  readonly region: string
  readonly service: string
  readonly signedHeaders: ReadonlyArray<string>
  readonly signature: string
}

export const parseAuthorization = (header: string | undefined): Authorization | undefined => {
  const m = header?.match(/^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/)
  if (!m) return undefined
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(";"), signature: m[6]! }
}

/**
 * Whether a request's SigV4 header signature is right for the secret. `rawPath` and
 * `rawQuery` are as they arrived; the payload hash is the `x-amz-content-sha256` header.
 */
export const verify = (input: {
  readonly method: string
  readonly rawPath: string
  readonly rawQuery: string
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly auth: Authorization
  readonly secret: string
}): boolean => {
  const { auth } = input
  const header = (name: string) => {
    const v = input.headers[name]
    return (Array.isArray(v) ? v.join(",") : String(v ?? "")).trim().replace(/\s+/g, " ")
  }
  const query = input.rawQuery === ""
    ? ""
    : input.rawQuery.split("&").map((pair) => {
      const [k, v = ""] = pair.split("=")
      return [encode(decodeURIComponent(k!.replace(/\+/g, "%20"))), encode(decodeURIComponent(v.replace(/\+/g, "%20")))] as const
    }).sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join("&")
  const canonicalPath = input.rawPath.split("/").map((seg) => encode(decodeURIComponent(seg))).join("/")
  const canonical = [
    input.method,
    canonicalPath,
    query,
    auth.signedHeaders.map((h) => `${h}:${header(h)}\n`).join(""),
    auth.signedHeaders.join(";"),
    header("x-amz-content-sha256") || "UNSIGNED-PAYLOAD"
  ].join("\n")
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`
  const toSign = ["AWS4-HMAC-SHA256", header("x-amz-date"), scope, sha256Hex(canonical)].join("\n")
  const key = hmac(hmac(hmac(hmac("AWS4" + input.secret, auth.date), auth.region), auth.service), "aws4_request")
  const expected = hmac(key, toSign)
  const given = Buffer.from(auth.signature, "hex")
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Decodes an `aws-chunked` body (the SDK's streaming upload with trailing checksums). */
export const decodeAwsChunked = (body: Buffer): Buffer => {
  const parts: Array<Buffer> = []
  let i = 0
  while (i < body.length) {
    const lineEnd = body.indexOf("\r\n", i)
    if (lineEnd < 0) break
    const size = parseInt(body.subarray(i, lineEnd).toString("latin1").split(";")[0]!, 16)
    if (!Number.isFinite(size) || size === 0) break
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size))
    i = lineEnd + 2 + size + 2
  }
  return Buffer.concat(parts)
}
