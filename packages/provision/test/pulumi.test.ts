import { describe, expect, it } from "@effect/vitest"
import type { EngineEvent as PulumiEngineEvent } from "@pulumi/pulumi/automation/index.js"
import type { Provisioner, Standards } from "@paved/provision"
import { PulumiBackend } from "@paved/provision"
import type * as pulumi from "@pulumi/pulumi"
import { Effect, Either, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

interface Created {
  readonly type: string
  readonly name: string
  readonly inputs: Record<string, unknown>
}
const created: Array<Created> = []

// setMocks must be installed before any resource module loads; the backend imports
// @pulumi/aws and @pulumi/kubernetes lazily, so loading them after this is safe.
const p: typeof pulumi = await import("@pulumi/pulumi")
await p.runtime.setMocks({
  newResource: (args) => {
    created.push({ type: args.type, name: args.name, inputs: args.inputs })
    const state: Record<string, unknown> = { ...args.inputs }
    if (args.type === "aws:rds/instance:Instance") Object.assign(state, { address: `${args.name}.rds.example`, port: 5432 })
    if (args.type === "aws:elasticache/replicationGroup:ReplicationGroup") state["primaryEndpointAddress"] = `${args.name}.cache.example`
    if (args.type === "aws:mq/broker:Broker") state["instances"] = [{ endpoints: [`amqps://${args.name}.mq.example:5671`] }]
    if (args.type === "aws:s3/bucket:Bucket") state["arn"] = `arn:aws:s3:::${String(args.inputs["bucket"])}`
    if (args.type === "aws:iam/accessKey:AccessKey") Object.assign(state, { secret: "mock-secret" })
    return { id: `${args.name}-id`, state }
  },
  call: (args) => args.inputs
}, "paved", "test", false)

const settings = (envType: "development" | "production"): Standards.Settings => envType === "production"
  ? { class: "default", size: "large", version: "16", region: "eu-west-1", backup: true, encryption: true, deletionProtection: true, multiAz: true, ttlHours: undefined }
  : { class: "default", size: "small", version: "16", region: "eu-west-1", backup: false, encryption: false, deletionProtection: false, multiAz: false, ttlHours: undefined }

const instance = (type: string, envType: "development" | "production", version?: string): Provisioner.Instance => ({
  env: envType === "production" ? "prod" : "dev",
  key: `shop.${type}`,
  type,
  name: `paved_${envType === "production" ? "prod" : "dev"}_shop_${type}`,
  settings: { ...settings(envType), ...(version !== undefined ? { version } : {}) },
  tags: { owner: "group:default/payments", system: "shop", "cost-centre": "cc-42" },
  params: {},
  password: Redacted.make("s3cretpassword")
})

const resolve = (outputs: PulumiBackend.ProgramOutputs) =>
  Promise.all(Object.entries(outputs).map(([k, v]) =>
    new Promise<[string, string]>((ok) => p.output(v as pulumi.Input<string>).apply((x) => ok([k, x])))
  )).then(Object.fromEntries) as Promise<Record<string, string>>

const run = async (i: Provisioner.Instance, target: "aws" | "kubernetes" = "aws") => {
  created.length = 0
  const outputs = await resolve(await PulumiBackend.program(i, { target, namespace: "team-a" })())
  await new Promise((r) => setTimeout(r, 50))
  return { outputs, resources: [...created] }
}

describe("Pulumi backend (runtime.setMocks)", () => {
  it("maps postgres to RDS with the production standards applied", async () => {
    const { outputs, resources } = await run(instance("postgres", "production"))
    const rds = resources.find((r) => r.type === "aws:rds/instance:Instance")!
    expect(rds.inputs).toMatchObject({
      engine: "postgres", engineVersion: "16", instanceClass: "db.r6g.large", storageEncrypted: true, backupRetentionPeriod: 7,
      deletionProtection: true, multiAz: true, publiclyAccessible: false,
      tags: { owner: "group:default/payments", system: "shop", "cost-centre": "cc-42", "paved:env": "prod" }
    })
    expect(outputs).toMatchObject({ host: "paved-prod-shop-postgres.rds.example", port: "5432", database: "paved_prod_shop_postgres" })
    expect(outputs["url"]).toContain("s3cretpassword")
  })

  it("maps development postgres to a small, unprotected RDS instance without backups", async () => {
    const { resources } = await run(instance("postgres", "development"))
    expect(resources.find((r) => r.type === "aws:rds/instance:Instance")!.inputs).toMatchObject({
      instanceClass: "db.t4g.micro", storageEncrypted: false, backupRetentionPeriod: 0, deletionProtection: false, multiAz: false, skipFinalSnapshot: true
    })
  })

  it("maps mysql 10.x to RDS MariaDB, redis to ElastiCache and amqp to Amazon MQ", async () => {
    const mysql = await run(instance("mysql", "production", "10.11"))
    expect(mysql.resources[0]!.inputs).toMatchObject({ engine: "mariadb" })
    const redis = await run(instance("redis", "production", "7"))
    expect(redis.resources[0]!.inputs).toMatchObject({
      engine: "redis", numCacheClusters: 2, multiAzEnabled: true, automaticFailoverEnabled: true, atRestEncryptionEnabled: true, transitEncryptionEnabled: true
    })
    expect(redis.outputs["host"]).toBe("paved-prod-shop-redis.cache.example")
    const mq = await run(instance("amqp", "production", "3.13"))
    expect(mq.resources[0]!.inputs).toMatchObject({ engineType: "RabbitMQ", deploymentMode: "CLUSTER_MULTI_AZ", publiclyAccessible: false })
    expect(mq.outputs["host"]).toBe("paved-prod-shop-amqp.mq.example")
  })

  it("maps s3 to an encrypted bucket with a public-access block and a key limited to it", async () => {
    const { resources, outputs } = await run(instance("s3", "production"))
    const types = resources.map((r) => r.type)
    expect(types).toEqual(expect.arrayContaining([
      "aws:s3/bucket:Bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketVersioning:BucketVersioning", "aws:iam/user:User", "aws:iam/userPolicy:UserPolicy", "aws:iam/accessKey:AccessKey"
    ]))
    expect(resources.find((r) => r.type.endsWith("BucketPublicAccessBlock"))!.inputs).toMatchObject({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true
    })
    expect(JSON.stringify(resources.find((r) => r.type.endsWith("BucketServerSideEncryptionConfiguration"))!.inputs)).toContain("aws:kms")
    const policy = JSON.parse(String(resources.find((r) => r.type === "aws:iam/userPolicy:UserPolicy")!.inputs["policy"]))
    expect(policy.Statement[0].Resource).toEqual(["arn:aws:s3:::paved-prod-shop-s3", "arn:aws:s3:::paved-prod-shop-s3/*"])
    expect(outputs["bucket"]).toBe("paved-prod-shop-s3")
  })

  it("maps queues to SQS with encryption and dns to a Route 53 zone", async () => {
    const q = await run(instance("queue", "production"))
    expect(q.resources[0]).toMatchObject({ type: "aws:sqs/queue:Queue", inputs: { sqsManagedSseEnabled: true } })
    const dns = await run({ ...instance("dns", "development"), params: { domain: "example.org" } })
    expect(dns.resources[0]).toMatchObject({ type: "aws:route53/zone:Zone", inputs: { name: "dev.example.org" } })
  })

  it("maps postgres to a Kubernetes StatefulSet, Service and Secret with catalog labels", async () => {
    const { resources, outputs } = await run(instance("postgres", "production"), "kubernetes")
    expect(resources.map((r) => r.type).sort()).toEqual(["kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:Secret", "kubernetes:core/v1:Service"])
    const sts = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!
    expect(sts.inputs).toMatchObject({ metadata: { namespace: "team-a", labels: { "paved.dev/system": "shop", "paved.dev/owner": "group-default-payments" } }, spec: { replicas: 2 } })
    expect(JSON.stringify(sts.inputs)).not.toContain("s3cretpassword")
    expect(outputs["host"]).toBe("paved-prod-shop-postgres.team-a.svc.cluster.local")
  })
})

describe("Pulumi Automation API", () => {
  it("turns engine events into progress lines", () => {
    const metadata = { op: "create" as const, urn: "urn:pulumi:dev-db::paved::aws:rds/instance:Instance::paved-dev-db", type: "aws:rds/instance:Instance", provider: "" }
    const base = { sequence: 1, timestamp: 0 }
    expect(PulumiBackend.describeEvent({ ...base, resourcePreEvent: { metadata } })).toBe("create aws:rds/instance:Instance paved-dev-db")
    expect(PulumiBackend.describeEvent({ ...base, resOutputsEvent: { metadata } })).toBe("create done aws:rds/instance:Instance paved-dev-db")
    expect(PulumiBackend.describeEvent({ ...base, resourcePreEvent: { metadata: { ...metadata, op: "same" } } })).toBeUndefined()
    // Pulumi's own EngineEvent type is accepted as it is.
    const diagnostic: PulumiEngineEvent = { ...base, diagnosticEvent: { message: "quota exceeded\n", color: "never", severity: "error" } }
    expect(PulumiBackend.describeEvent(diagnostic)).toBe("error: quota exceeded")
  })

  it("says which types each target supports", () => {
    expect(PulumiBackend.make({ target: "aws" }).supports("s3")).toBe(true)
    expect(PulumiBackend.make({ target: "kubernetes" }).supports("s3")).toBe(false)
  })

  it.runIf(!PulumiBackend.cliAvailable())("fails with a clear error where the pulumi CLI is not installed (as on this machine)", async () => {
    console.warn("[paved tests] the Pulumi Automation API test (real up/preview/refresh/destroy) did not run: the pulumi CLI is not on PATH")
    const result = await Effect.runPromise(Effect.either(PulumiBackend.make().ensure(instance("postgres", "development"), () => Effect.void)))
    expect(Either.isLeft(result) && result.left.message).toContain("the pulumi CLI is not on PATH")
    expect(Either.isLeft(result) && result.left.transient).toBe(false)
  })

  it.runIf(PulumiBackend.cliAvailable())("runs up, preview-refresh and destroy of a stack through a file backend", async () => {
    // An `environment` resource declares no cloud resource, so this needs only the CLI.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-pulumi-"))
    const backend = PulumiBackend.make({ target: "aws", dir, passphrase: Redacted.make("test") })
    const i = { ...instance("environment", "development"), params: { LOG_LEVEL: "debug" } }
    const lines: Array<string> = []
    const out = await Effect.runPromise(backend.ensure(i, (l) => Effect.sync(() => lines.push(l))))
    expect(out).toMatchObject({ LOG_LEVEL: "debug" })
    expect(await Effect.runPromise(backend.inspect(i))).toEqual([])
    await Effect.runPromise(backend.remove(i, () => Effect.void))
    expect(lines.length).toBeGreaterThan(0)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 300_000)
})
