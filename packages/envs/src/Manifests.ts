/**
 * What an environment would be on Kubernetes: a namespace per environment and, per service, a
 * ConfigMap (plain variables, other services' in-cluster URLs), a Deployment (image, port,
 * readiness probe, resource requests/limits, OTel settings, Secret references for everything
 * that comes from a provisioned resource) and a Service. Rendered as plain YAML, or applied by a
 * Pulumi Kubernetes program.
 *
 * Secrets are referenced, never rendered: a variable that uses a resource output reads from the
 * Secret `<service>-resources`, which the provisioning pipeline (Pulumi, External Secrets) fills.
 *
 * @since 0.1.0
 */
import type { Entity } from "@paved/catalog"
import * as Observe from "@paved/observe/Observe"
import * as OptionalDependency from "@paved/provision/OptionalDependency"
import * as Placeholder from "@paved/provision/Placeholder"
import * as YAML from "yaml"
import type { EnvironmentType } from "./Environment.js"
import type { Plan } from "./Environments.js"
import * as ServiceTypes from "@paved/provision/ServiceTypes"
import { isResolved } from "./internal/workload.js"

/**
 * A Kubernetes object as plain data.
 *
 * @since 0.1.0
 */
export interface K8sObject {
  readonly apiVersion: string
  readonly kind: "Namespace" | "ConfigMap" | "Deployment" | "Service"
  readonly metadata: {
    readonly name: string
    readonly namespace?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly annotations?: Readonly<Record<string, string>>
  }
  readonly [key: string]: unknown
}

/**
 * Options of {@link render}.
 *
 * @since 0.1.0
 */
export interface RenderOptions {
  readonly name: string
  readonly type: EnvironmentType
  /** Default `paved-<name>`. */
  readonly namespace?: string | undefined
  /** Where services export OTLP in the cluster. Default `http://otel-collector.observability.svc.cluster.local:4318`. */
  readonly otelEndpoint?: string | undefined
  /** Replicas per Deployment. Default 1, and 2 for `production`. */
  readonly replicas?: number | undefined
}

const usesResource = (value: string): ReadonlyArray<string> =>
  Placeholder.parse(value).segments.flatMap((s) => s._tag === "Ref" && s.path[0] === "resources" && s.path[1] !== undefined ? [s.path[1]] : [])

/**
 * Renders the objects of an environment from its plan (what runs, with which workloads).
 *
 * @since 0.1.0
 */
export const render = (planned: Plan, options: RenderOptions): ReadonlyArray<K8sObject> => {
  const namespace = options.namespace ?? `paved-${options.name}`
  const otelEndpoint = options.otelEndpoint ?? "http://otel-collector.observability.svc.cluster.local:4318"
  const replicas = options.replicas ?? (options.type === "production" ? 2 : 1)
  const envLabels = { "app.kubernetes.io/part-of": "paved", "paved.dev/environment": options.name, "paved.dev/environment-type": options.type }
  const objects: Array<K8sObject> = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: envLabels } }]
  for (const service of planned.services) {
    const labels = { "app.kubernetes.io/name": service.name, "app.kubernetes.io/instance": `${service.name}-${options.name}`, ...envLabels }
    const annotations = { "paved.dev/entity-ref": service.ref }
    const data: Record<string, string> = {}
    const secretEnv: Array<{ name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }> = []
    const metadata = { ...service.workload.metadata, environment: options.name }
    const serviceOutputs: Record<string, Placeholder.Outputs> = {}
    for (const [resource, r] of Object.entries(service.resolved)) {
      const target = r.target
      const sharedFrom = target === undefined ? undefined : planned.runSet.shared.find((x) => x.ref.endsWith(`/${target}`))?.from
      const host = `${target}.${sharedFrom === undefined ? namespace : `paved-${sharedFrom}`}.svc.cluster.local`
      const out = ServiceTypes.outputs(r.type, {
        env: options.name,
        key: r.key,
        ...(target === undefined ? {} : { target, to: { host, port: 80, url: `http://${host}` } })
      })
      if (out !== undefined) serviceOutputs[resource] = out
    }
    for (const [key, value] of Object.entries(service.variables)) {
      const resources = usesResource(value)
      const provisioned = resources.filter((r) => !isResolved(service.workload.resources?.[r]?.type ?? ""))
      if (provisioned.length > 0) {
        secretEnv.push({ name: key, valueFrom: { secretKeyRef: { name: `${service.name}-resources`, key } } })
      } else {
        const { value: substituted } = Placeholder.substitute(value, metadata, serviceOutputs)
        data[key] = typeof substituted === "string" ? substituted : key
      }
    }
    const otel = Observe.otelEnvironment(service.entry.entity as Entity.Entity, {
      endpoint: otelEndpoint,
      environment: options.name,
      ...(service.version === undefined ? {} : { serviceVersion: service.version })
    })
    Object.assign(data, otel, { PORT: String(service.containerPort) })
    objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${service.name}-config`, namespace, labels, annotations }, data })
    const probe = service.probe._tag === "httpGet"
      ? { httpGet: { path: service.probe.path, port: service.containerPort } }
      : service.probe._tag === "exec"
      ? { exec: { command: service.probe.command } }
      : { tcpSocket: { port: service.containerPort } }
    const resources = {
      ...(Object.keys(service.requests).length === 0 ? {} : { requests: service.requests }),
      ...(Object.keys(service.limits).length === 0 ? {} : { limits: service.limits })
    }
    objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: service.name, namespace, labels, annotations },
      spec: {
        replicas,
        selector: { matchLabels: { "app.kubernetes.io/name": service.name } },
        template: {
          metadata: { labels, annotations },
          spec: {
            containers: [{
              name: service.container,
              image: service.image,
              ports: [{ name: "http", containerPort: service.containerPort }],
              envFrom: [{ configMapRef: { name: `${service.name}-config` } }],
              ...(secretEnv.length === 0 ? {} : { env: secretEnv }),
              readinessProbe: probe,
              ...(Object.keys(resources).length === 0 ? {} : { resources })
            }]
          }
        }
      }
    })
    objects.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: service.name, namespace, labels, annotations },
      spec: {
        selector: { "app.kubernetes.io/name": service.name },
        ports: [{ name: "http", port: 80, targetPort: service.containerPort }]
      }
    })
  }
  return objects
}

/**
 * The objects as one multi-document YAML stream, ready for `kubectl apply -f -`.
 *
 * @since 0.1.0
 */
export const toYaml = (objects: ReadonlyArray<K8sObject>): string =>
  // No anchors or aliases: objects that share a value (labels) are written out in full, as
  // manifests are read and diffed by people.
  objects.map((o) => YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n")

/**
 * A Pulumi program (for `LocalWorkspace.createOrSelectStack({ program })` or a Pulumi project's
 * entry point) that creates the objects with `@pulumi/kubernetes`. The provider module is
 * imported when the program runs, so tests can install `pulumi.runtime.setMocks` first.
 * Resolves to the namespace name and the Deployment names.
 *
 * @since 0.1.0
 */
export const pulumiProgram = (objects: ReadonlyArray<K8sObject>) => async () => {
  const k8s = await OptionalDependency.load("@pulumi/kubernetes", "deploying manifests with Pulumi", () => import("@pulumi/kubernetes"))
  const namespaceObject = objects.find((o) => o.kind === "Namespace")
  const namespace = namespaceObject === undefined
    ? undefined
    : new k8s.core.v1.Namespace(namespaceObject.metadata.name, { metadata: namespaceObject.metadata })
  const options = namespace === undefined ? {} : { dependsOn: [namespace] }
  const deployments: Array<import("@pulumi/pulumi").Output<string>> = []
  for (const object of objects) {
    const id = `${object.metadata.namespace ?? ""}/${object.kind.toLowerCase()}/${object.metadata.name}`
    if (object.kind === "ConfigMap") {
      new k8s.core.v1.ConfigMap(id, { metadata: object.metadata, data: object.data as Record<string, string> }, options)
    } else if (object.kind === "Deployment") {
      const spec = object.spec as import("@pulumi/kubernetes").types.input.apps.v1.DeploymentSpec
      const deployment = new k8s.apps.v1.Deployment(id, { metadata: object.metadata, spec }, options)
      deployments.push(deployment.metadata.name)
    } else if (object.kind === "Service") {
      const spec = object.spec as import("@pulumi/kubernetes").types.input.core.v1.ServiceSpec
      new k8s.core.v1.Service(id, { metadata: object.metadata, spec }, options)
    }
  }
  return { namespace: namespace?.metadata.name, deployments }
}

/**
 * One difference between two renderings of an environment (or a rendering and what a cluster
 * holds): an object added, removed or changed, by kind, namespace and name.
 *
 * @since 0.2.0
 */
export interface ObjectChange {
  readonly change: "added" | "removed" | "changed"
  readonly kind: string
  readonly namespace: string | undefined
  readonly name: string
}

const objectKey = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`

// Key order does not make two objects different.
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === "object"
    ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
    : value

/**
 * What applying `next` over `current` would do: the objects to add, remove and change, sorted
 * by kind and name. The Kubernetes runtime's `diff`; an applier walks the same list.
 *
 * @since 0.2.0
 */
export const diff = (current: ReadonlyArray<K8sObject>, next: ReadonlyArray<K8sObject>): ReadonlyArray<ObjectChange> => {
  const before = new Map(current.map((o) => [objectKey(o), o]))
  const after = new Map(next.map((o) => [objectKey(o), o]))
  const changes: Array<ObjectChange> = []
  const describe = (o: K8sObject, change: ObjectChange["change"]): ObjectChange => ({ change, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name })
  for (const [key, o] of after) {
    const old = before.get(key)
    if (old === undefined) changes.push(describe(o, "added"))
    else if (JSON.stringify(canonical(old)) !== JSON.stringify(canonical(o))) changes.push(describe(o, "changed"))
  }
  for (const [key, o] of before) if (!after.has(key)) changes.push(describe(o, "removed"))
  return changes.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`))
}

/**
 * Reads a YAML stream of objects (what {@link toYaml} writes, or `kubectl get -o yaml` items).
 *
 * @since 0.2.0
 */
export const fromYaml = (text: string): ReadonlyArray<K8sObject> =>
  YAML.parseAllDocuments(text).map((d) => d.toJSON() as K8sObject | null).filter((o): o is K8sObject => o !== null && typeof o === "object")
