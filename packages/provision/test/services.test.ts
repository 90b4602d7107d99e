import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { afterAll, describe, expect, it } from "@effect/vitest"
import type { Placeholder } from "@paved/provision"
import { Provision } from "@paved/provision"
import { Redacted } from "effect"
import amqp from "amqplib"
import { Redis } from "ioredis"
import * as mysql from "mysql2/promise"
import { connect, StringCodec } from "nats"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, one, unique } from "./fixtures.js"

const plain = (o: Placeholder.Outputs) => Provision.reveal({ o })["o"]!

describe.runIf(serverAvailable("mariadb"))("local backend: MariaDB", () => {
  const rt = makeRuntime()
  const [envA, envB] = [unique("a"), unique("b")]
  afterAll(async () => {
    await rt.run(Provision.destroy(envA)).catch(() => undefined)
    await rt.run(Provision.destroy(envB)).catch(() => undefined)
    await rt.dispose()
  })

  it("creates a database and user per environment, isolated from each other, with drift and destroy", async () => {
    const a = plain((await rt.run(Provision.apply(one(envA, "mysql", "db")))).outputs["db"]!)
    const b = plain((await rt.run(Provision.apply(one(envB, "mysql", "db")))).outputs["db"]!)
    const ca = await mysql.createConnection({ host: a.host, port: Number(a.port), user: a.username, password: a.password, database: a.database })
    await ca.query("CREATE TABLE t (id INT)")
    await ca.query("INSERT INTO t VALUES (7)")
    await ca.end()
    const cb = await mysql.createConnection({ host: b.host, port: Number(b.port), user: b.username, password: b.password, database: b.database })
    await expect(cb.query(`SELECT * FROM \`${a.database}\`.t`)).rejects.toThrow(/denied/i)
    await cb.end()
    await expect(mysql.createConnection({ host: a.host, port: Number(a.port), user: a.username, password: "wrong", database: a.database }))
      .rejects.toThrow(/denied/i)

    const root = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root" })
    await root.query(`DROP DATABASE \`${a.database}\``)
    expect(await rt.run(Provision.drift(envA))).toEqual([{ resource: "db", type: "mysql", difference: `database ${a.database} does not exist` }])
    await rt.run(Provision.destroy(envA))
    const [users] = await root.query("SELECT User FROM mysql.user WHERE User = ?", [a.username])
    expect(users).toEqual([])
    await root.end()
  })
})

describe.runIf(serverAvailable("redis"))("local backend: Redis", () => {
  const rt = makeRuntime()
  const [envA, envB] = [unique("a"), unique("b")]
  afterAll(async () => {
    await rt.run(Provision.destroy(envA)).catch(() => undefined)
    await rt.run(Provision.destroy(envB)).catch(() => undefined)
    await rt.dispose()
  })

  it("gives each environment an ACL user limited to its key prefix", async () => {
    const a = plain((await rt.run(Provision.apply(one(envA, "redis", "cache")))).outputs["cache"]!)
    const b = plain((await rt.run(Provision.apply(one(envB, "redis", "cache")))).outputs["cache"]!)
    const ra = new Redis(a.url!)
    const rb = new Redis(b.url!)
    try {
      await ra.set(`${a.prefix}session`, "alice")
      expect(await ra.get(`${a.prefix}session`)).toBe("alice")
      await expect(rb.get(`${a.prefix}session`)).rejects.toThrow(/NOPERM/)
      await expect(ra.set("unprefixed", "x")).rejects.toThrow(/NOPERM/)
      await expect(ra.call("FLUSHALL")).rejects.toThrow(/NOPERM/)
    } finally {
      ra.disconnect()
      rb.disconnect()
    }
    const admin = new Redis("redis://127.0.0.1:6379")
    try {
      await admin.call("ACL", "DELUSER", a.username!)
      expect(await rt.run(Provision.drift(envA))).toEqual([{ resource: "cache", type: "redis", difference: `ACL user ${a.username} does not exist` }])
      await rt.run(Provision.destroy(envA))
      expect(await admin.keys(`${a.prefix}*`)).toEqual([])
    } finally {
      admin.disconnect()
    }
  })
})

describe.runIf(serverAvailable("rabbitmq"))("local backend: RabbitMQ", () => {
  const rt = makeRuntime()
  const [envA, envB] = [unique("a"), unique("b")]
  afterAll(async () => {
    await rt.run(Provision.destroy(envA)).catch(() => undefined)
    await rt.run(Provision.destroy(envB)).catch(() => undefined)
    await rt.dispose()
  })

  it("gives each environment its own vhost that the other's user cannot open", async () => {
    const a = plain((await rt.run(Provision.apply(one(envA, "amqp", "bus")))).outputs["bus"]!)
    const b = plain((await rt.run(Provision.apply(one(envB, "amqp", "bus")))).outputs["bus"]!)
    const conn = await amqp.connect(a.url!)
    const ch = await conn.createChannel()
    await ch.assertQueue("orders")
    ch.sendToQueue("orders", Buffer.from("hello"))
    const got = await ch.get("orders", { noAck: true })
    expect(got && got.content.toString()).toBe("hello")
    await conn.close()
    const cross = `amqp://${b.username}:${b.password}@${b.host}:${b.port}/${encodeURIComponent(a.vhost!)}`
    await expect(amqp.connect(cross)).rejects.toThrow(/ACCESS_REFUSED|ConnectionClose|access to vhost/i)

    execFileSync("rabbitmqctl", ["--silent", "delete_vhost", a.vhost!])
    expect(await rt.run(Provision.drift(envA))).toEqual([{ resource: "bus", type: "amqp", difference: `vhost ${a.vhost} does not exist` }])
    await rt.run(Provision.destroy(envA))
    expect(execFileSync("rabbitmqctl", ["--silent", "list_users"]).toString()).not.toContain(a.username!)
  }, 120_000)
})

describe.runIf(serverAvailable("nats"))("local backend: NATS JetStream", () => {
  const rt = makeRuntime()
  const env = unique("q")
  afterAll(async () => {
    await rt.run(Provision.destroy(env)).catch(() => undefined)
    await rt.dispose()
  })

  it("creates a stream that stores the environment's subjects, and drift sees it deleted", async () => {
    const q = plain((await rt.run(Provision.apply(one(env, "queue", "events")))).outputs["events"]!)
    const nc = await connect({ servers: q.url! })
    try {
      const js = nc.jetstream()
      const sc = StringCodec()
      const ack = await js.publish(q.subject!.replace(">", "created"), sc.encode("order-1"))
      expect(ack.stream).toBe(q.stream)
      const jsm = await nc.jetstreamManager()
      await jsm.streams.delete(q.stream!)
    } finally {
      await nc.close()
    }
    expect(await rt.run(Provision.drift(env))).toEqual([{ resource: "events", type: "queue", difference: `stream ${q.stream} does not exist` }])
  })
})

describe("local backend: S3-compatible endpoint, volumes and environment values", () => {
  const rt = makeRuntime()
  const [envA, envB] = [unique("a"), unique("b")]
  afterAll(async () => {
    await rt.run(Provision.destroy(envA)).catch(() => undefined)
    await rt.run(Provision.destroy(envB)).catch(() => undefined)
    await rt.dispose()
  })

  const client = (o: Record<string, string>) =>
    new S3Client({
      endpoint: o.endpoint!, region: o.region!, forcePathStyle: true,
      credentials: { accessKeyId: o.aws_access_key_id!, secretAccessKey: o.aws_secret_access_key! }
    })

  it("serves each bucket to its own access key through the real AWS SDK, and to no other", async () => {
    const a = plain((await rt.run(Provision.apply(one(envA, "s3", "files")))).outputs["files"]!)
    const b = plain((await rt.run(Provision.apply(one(envB, "s3", "files")))).outputs["files"]!)
    const sa = client(a)
    const sb = client(b)
    await sa.send(new HeadBucketCommand({ Bucket: a.bucket }))
    await sa.send(new CreateBucketCommand({ Bucket: a.bucket }))
    await sa.send(new PutObjectCommand({ Bucket: a.bucket, Key: "reports/2026/nov.txt", Body: "quarterly numbers", ContentType: "text/plain" }))
    await sa.send(new PutObjectCommand({ Bucket: a.bucket, Key: "reports/2026/dec.txt", Body: Buffer.from("more numbers") }))
    await sa.send(new PutObjectCommand({ Bucket: a.bucket, Key: "top level.txt", Body: "x" }))
    const got = await sa.send(new GetObjectCommand({ Bucket: a.bucket, Key: "reports/2026/nov.txt" }))
    expect(await got.Body!.transformToString()).toBe("quarterly numbers")
    expect(got.ContentType).toBe("text/plain")
    const listed = await sa.send(new ListObjectsV2Command({ Bucket: a.bucket, Prefix: "reports/" }))
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["reports/2026/dec.txt", "reports/2026/nov.txt"])
    const page = await sa.send(new ListObjectsV2Command({ Bucket: a.bucket, MaxKeys: 2 }))
    expect(page.IsTruncated).toBe(true)
    const rest = await sa.send(new ListObjectsV2Command({ Bucket: a.bucket, ContinuationToken: page.NextContinuationToken! }))
    expect(rest.Contents?.map((c) => c.Key)).toEqual(["top level.txt"])
    await sa.send(new DeleteObjectCommand({ Bucket: a.bucket, Key: "top level.txt" }))
    await expect(sa.send(new GetObjectCommand({ Bucket: a.bucket, Key: "top level.txt" }))).rejects.toThrow(/no object top level.txt/)

    await expect(sb.send(new GetObjectCommand({ Bucket: a.bucket, Key: "reports/2026/nov.txt" }))).rejects.toThrow(/may not use bucket|Access/i)
    const forged = client({ ...a, aws_secret_access_key: "not-the-secret" })
    await expect(forged.send(new GetObjectCommand({ Bucket: a.bucket, Key: "reports/2026/nov.txt" }))).rejects.toThrow(/signature/i)
    sa.destroy()
    sb.destroy()

    await rt.run(Provision.destroy(envB))
    expect(await rt.run(Provision.drift(envA))).toEqual([])
  })

  it("creates volume directories and passes environment values through", async () => {
    process.env["APP_TEST_VALUE"] = "from-env"
    const target: Provision.Target = {
      env: envA,
      envType: "development",
      requests: [
        Provision.request({ key: "data", type: "volume" }),
        Provision.request({ key: "config", type: "environment", params: { LOG_LEVEL: "debug", fromEnvironment: ["APP_TEST_VALUE"] } })
      ]
    }
    const { outputs } = await rt.run(Provision.apply(target))
    expect(fs.statSync(String(outputs["data"]!["path"])).isDirectory()).toBe(true)
    // Literal params are plain; values read from the environment are secrets.
    expect(outputs["config"]!["LOG_LEVEL"]).toBe("debug")
    expect(Redacted.isRedacted(outputs["config"]!["APP_TEST_VALUE"])).toBe(true)
    expect(Provision.reveal(outputs)["config"]).toEqual({ LOG_LEVEL: "debug", APP_TEST_VALUE: "from-env" })
    // The s3 resource of envA is no longer requested: the plan deleted it.
    expect(Object.keys(outputs).sort()).toEqual(["config", "data"])
    fs.rmSync(String(outputs["data"]!["path"]), { recursive: true })
    expect(await rt.run(Provision.drift(envA))).toEqual([{ resource: "data", type: "volume", difference: `directory ${outputs["data"]!["path"]} does not exist` }])
  })

  it("keeps secrets Redacted in outputs and out of JSON", async () => {
    const out = await rt.run(Provision.outputs(envA))
    expect(JSON.stringify(out)).not.toMatch(/from-env-secret/)
    const { outputs } = await rt.run(Provision.apply(one(envA, "s3", "files")))
    expect(Redacted.isRedacted(outputs["files"]!["secret_key"])).toBe(true)
    expect(JSON.stringify(outputs)).toContain("<redacted>")
  })
})
