// Defect 9 of the security review: signatures that never expire and streamed chunks whose
// signatures were never checked. Every request here goes over HTTP to a running endpoint.
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { createHmac } from "node:crypto"
import { Readable } from "node:stream"
import * as zlib from "node:zlib"
import type { Grant } from "./s3-support.js"
import { amzDate, chunkSignature, errorCode, request, sha, sign, signedChunkedBody, startEndpoint } from "./s3-support.js"

let ep: Awaited<ReturnType<typeof startEndpoint>>
beforeAll(async () => {
  ep = await startEndpoint()
})
afterAll(() => ep.close())

const put = (grant: Grant, key: string, body: string | Buffer, options: Partial<Parameters<typeof sign>[0]> = {}) => {
  const rawPath = `/${grant.bucket}/${key}`
  return request(ep.port, "PUT", rawPath, sign({ method: "PUT", rawPath, grant, port: ep.port, ...options }).headers, body)
}
const get = (grant: Grant, key: string, options: Partial<Parameters<typeof sign>[0]> = {}) => {
  const rawPath = `/${grant.bucket}/${key}`
  return request(ep.port, "GET", rawPath, sign({ method: "GET", rawPath, grant, port: ep.port, ...options }).headers)
}

const minutes = (n: number) => new Date(Date.now() + n * 60_000)

describe("S3 endpoint: signature freshness", () => {
  it("refuses signatures dated 2015 or 2099, or 20 minutes off, with 403 RequestTimeTooSkewed; 10 minutes off is fine", async () => {
    expect((await put(ep.b, "secret.txt", "B-private")).status).toBe(200)
    for (const date of [new Date("2015-01-01T00:00:00Z"), new Date("2099-01-01T00:00:00Z"), minutes(-20), minutes(20)]) {
      const r = await get(ep.b, "secret.txt", { date })
      expect(r.status, date.toISOString()).toBe(403)
      expect(errorCode(r)).toBe("RequestTimeTooSkewed")
      expect(r.body).not.toContain("B-private")
    }
    for (const date of [minutes(-10), minutes(10)]) {
      const r = await get(ep.b, "secret.txt", { date })
      expect(r.status, date.toISOString()).toBe(200)
      expect(r.body).toBe("B-private")
    }
  })

  it("does not let a captured 2015 UNSIGNED-PAYLOAD PUT signature overwrite an object", async () => {
    expect((await put(ep.b, "report.csv", "the real report")).status).toBe(200)
    const r = await put(ep.b, "report.csv", "attacker-controlled", { date: new Date("2015-01-01T00:00:00Z") })
    expect(r.status).toBe(403)
    expect((await get(ep.b, "report.csv")).body).toBe("the real report")
  })

  it("refuses a credential scope whose day is not the request's day", async () => {
    const r = await get(ep.b, "secret.txt", { scopeDate: "20150101" })
    expect(r.status).toBe(403)
    expect(errorCode(r)).toBe("SignatureDoesNotMatch")
  })

  it("refuses a request whose x-amz-date is not among the signed headers", async () => {
    const r = await get(ep.b, "secret.txt", { omitFromSigned: ["x-amz-date"] })
    expect(r.status).toBe(403)
    expect(r.body).toMatch(/x-amz-date header must be signed/)
  })

  it("refuses a body that does not match a signed x-amz-content-sha256, and keeps the old object", async () => {
    expect((await put(ep.a, "doc.txt", "original")).status).toBe(200)
    const r = await put(ep.a, "doc.txt", "tampered", { payloadHash: sha("original") })
    expect(r.status).toBe(400)
    expect(errorCode(r)).toBe("XAmzContentSHA256Mismatch")
    expect((await get(ep.a, "doc.txt")).body).toBe("original")
    expect((await put(ep.a, "doc.txt", "signed body", { payloadHash: sha("signed body") })).status).toBe(200)
    expect((await get(ep.a, "doc.txt")).body).toBe("signed body")
  })
})

describe("S3 endpoint: streamed (aws-chunked) uploads", () => {
  const streamingHeaders = (decodedLength: number) => ({
    payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    extra: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(decodedLength) }
  })
  const streamPut = (grant: Grant, key: string, decodedLength: number, body: (signed: ReturnType<typeof sign>) => Buffer | string) => {
    const rawPath = `/${grant.bucket}/${key}`
    const signed = sign({ method: "PUT", rawPath, grant, port: ep.port, ...streamingHeaders(decodedLength) })
    return request(ep.port, "PUT", rawPath, signed.headers, body(signed))
  }

  it("checks the test signer against AWS's published example of a chunked upload", () => {
    const key = ["20130524", "us-east-1", "s3", "aws4_request"].reduce<Buffer | string>(
      (k, part) => createHmac("sha256", k).update(part).digest(),
      "AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    ) as Buffer
    const scope = "20130524/us-east-1/s3/aws4_request"
    const c1 = chunkSignature(key, "20130524T000000Z", scope, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", Buffer.alloc(65536, "a"))
    const c2 = chunkSignature(key, "20130524T000000Z", scope, c1, Buffer.alloc(1024, "a"))
    const last = chunkSignature(key, "20130524T000000Z", scope, c2, Buffer.alloc(0))
    expect([c1, c2, last]).toEqual([
      "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
      "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
      "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
    ])
  })

  it("refuses the review's forged all-zero chunk signatures with 403 and stores nothing", async () => {
    const r = await streamPut(ep.b, "stream.bin", 8,
      () => "8;chunk-signature=0000000000000000000000000000000000000000000000000000000000000000\r\nEVILDATA\r\n0;chunk-signature=0000\r\n\r\n")
    expect(r.status, r.body).toBe(403)
    expect(errorCode(r)).toBe("SignatureDoesNotMatch")
    expect((await get(ep.b, "stream.bin")).status).toBe(404)
  })

  it("refuses a chain with one forged chunk, a forged final chunk, or a swapped chunk body, and keeps the old object", async () => {
    const chunks = [Buffer.alloc(65536, "x"), Buffer.alloc(65536, "y"), Buffer.from("tail")]
    const total = chunks.reduce((n, c) => n + c.length, 0)
    expect((await streamPut(ep.a, "chain.bin", total, (s) => signedChunkedBody(s, chunks))).status).toBe(200)
    const stored = await get(ep.a, "chain.bin")
    expect(stored.body).toBe(Buffer.concat(chunks).toString())

    const forgeries: Array<readonly [string, (s: ReturnType<typeof sign>) => Buffer]> = [
      ["second chunk forged", (s) => signedChunkedBody(s, chunks, (i, sig) => (i === 1 ? "1".repeat(64) : sig))],
      ["final chunk forged", (s) => signedChunkedBody(s, chunks, (i, sig) => (i === 3 ? "2".repeat(64) : sig))],
      ["chunks reordered", (s) => signedChunkedBody(s, [chunks[1]!, chunks[0]!, chunks[2]!], (i, sig) => {
        // the signatures of the original order on the reordered data
        const original = signedChunkedBody(s, chunks).toString("latin1").match(/chunk-signature=([0-9a-f]{64})/g)!
        return i < 3 ? original[i]!.slice("chunk-signature=".length) : sig
      })],
      ["data altered after signing", (s) => {
        const body = signedChunkedBody(s, chunks)
        body[body.indexOf("tail")] = "T".charCodeAt(0)
        return body
      }],
      ["signature chain seeded from another request", (s) => signedChunkedBody({ ...s, signature: "3".repeat(64) }, chunks)],
      ["no final chunk", (s) => {
        const body = signedChunkedBody(s, chunks)
        return body.subarray(0, body.lastIndexOf("0;chunk-signature="))
      }]
    ]
    for (const [name, body] of forgeries) {
      const r = await streamPut(ep.a, "chain.bin", total, body)
      expect(r.status, name).toBeGreaterThanOrEqual(400)
      expect((await get(ep.a, "chain.bin")).body, name).toBe(stored.body)
    }
  })

  it("verifies the signature of trailing headers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)", async () => {
    const data = Buffer.from("with a signed trailer")
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(zlib.crc32(data))
    const trailer = `x-amz-checksum-crc32:${crc.toString("base64")}`
    const rawPath = `/${ep.a.bucket}/trailer.txt`
    const signed = sign({
      method: "PUT", rawPath, grant: ep.a, port: ep.port, payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      extra: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(data.length), "x-amz-trailer": "x-amz-checksum-crc32" }
    })
    const body = (trailerSig: (previous: string) => string) => {
      const c1 = chunkSignature(signed.signingKey, signed.amzDate, signed.scope, signed.signature, data)
      const c2 = chunkSignature(signed.signingKey, signed.amzDate, signed.scope, c1, Buffer.alloc(0))
      return `${data.length.toString(16)};chunk-signature=${c1}\r\n${data}\r\n0;chunk-signature=${c2}\r\n${trailer}\r\nx-amz-trailer-signature:${trailerSig(c2)}\r\n\r\n`
    }
    const good = (previous: string) =>
      createHmac("sha256", signed.signingKey).update(["AWS4-HMAC-SHA256-TRAILER", signed.amzDate, signed.scope, previous, sha(`${trailer}\n`)].join("\n"))
        .digest("hex")
    expect((await request(ep.port, "PUT", rawPath, signed.headers, body(() => "4".repeat(64)))).status).toBe(403)
    expect((await get(ep.a, "trailer.txt")).status).toBe(404)
    expect((await request(ep.port, "PUT", rawPath, signed.headers, body(good))).status).toBe(200)
    expect((await get(ep.a, "trailer.txt")).body).toBe(data.toString())
  })
})

describe("S3 endpoint: the real AWS SDK still works", () => {
  const client = (g: Grant) =>
    new S3Client({ endpoint: ep.endpoint.url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey } })

  it("uploads strings, buffers and streams (STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer) and reads them back", async () => {
    const s3 = client(ep.a)
    const big = Buffer.alloc(300_000)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251
    await s3.send(new PutObjectCommand({ Bucket: ep.a.bucket, Key: "sdk/string.txt", Body: "hello from the SDK", ContentType: "text/plain" }))
    await s3.send(new PutObjectCommand({ Bucket: ep.a.bucket, Key: "sdk/buffer.bin", Body: big }))
    await s3.send(new PutObjectCommand({ Bucket: ep.a.bucket, Key: "sdk/stream.bin", Body: Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]), ContentLength: big.length }))
    const text = await s3.send(new GetObjectCommand({ Bucket: ep.a.bucket, Key: "sdk/string.txt" }))
    expect(await text.Body!.transformToString()).toBe("hello from the SDK")
    for (const key of ["sdk/buffer.bin", "sdk/stream.bin"]) {
      const got = await s3.send(new GetObjectCommand({ Bucket: ep.a.bucket, Key: key }))
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big), key).toBe(true)
    }
    s3.destroy()
  })

  it("refuses an unsigned streamed upload whose CRC32 trailer does not match its data", async () => {
    const rawPath = `/${ep.a.bucket}/crc.txt`
    const signed = sign({
      method: "PUT", rawPath, grant: ep.a, port: ep.port, payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      extra: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "5", "x-amz-trailer": "x-amz-checksum-crc32" }
    })
    const r = await request(ep.port, "PUT", rawPath, signed.headers, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n")
    expect(r.status).toBe(400)
    expect(errorCode(r)).toBe("BadDigest")
    expect((await get(ep.a, "crc.txt")).status).toBe(404)
  })

  it("still refuses the SDK with a wrong secret", async () => {
    const s3 = client({ ...ep.a, secretAccessKey: "not-the-secret" })
    await expect(s3.send(new GetObjectCommand({ Bucket: ep.a.bucket, Key: "sdk/string.txt" }))).rejects.toThrow(/signature/i)
    s3.destroy()
  })

  it("formats dates the way the endpoint expects", () => {
    expect(amzDate(new Date("2026-01-02T03:04:05.678Z"))).toBe("20260102T030405Z")
  })
})
