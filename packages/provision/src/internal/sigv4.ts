import { createHash, createHmac, timingSafeEqual } from "node:crypto"

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest()
export const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex")
const EMPTY_SHA256 = sha256Hex("")

/** How far a request's `x-amz-date` may be from this machine's clock (AWS allows 15 minutes). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

// RFC 3986 encoding as SigV4 wants it.
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())

/** `decodeURIComponent` that says `undefined` for a malformed escape instead of throwing. */
export const decodeComponent = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

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

/** A request refused: the HTTP status, the S3 error code and a message for the client. */
export interface Refusal {
  readonly status: number
  readonly code: string
  readonly message: string
}

/** What a verified request carries forward: enough to check the signatures of streamed chunks. */
export interface Verified {
  readonly signingKey: Buffer
  readonly signature: string
  readonly amzDate: string
  readonly scope: string
}

type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const headerOf = (headers: Headers) => (name: string) => {
  const v = headers[name]
  return (Array.isArray(v) ? v.join(",") : String(v ?? "")).trim().replace(/\s+/g, " ")
}

const basicDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

// The request time as SigV4 signs it (ISO 8601 basic), from x-amz-date or else the Date header.
const requestTime = (header: (name: string) => string): { readonly amzDate: string; readonly millis: number; readonly from: string } | undefined => {
  const amz = header("x-amz-date")
  if (amz !== "") {
    const m = amz.match(basicDate)
    if (!m) return undefined
    const millis = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
    return Number.isFinite(millis) ? { amzDate: amz, millis, from: "x-amz-date" } : undefined
  }
  const date = header("date")
  const millis = Date.parse(date)
  if (date === "" || !Number.isFinite(millis)) return undefined
  return { amzDate: new Date(millis).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, ""), millis, from: "date" }
}

const sameSignature = (given: string, expected: Buffer) => {
  const g = Buffer.from(given, "hex")
  return g.length === expected.length && timingSafeEqual(g, expected)
}

const denied = (message: string): Refusal => ({ status: 403, code: "AccessDenied", message })

/**
 * Checks a request's SigV4 header signature for the secret, and that it is fresh: the request
 * time (`x-amz-date`, else `Date`) must be signed, within 15 minutes of `now`, and on the day of
 * the credential scope, so a captured signature stops working after 15 minutes. `rawPath` and
 * `rawQuery` are as they arrived; the payload hash is the `x-amz-content-sha256` header.
 */
export const verify = (input: {
  readonly method: string
  readonly rawPath: string
  readonly rawQuery: string
  readonly headers: Headers
  readonly auth: Authorization
  readonly secret: string
  readonly now: number
}): Verified | Refusal => {
  const { auth } = input
  const header = headerOf(input.headers)
  if (auth.service !== "s3") return denied(`the credential scope names service ${auth.service}; sign for s3`)
  if (!auth.signedHeaders.includes("host")) return denied("the Host header must be signed")
  const time = requestTime(header)
  if (time === undefined) return denied("the request needs an x-amz-date header (YYYYMMDDTHHMMSSZ) or a Date header")
  if (!auth.signedHeaders.includes(time.from)) return denied(`the ${time.from} header must be signed`)
  if (Math.abs(input.now - time.millis) > MAX_CLOCK_SKEW_MS) {
    return {
      status: 403,
      code: "RequestTimeTooSkewed",
      message: "the difference between the request time and the server's time is more than 15 minutes; check the clock"
    }
  }
  if (time.amzDate.slice(0, 8) !== auth.date) {
    return { status: 403, code: "SignatureDoesNotMatch", message: `the credential scope date ${auth.date} is not the request date ${time.amzDate.slice(0, 8)}` }
  }
  const pairs: Array<readonly [string, string]> = []
  if (input.rawQuery !== "") {
    for (const pair of input.rawQuery.split("&")) {
      const [k, v = ""] = pair.split("=")
      const key = decodeComponent(k!.replace(/\+/g, "%20"))
      const value = decodeComponent(v.replace(/\+/g, "%20"))
      if (key === undefined || value === undefined) return { status: 400, code: "InvalidURI", message: "the query string holds a malformed percent-escape" }
      pairs.push([encode(key), encode(value)])
    }
  }
  const query = pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join("&")
  const segments: Array<string> = []
  for (const seg of input.rawPath.split("/")) {
    const decoded = decodeComponent(seg)
    if (decoded === undefined) return { status: 400, code: "InvalidURI", message: "the path holds a malformed percent-escape" }
    segments.push(encode(decoded))
  }
  const canonical = [
    input.method,
    segments.join("/"),
    query,
    auth.signedHeaders.map((h) => `${h}:${header(h)}\n`).join(""),
    auth.signedHeaders.join(";"),
    header("x-amz-content-sha256") || "UNSIGNED-PAYLOAD"
  ].join("\n")
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`
  const toSign = ["AWS4-HMAC-SHA256", time.amzDate, scope, sha256Hex(canonical)].join("\n")
  const signingKey = hmac(hmac(hmac(hmac("AWS4" + input.secret, auth.date), auth.region), auth.service), "aws4_request")
  if (!sameSignature(auth.signature, hmac(signingKey, toSign))) {
    return { status: 403, code: "SignatureDoesNotMatch", message: "the request signature does not match" }
  }
  return { signingKey, signature: auth.signature, amzDate: time.amzDate, scope }
}

/** Whether `verify` refused the request. */
export const isRefusal = (r: Verified | Refusal): r is Refusal => "status" in r

/** The signature of one chunk of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body, chained on the previous one. */
export const chunkSignature = (signing: Verified, previous: string, chunkSha256Hex: string): string =>
  hmac(signing.signingKey, ["AWS4-HMAC-SHA256-PAYLOAD", signing.amzDate, signing.scope, previous, EMPTY_SHA256, chunkSha256Hex].join("\n"))
    .toString("hex")

/** The signature of the trailing headers of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` body. */
export const trailerSignature = (signing: Verified, previous: string, canonicalTrailers: string): string =>
  hmac(signing.signingKey, ["AWS4-HMAC-SHA256-TRAILER", signing.amzDate, signing.scope, previous, sha256Hex(canonicalTrailers)].join("\n"))
    .toString("hex")

const MAX_LINE = 8192

/**
 * An incremental decoder of `aws-chunked` bodies (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n`
 * ... `0...\r\n[trailers]\r\n`). With `signing`, every chunk's signature must chain from the seed
 * signature of the request (and the trailer signature, when trailers are announced); a wrong
 * one is a refusal, and the caller then discards everything it was handed (the upload goes to a
 * temporary file that is only renamed into place once the whole body checked out). Data is
 * handed on in the pieces it arrives in, so memory stays bounded whatever the chunk sizes.
 */
export class ChunkDecoder {
  private state: "header" | "data" | "dataEnd" | "trailer" | "done" = "header"
  private line = ""
  private remaining = 0
  private chunkSignatureGiven = ""
  private chunkHash = createHash("sha256")
  private previous: string
  private readonly trailerLines: Array<string> = []
  /** Trailing headers (e.g. `x-amz-checksum-crc32`), lowercased names. */
  readonly trailers = new Map<string, string>()

  constructor(
    private readonly signing: Verified | undefined,
    private readonly expectTrailer: boolean,
    private readonly onData: (piece: Buffer) => Refusal | undefined
  ) {
    this.previous = signing?.signature ?? ""
  }

  private bad(message: string): Refusal {
    return { status: 400, code: "IncompleteBody", message: `malformed aws-chunked body: ${message}` }
  }

  private badSignature(): Refusal {
    return { status: 403, code: "SignatureDoesNotMatch", message: "a chunk signature of the streamed body does not match" }
  }

  private readLine(buf: Buffer, i: number): { readonly line: string; readonly next: number } | { readonly next: number } | Refusal {
    const at = buf.indexOf(10, i)
    const piece = buf.subarray(i, at < 0 ? buf.length : at).toString("latin1")
    this.line += piece
    if (this.line.length > MAX_LINE) return this.bad("a chunk header line is too long")
    if (at < 0) return { next: buf.length }
    if (!this.line.endsWith("\r")) return this.bad("lines must end with CRLF")
    const line = this.line.slice(0, -1)
    this.line = ""
    return { line, next: at + 1 }
  }

  private startChunk(line: string): Refusal | undefined {
    const [sizeText = "", ...extensions] = line.split(";")
    if (!/^[0-9a-fA-F]{1,15}$/.test(sizeText)) return this.bad(`chunk size ${JSON.stringify(sizeText.slice(0, 20))} is not hexadecimal`)
    const size = parseInt(sizeText, 16)
    const sig = extensions.find((e) => e.startsWith("chunk-signature="))?.slice("chunk-signature=".length)
    if (this.signing !== undefined && (sig === undefined || !/^[0-9a-f]{64}$/.test(sig))) return this.badSignature()
    this.chunkSignatureGiven = sig ?? ""
    this.chunkHash = createHash("sha256")
    this.remaining = size
    if (size === 0) {
      const failed = this.finishChunk()
      if (failed !== undefined) return failed
      this.state = "trailer"
      return undefined
    }
    this.state = "data"
    return undefined
  }

  private finishChunk(): Refusal | undefined {
    if (this.signing === undefined) return undefined
    const expected = chunkSignature(this.signing, this.previous, this.chunkHash.digest("hex"))
    if (!sameSignature(this.chunkSignatureGiven, Buffer.from(expected, "hex"))) return this.badSignature()
    this.previous = this.chunkSignatureGiven
    return undefined
  }

  private finishTrailers(): Refusal | undefined {
    const given = this.trailers.get("x-amz-trailer-signature")
    if (!this.expectTrailer) {
      if (this.trailerLines.length > 0) return this.bad("trailing headers were not announced with x-amz-trailer")
      return undefined
    }
    if (this.signing === undefined) return undefined
    if (given === undefined || !/^[0-9a-f]{64}$/.test(given)) return this.badSignature()
    const canonical = this.trailerLines.filter((l) => !l.toLowerCase().startsWith("x-amz-trailer-signature:"))
      .map((l) => {
        const at = l.indexOf(":")
        return `${l.slice(0, at).trim().toLowerCase()}:${l.slice(at + 1).trim()}\n`
      }).join("")
    const expected = trailerSignature(this.signing, this.previous, canonical)
    return sameSignature(given, Buffer.from(expected, "hex")) ? undefined : this.badSignature()
  }

  /** Feeds the next bytes of the body; a refusal stops the upload. */
  push(buf: Buffer): Refusal | undefined {
    let i = 0
    while (i < buf.length) {
      switch (this.state) {
        case "header": {
          const r = this.readLine(buf, i)
          if ("status" in r) return r
          i = r.next
          if ("line" in r) {
            const failed = this.startChunk(r.line)
            if (failed !== undefined) return failed
          }
          break
        }
        case "data": {
          const n = Math.min(this.remaining, buf.length - i)
          const piece = buf.subarray(i, i + n)
          this.chunkHash.update(piece)
          this.remaining -= n
          i += n
          const failed = this.onData(piece)
          if (failed !== undefined) return failed
          if (this.remaining === 0) this.state = "dataEnd"
          break
        }
        case "dataEnd": {
          const r = this.readLine(buf, i)
          if ("status" in r) return r
          i = r.next
          if ("line" in r) {
            if (r.line !== "") return this.bad("chunk data is longer than its size")
            const failed = this.finishChunk()
            if (failed !== undefined) return failed
            this.state = "header"
          }
          break
        }
        case "trailer": {
          const r = this.readLine(buf, i)
          if ("status" in r) return r
          i = r.next
          if ("line" in r) {
            if (r.line === "") {
              const failed = this.finishTrailers()
              if (failed !== undefined) return failed
              this.state = "done"
            } else {
              const at = r.line.indexOf(":")
              if (at <= 0) return this.bad("a trailing header has no name")
              if (this.trailerLines.length >= 16) return this.bad("too many trailing headers")
              this.trailerLines.push(r.line)
              this.trailers.set(r.line.slice(0, at).trim().toLowerCase(), r.line.slice(at + 1).trim())
            }
          }
          break
        }
        case "done":
          // Some clients end with one more CRLF; anything else after the last chunk is refused.
          if (buf.subarray(i).toString("latin1").trim() !== "") return this.bad("data after the last chunk")
          return undefined
      }
    }
    return undefined
  }

  /** The body ended: it must have ended after the last chunk. */
  end(): Refusal | undefined {
    return this.state === "done" ? undefined : this.bad("the body ended before the last (zero-length) chunk")
  }
}
