// Defect 16 of the security review: authenticated PUTs were buffered whole in memory, with no
// limit. The endpoint runs in a child process here, so its resident memory can be read from /proc.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { S3Endpoint } from "@paved/provision"
import { Effect } from "effect"
import type { ChildProcess } from "node:child_process"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Grant } from "./s3-support.js"
import { errorCode, request, sign, signedChunkedBody, startEndpoint } from "./s3-support.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")
const MiB = 1024 * 1024

const statusKiB = (pid: number, field: "VmRSS" | "VmHWM") =>
  Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+)`))![1])

// Sends `total` bytes in 1 MiB pieces, honouring backpressure, so the test itself holds 1 MiB.
const upload = (port: number, rawPath: string, headers: Record<string, string>, total: number, hash: ReturnType<typeof createHash>) =>
  new Promise<{ status: number | "ERR"; body: string }>((resolve) => {
    const r = http.request({ host: "127.0.0.1", port, method: "PUT", path: rawPath, headers: { ...headers, "content-length": String(total) } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }))
    })
    r.on("error", (e) => resolve({ status: "ERR", body: e.message }))
    const piece = Buffer.alloc(MiB)
    let sent = 0
    const pump = () => {
      while (sent < total) {
        piece.writeUInt32BE(sent / MiB, 0)
        hash.update(piece)
        sent += MiB
        if (!r.write(piece)) return void r.once("drain", pump)
      }
      r.end()
    }
    pump()
  })

const download = (port: number, rawPath: string, headers: Record<string, string>) =>
  new Promise<{ status: number; bytes: number; sha: string }>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: rawPath, headers }, (res) => {
      const hash = createHash("sha256")
      let bytes = 0
      res.on("data", (c: Buffer) => {
        bytes += c.length
        hash.update(c)
      })
      res.on("end", () => resolve({ status: res.statusCode!, bytes, sha: hash.digest("hex") }))
    }).on("error", reject)
  })

describe("S3 endpoint: uploads stream to disk", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-s3-rss-"))
  const grant: Grant = { bucket: `paved-rss-${process.pid}`, accessKeyId: `PAVEDRSS${process.pid}`, secretAccessKey: "rss-secret" }
  let child: ChildProcess
  let port = 0
  // tsx runs the script in a process of its own: the endpoint's pid comes from the script.
  let pid = 0
  beforeAll(async () => {
    await Effect.runPromise(S3Endpoint.grant(dir, grant))
    child = spawn(process.execPath, [path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "--conditions=@paved/source", path.join(here, "s3-serve-child.ts"), dir], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    ;({ pid, port } = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
      child.stdout!.once("data", (d: Buffer) => resolve(JSON.parse(d.toString()) as { pid: number; port: number }))
      child.once("exit", (code) => reject(new Error(`the endpoint exited with ${code}`)))
    }))
  })
  afterAll(() => {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
    child.kill("SIGKILL")
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("stores a 300 MiB PUT while the endpoint's resident memory grows by less than 64 MiB", async () => {
    const rawPath = `/${grant.bucket}/big.bin`
    // Warm up the code paths (and the JIT) with a small upload first.
    const warm = await upload(port, `/${grant.bucket}/warm.bin`, sign({ method: "PUT", rawPath: `/${grant.bucket}/warm.bin`, grant, port }).headers, 4 * MiB, createHash("sha256"))
    expect(warm.status).toBe(200)
    const before = statusKiB(pid, "VmRSS")
    const sent = createHash("sha256")
    const r = await upload(port, rawPath, sign({ method: "PUT", rawPath, grant, port }).headers, 300 * MiB, sent)
    expect(r.status, r.body).toBe(200)
    const peakGrowthMiB = (statusKiB(pid, "VmHWM") - before) / 1024
    const growthMiB = (statusKiB(pid, "VmRSS") - before) / 1024
    process.stdout.write(`${JSON.stringify({ case: "s3 300 MiB PUT", rssBeforeMiB: Math.round(before / 1024), peakGrowthMiB: Math.round(peakGrowthMiB), growthMiB: Math.round(growthMiB), load: os.loadavg()[0] })}\n`)
    expect(peakGrowthMiB).toBeLessThan(64)
    const got = await download(port, rawPath, sign({ method: "GET", rawPath, grant, port }).headers)
    expect(got).toEqual({ status: 200, bytes: 300 * MiB, sha: sent.digest("hex") })
  }, 180_000)
})

describe("S3 endpoint: object size limit", () => {
  let ep: Awaited<ReturnType<typeof startEndpoint>>
  beforeAll(async () => {
    ep = await startEndpoint({ maxObjectBytes: MiB })
  })
  afterAll(() => ep.close())
  const get = (g: Grant, key: string) => {
    const rawPath = `/${g.bucket}/${key}`
    return request(ep.port, "GET", rawPath, sign({ method: "GET", rawPath, grant: g, port: ep.port }).headers)
  }

  it("refuses a declared Content-Length over the limit with 413 EntityTooLarge before reading the body", async () => {
    const rawPath = `/${ep.a.bucket}/too-big.bin`
    const r = await upload(ep.port, rawPath, sign({ method: "PUT", rawPath, grant: ep.a, port: ep.port }).headers, 64 * MiB, createHash("sha256"))
    // The endpoint answers and closes; a client still sending may see the close instead.
    if (r.status !== "ERR") {
      expect(r.status).toBe(413)
      expect(errorCode({ ...r, headers: {} })).toBe("EntityTooLarge")
    }
    expect((await get(ep.a, "too-big.bin")).status).toBe(404)
    const exact = await request(ep.port, "PUT", `/${ep.a.bucket}/exact.bin`, sign({ method: "PUT", rawPath: `/${ep.a.bucket}/exact.bin`, grant: ep.a, port: ep.port }).headers, Buffer.alloc(MiB))
    expect(exact.status).toBe(200)
  })

  it("stops a body without a length (chunked transfer) once it passes the limit, and stores nothing", async () => {
    const rawPath = `/${ep.a.bucket}/chunked.bin`
    const headers = sign({ method: "PUT", rawPath, grant: ep.a, port: ep.port }).headers
    const status = await new Promise<number | "ERR">((resolve) => {
      const r = http.request({ host: "127.0.0.1", port: ep.port, method: "PUT", path: rawPath, headers: { ...headers, "transfer-encoding": "chunked" } }, (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode!))
      })
      r.on("error", () => resolve("ERR"))
      let sent = 0
      const pump = () => {
        while (sent < 8 * MiB) {
          sent += 64 * 1024
          if (!r.write(Buffer.alloc(64 * 1024))) return void r.once("drain", pump)
        }
        r.end()
      }
      pump()
    })
    expect([413, "ERR"]).toContain(status)
    expect((await get(ep.a, "chunked.bin")).status).toBe(404)
    expect(fs.readdirSync(path.join(ep.dir, "uploads"))).toEqual([])
  })

  it("refuses a signed streamed upload whose decoded length is over the limit", async () => {
    const rawPath = `/${ep.a.bucket}/streamed.bin`
    const chunks = [Buffer.alloc(MiB), Buffer.alloc(16)]
    const signed = sign({
      method: "PUT", rawPath, grant: ep.a, port: ep.port, payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      extra: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(MiB + 16) }
    })
    const r = await request(ep.port, "PUT", rawPath, signed.headers, signedChunkedBody(signed, chunks))
    expect(r.status).toBe(413)
    // And one that lies about its decoded length is cut at the limit all the same.
    const liar = sign({
      method: "PUT", rawPath, grant: ep.a, port: ep.port, payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      extra: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "10" }
    })
    const lied = await request(ep.port, "PUT", rawPath, liar.headers, signedChunkedBody(liar, chunks))
    expect(lied.status).toBe(413)
    expect((await get(ep.a, "streamed.bin")).status).toBe(404)
  })
})
