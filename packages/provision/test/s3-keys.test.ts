// Defects 17 and 20 of the security review: long keys, malformed escapes, server paths in
// error bodies, and files other local users could read. Requests go over HTTP to a running endpoint.
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { S3Endpoint } from "@paved/provision"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Grant, Response } from "./s3-support.js"
import { errorCode, request, sign, startEndpoint } from "./s3-support.js"

let ep: Awaited<ReturnType<typeof startEndpoint>>
const seen: Array<Response> = []
beforeAll(async () => {
  ep = await startEndpoint()
})
afterAll(async () => {
  // No response of this suite names a server path or an internal error text.
  for (const r of seen) {
    expect(r.body).not.toContain(ep.dir)
    expect(r.body).not.toContain(os.tmpdir())
    expect(r.body).not.toMatch(/ENAMETOOLONG|EISDIR|ENOENT|URIError|at .*\.ts:\d+/)
  }
  await ep.close()
})

const enc = (key: string) => key.split("/").map(encodeURIComponent).join("/")
const send = async (method: string, grant: Grant, rawPathAfterBucket: string, body?: string, rawQuery = "") => {
  const rawPath = `/${grant.bucket}${rawPathAfterBucket === "" ? "" : "/" + rawPathAfterBucket}`
  const r = await request(ep.port, method, rawQuery === "" ? rawPath : `${rawPath}?${rawQuery}`, sign({ method, rawPath, rawQuery, grant, port: ep.port }).headers, body)
  seen.push(r)
  return r
}

describe("S3 endpoint: keys", () => {
  it("stores, reads, lists and deletes keys of 300 and 1024 bytes (ASCII and multi-byte), listed by their real names in order", async () => {
    const keys = [
      "k".repeat(300),
      "k".repeat(1024),
      "dir/" + "é".repeat(510), // 4 + 1020 bytes of UTF-8
      "a-short-one",
      "k".repeat(299) + "a"
    ]
    for (const key of keys) {
      const put = await send("PUT", ep.a, enc(key), `v-${key.length}`)
      expect(put.status, `${Buffer.byteLength(key)} bytes`).toBe(200)
      const got = await send("GET", ep.a, enc(key))
      expect(got.status).toBe(200)
      expect(got.body).toBe(`v-${key.length}`)
      expect((await send("HEAD", ep.a, enc(key))).status).toBe(200)
    }
    const s3 = new S3Client({
      endpoint: ep.endpoint.url, region: "us-east-1", forcePathStyle: true,
      credentials: { accessKeyId: ep.a.accessKeyId, secretAccessKey: ep.a.secretAccessKey }
    })
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: ep.a.bucket }))
    expect(listed.Contents?.map((c) => c.Key)).toEqual([...keys].sort())
    const page = await s3.send(new ListObjectsV2Command({ Bucket: ep.a.bucket, MaxKeys: 2 }))
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: ep.a.bucket, ContinuationToken: page.NextContinuationToken! }))
    expect([...page.Contents!, ...rest.Contents!].map((c) => c.Key)).toEqual([...keys].sort())
    s3.destroy()
    for (const key of keys) {
      expect((await send("DELETE", ep.a, enc(key))).status).toBe(204)
      expect((await send("GET", ep.a, enc(key))).status).toBe(404)
    }
  })

  it("refuses a key over 1024 bytes with 400 KeyTooLongError", async () => {
    const r = await send("PUT", ep.a, enc("k".repeat(1025)), "x")
    expect(r.status).toBe(400)
    expect(errorCode(r)).toBe("KeyTooLongError")
  })

  it("answers malformed percent-escapes in the key, the bucket or the query with 400 InvalidURI", async () => {
    for (const raw of ["%ZZ", "ok/%E0%A4%A", "%"]) {
      const r = await send("GET", ep.a, raw)
      expect(r.status, raw).toBe(400)
      expect(errorCode(r)).toBe("InvalidURI")
    }
    const rawPath = `/${ep.a.bucket}%ZZ/k`
    const bad = await request(ep.port, "GET", rawPath, sign({ method: "GET", rawPath: `/${ep.a.bucket}/k`, grant: ep.a, port: ep.port }).headers)
    seen.push(bad)
    expect(bad.status).toBe(400)
    const query = await send("GET", ep.a, "", undefined, "list-type=2&prefix=%ZZ")
    expect(query.status).toBe(400)
    expect(errorCode(query)).toBe("InvalidURI")
  })

  it("keeps traversal keys inside the bucket", async () => {
    for (const key of ["../../credentials.json", "..", "%2e%2e/x", "/etc/passwd"]) {
      expect((await send("PUT", ep.a, enc(key), "inside")).status, key).toBe(200)
      expect((await send("GET", ep.a, enc(key))).body).toBe("inside")
    }
    expect(JSON.parse(fs.readFileSync(path.join(ep.dir, "credentials.json"), "utf8"))).toHaveLength(2)
  })

  it("answers an internal failure with a generic 500 InternalError, without paths or error texts", async () => {
    // A directory where the object's data file belongs makes the final rename fail.
    const key = "blocked"
    expect((await send("PUT", ep.a, key, "first")).status).toBe(200)
    const data = fs.readdirSync(path.join(ep.dir, "buckets", ep.a.bucket)).find((f) => f.startsWith("blocked") && f.endsWith(".data"))!
    fs.rmSync(path.join(ep.dir, "buckets", ep.a.bucket, data))
    fs.mkdirSync(path.join(ep.dir, "buckets", ep.a.bucket, data, "inner"), { recursive: true })
    const r = await send("PUT", ep.a, key, "second")
    expect(r.status).toBe(500)
    expect(errorCode(r)).toBe("InternalError")
    expect(r.body).toMatch(/internal error/)
    expect(fs.readdirSync(path.join(ep.dir, "uploads"))).toEqual([])
    fs.rmSync(path.join(ep.dir, "buckets", ep.a.bucket, data), { recursive: true })
  })
})

describe("S3 endpoint: file modes", () => {
  const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8)

  it("keeps buckets in 0700 directories and objects, metadata and credentials in 0600 files", async () => {
    expect((await send("PUT", ep.b, "private/report.txt", "only the owner reads this")).status).toBe(200)
    const bucket = path.join(ep.dir, "buckets", ep.b.bucket)
    expect(mode(ep.dir)).toBe("700")
    expect(mode(path.join(ep.dir, "buckets"))).toBe("700")
    expect(mode(bucket)).toBe("700")
    expect(mode(path.join(ep.dir, "uploads"))).toBe("700")
    expect(mode(path.join(ep.dir, "credentials.json"))).toBe("600")
    const files = fs.readdirSync(bucket)
    expect(files.some((f) => f.endsWith(".data"))).toBe(true)
    for (const f of files) expect(mode(path.join(bucket, f)), f).toBe("600")
  })

  it("tightens a bucket directory created 0755 by an older version when it is granted again", async () => {
    const bucket = path.join(ep.dir, "buckets", ep.b.bucket)
    fs.chmodSync(bucket, 0o755)
    await Effect.runPromise(S3Endpoint.grant(ep.dir, ep.b))
    expect(mode(bucket)).toBe("700")
  })
})
