import type * as pulumi from "@pulumi/pulumi"
import * as Redacted from "effect/Redacted"
import { load } from "../../OptionalDependency.js"
import type { Instance } from "../../Provisioner.js"

export type Target = "aws" | "kubernetes"
/**
 * A program's outputs: Pulumi `Input<string>` values (strings, promises or outputs), declared
 * without Pulumi's types so that Paved's public types do not need `@pulumi/pulumi`.
 */
export type ProgramOutputs = Readonly<Record<string, unknown>>

/** Types each target can provision. */
export const supported: Readonly<Record<Target, ReadonlyArray<string>>> = {
  aws: ["postgres", "mysql", "redis", "amqp", "queue", "stream", "s3", "volume", "environment", "dns"],
  kubernetes: ["postgres", "mysql", "redis", "amqp", "volume", "environment"]
}

const rdsClass: Record<string, string> = { small: "db.t4g.micro", medium: "db.t4g.medium", large: "db.r6g.large" }
const rdsStorage: Record<string, number> = { small: 20, medium: 50, large: 100 }
const cacheNode: Record<string, string> = { small: "cache.t4g.micro", medium: "cache.t4g.medium", large: "cache.r6g.large" }
const mqHost: Record<string, string> = { small: "mq.t3.micro", medium: "mq.m5.large", large: "mq.m5.large" }
const podMemory: Record<string, string> = { small: "256Mi", medium: "1Gi", large: "4Gi" }
const volumeSize: Record<string, string> = { small: "1Gi", medium: "10Gi", large: "100Gi" }

const stringParams = (params: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    .map(([k, v]) => [k, String(v)]))

/** AWS tag values: the standards' tags plus who manages the resource. */
const awsTags = (i: Instance): Record<string, string> => ({
  ...i.tags, "paved:env": i.env, "paved:resource": i.key, "paved:managed-by": "paved"
})

/** Kubernetes label values allow [A-Za-z0-9_.-] up to 63 characters. */
const k8sLabels = (i: Instance): Record<string, string> => Object.fromEntries(
  Object.entries({ ...i.tags, env: i.env, resource: i.key }).map(([k, v]) => [
    `paved.dev/${k.replace(/[^A-Za-z0-9_.-]/g, "-")}`,
    v.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "")
  ])
)

const awsProgram = async (i: Instance, p: typeof pulumi): Promise<ProgramOutputs> => {
  const aws = await load("@pulumi/aws", "the Pulumi AWS backend", () => import("@pulumi/aws"))
  const s = i.settings
  const id = i.name.replace(/_/g, "-")
  const tags = awsTags(i)
  const opts = { protect: s.deletionProtection }
  const password = p.secret(Redacted.value(i.password))
  switch (i.type) {
    case "postgres":
    case "mysql": {
      const engine = i.type === "postgres" ? "postgres" : s.version !== undefined && s.version.startsWith("10.") ? "mariadb" : "mysql"
      const db = new aws.rds.Instance(id, {
        identifier: id,
        engine,
        ...(s.version !== undefined ? { engineVersion: s.version } : {}),
        instanceClass: rdsClass[s.size] ?? "db.t4g.micro",
        allocatedStorage: rdsStorage[s.size] ?? 20,
        dbName: i.name,
        username: i.name,
        password,
        storageEncrypted: s.encryption,
        backupRetentionPeriod: s.backup ? 7 : 0,
        deletionProtection: s.deletionProtection,
        multiAz: s.multiAz,
        publiclyAccessible: false,
        skipFinalSnapshot: !s.backup,
        ...(s.backup ? { finalSnapshotIdentifier: `${id}-final` } : {}),
        tags
      }, opts)
      const scheme = i.type === "postgres" ? "postgres" : "mysql"
      return {
        host: db.address,
        port: db.port.apply(String),
        name: i.name,
        database: i.name,
        username: i.name,
        password,
        url: p.secret(p.interpolate`${scheme}://${i.name}:${password}@${db.address}:${db.port}/${i.name}`)
      }
    }
    case "redis": {
      const rg = new aws.elasticache.ReplicationGroup(id, {
        replicationGroupId: id.slice(0, 40),
        description: `Paved ${i.env}/${i.key}`,
        engine: "redis",
        ...(s.version !== undefined ? { engineVersion: s.version } : {}),
        nodeType: cacheNode[s.size] ?? "cache.t4g.micro",
        numCacheClusters: s.multiAz ? 2 : 1,
        automaticFailoverEnabled: s.multiAz,
        multiAzEnabled: s.multiAz,
        atRestEncryptionEnabled: s.encryption,
        // An AUTH token needs in-transit encryption; the password is the token.
        transitEncryptionEnabled: true,
        authToken: password,
        snapshotRetentionLimit: s.backup ? 7 : 0,
        tags
      }, opts)
      return {
        host: rg.primaryEndpointAddress,
        port: "6379",
        username: "default",
        password,
        prefix: `${i.name}:`,
        url: p.secret(p.interpolate`rediss://default:${password}@${rg.primaryEndpointAddress}:6379`)
      }
    }
    case "amqp": {
      const broker = new aws.mq.Broker(id, {
        brokerName: id,
        engineType: "RabbitMQ",
        engineVersion: s.version ?? "3.13",
        hostInstanceType: mqHost[s.size] ?? "mq.t3.micro",
        deploymentMode: s.multiAz ? "CLUSTER_MULTI_AZ" : "SINGLE_INSTANCE",
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        users: [{ username: i.name, password }],
        tags
      }, opts)
      const endpoint = broker.instances.apply((xs) => xs[0]?.endpoints?.[0] ?? "")
      const host = endpoint.apply((e) => e.replace(/^amqps?:\/\//, "").replace(/:\d+$/, ""))
      return {
        host, port: "5671", vhost: "/", username: i.name, password,
        url: p.secret(p.interpolate`amqps://${i.name}:${password}@${host}:5671`)
      }
    }
    case "queue":
    case "stream": {
      const queue = new aws.sqs.Queue(id, {
        name: id,
        sqsManagedSseEnabled: s.encryption,
        messageRetentionSeconds: 4 * 24 * 3600,
        tags
      }, opts)
      return { host: `sqs.${s.region}.amazonaws.com`, port: "443", url: queue.url, stream: queue.name, subject: queue.arn }
    }
    case "s3": {
      const bucket = new aws.s3.Bucket(id, { bucket: id, forceDestroy: !s.deletionProtection, tags }, opts)
      new aws.s3.BucketPublicAccessBlock(`${id}-public-access`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true
      }, opts)
      new aws.s3.BucketServerSideEncryptionConfiguration(`${id}-encryption`, {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: s.encryption ? "aws:kms" : "AES256" }, bucketKeyEnabled: s.encryption }]
      }, opts)
      if (s.backup) new aws.s3.BucketVersioning(`${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts)
      const user = new aws.iam.User(`${id}-user`, { name: `${id}-s3`, tags }, opts)
      new aws.iam.UserPolicy(`${id}-policy`, {
        user: user.name,
        policy: bucket.arn.apply((arn) => JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: [arn, `${arn}/*`] }]
        }))
      }, opts)
      const key = new aws.iam.AccessKey(`${id}-key`, { user: user.name }, opts)
      return {
        endpoint: `https://s3.${s.region}.amazonaws.com`, region: s.region, bucket: bucket.bucket,
        access_key_id: key.id, aws_access_key_id: key.id, secret_key: key.secret, aws_secret_access_key: key.secret
      }
    }
    case "volume": {
      const fsys = new aws.efs.FileSystem(id, { encrypted: s.encryption, tags: { ...tags, Name: id } }, opts)
      return { source: fsys.id, path: "/" }
    }
    case "dns": {
      const domain = typeof i.params["domain"] === "string" ? i.params["domain"] : "paved.internal"
      const zone = new aws.route53.Zone(id, { name: `${i.env}.${domain}`, forceDestroy: !s.deletionProtection, tags }, opts)
      return { host: zone.name, zone_id: zone.zoneId }
    }
    default:
      return stringParams(i.params)
  }
}

const images: Record<string, (version: string | undefined) => string> = {
  postgres: (v) => `postgres:${v ?? "16"}`,
  mysql: (v) => `mariadb:${v ?? "10.11"}`,
  redis: (v) => `redis:${v ?? "7"}`,
  amqp: (v) => `rabbitmq:${v ?? "3.13"}`
}
const ports: Record<string, number> = { postgres: 5432, mysql: 3306, redis: 6379, amqp: 5672 }

const kubernetesProgram = async (i: Instance, p: typeof pulumi, namespace: string): Promise<ProgramOutputs> => {
  const k8s = await load("@pulumi/kubernetes", "the Pulumi Kubernetes backend", () => import("@pulumi/kubernetes"))
  const s = i.settings
  const id = i.name.replace(/_/g, "-")
  const labels = k8sLabels(i)
  const metadata = { name: id, namespace, labels }
  const opts = { protect: s.deletionProtection }
  const password = p.secret(Redacted.value(i.password))
  if (i.type === "environment") {
    new k8s.core.v1.ConfigMap(id, { metadata, data: stringParams(i.params) }, opts)
    return stringParams(i.params)
  }
  if (i.type === "volume") {
    const claim = new k8s.core.v1.PersistentVolumeClaim(id, {
      metadata, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: volumeSize[s.size] ?? "1Gi" } } }
    }, opts)
    return { source: claim.metadata.name, path: "/" }
  }
  const port = ports[i.type] ?? 0
  // `undefined` marks the variable that takes the password from the Secret.
  const env: Record<string, Record<string, string | undefined>> = {
    postgres: { POSTGRES_USER: i.name, POSTGRES_DB: i.name, POSTGRES_PASSWORD: undefined },
    mysql: { MARIADB_USER: i.name, MARIADB_DATABASE: i.name, MARIADB_PASSWORD: undefined, MARIADB_RANDOM_ROOT_PASSWORD: "1" },
    redis: { REDIS_PASSWORD: undefined },
    amqp: { RABBITMQ_DEFAULT_USER: i.name, RABBITMQ_DEFAULT_PASS: undefined }
  }
  const secret = new k8s.core.v1.Secret(id, { metadata, stringData: { password } }, opts)
  const container = {
    name: i.type,
    image: images[i.type]!(s.version),
    ports: [{ containerPort: port }],
    resources: { requests: { memory: podMemory[s.size] ?? "256Mi" }, limits: { memory: podMemory[s.size] ?? "256Mi" } },
    env: Object.entries(env[i.type] ?? {}).map(([name, value]) =>
      value === undefined ? { name, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "password" } } } : { name, value }),
    ...(i.type === "redis" ? { args: ["--requirepass", "$(REDIS_PASSWORD)"] } : {})
  }
  new k8s.apps.v1.StatefulSet(id, {
    metadata,
    spec: {
      serviceName: id,
      replicas: s.multiAz ? 2 : 1,
      selector: { matchLabels: { "paved.dev/resource-name": id } },
      template: { metadata: { labels: { ...labels, "paved.dev/resource-name": id } }, spec: { containers: [container] } }
    }
  }, opts)
  const service = new k8s.core.v1.Service(id, {
    metadata, spec: { selector: { "paved.dev/resource-name": id }, ports: [{ port, targetPort: port }] }
  }, opts)
  const host = p.interpolate`${service.metadata.name}.${namespace}.svc.cluster.local`
  const user = i.type === "redis" ? "default" : i.name
  const scheme = i.type === "amqp" ? "amqp" : i.type
  const path = i.type === "redis" ? "" : i.type === "amqp" ? "/" : `/${i.name}`
  const common = { host, port: String(port), username: user, password, url: p.secret(p.interpolate`${scheme}://${user}:${password}@${host}:${port}${path}`) }
  if (i.type === "redis") return { ...common, prefix: `${i.name}:` }
  if (i.type === "amqp") return { ...common, vhost: "/" }
  return { ...common, name: i.name, database: i.name }
}

/** The inline Pulumi program for one resource. */
export const programFor = (instance: Instance, target: Target, namespace: string) => async (): Promise<ProgramOutputs> => {
  const p = await load("@pulumi/pulumi", "the Pulumi backend", () => import("@pulumi/pulumi"))
  return target === "aws" ? awsProgram(instance, p) : kubernetesProgram(instance, p, namespace)
}
