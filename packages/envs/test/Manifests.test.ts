import { it } from "@effect/vitest"
import { Environments, Manifests } from "@paved/envs"
import * as pulumi from "@pulumi/pulumi"
import * as Effect from "effect/Effect"
import { describe, expect } from "vitest"
import * as YAML from "yaml"
import { loadShop, shop } from "./support.js"

const previewPlan = Effect.gen(function*() {
  const catalog = yield* loadShop
  return yield* Environments.plan({
    name: "pr-42",
    catalog,
    repositoryRoot: shop,
    changedFiles: ["services/orders/server.mjs", "services/billing/server.mjs"]
  })
})

describe("Kubernetes manifests", () => {
  it.effect("renders a namespace per environment and, per service, a ConfigMap, a Deployment and a Service as YAML", () =>
    Effect.gen(function*() {
      const planned = yield* previewPlan
      const objects = Manifests.render(planned, { name: "pr-42", type: "preview" })
      const text = Manifests.toYaml(objects)
      // Written out in full: no anchors or aliases for the labels objects share.
      expect(text).not.toMatch(/[&*]a\d/)
      const docs = YAML.parseAllDocuments(text).map((d) => d.toJS() as Manifests.K8sObject)
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
        "Namespace/paved-pr-42",
        "ConfigMap/accounts-config", "Deployment/accounts", "Service/accounts",
        "ConfigMap/billing-config", "Deployment/billing", "Service/billing",
        "ConfigMap/orders-config", "Deployment/orders", "Service/orders"
      ])
      const billingConfig = docs.find((d) => d.metadata.name === "billing-config") as unknown as { data: Record<string, string> }
      // Another service's URL becomes its in-cluster DNS name; plain values stay; OTel is wired.
      expect(billingConfig.data.ACCOUNTS_URL).toBe("http://accounts.paved-pr-42.svc.cluster.local:80")
      expect(billingConfig.data.CURRENCY).toBe("EUR")
      expect(billingConfig.data.OTEL_SERVICE_NAME).toBe("billing")
      expect(billingConfig.data.OTEL_RESOURCE_ATTRIBUTES).toContain("paved.entity_ref=component%3Adefault%2Fbilling")
      // A value built from a provisioned resource is a Secret reference, never rendered.
      expect(billingConfig.data.DATABASE_URL).toBeUndefined()
      const billing = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "billing") as any
      const container = billing.spec.template.spec.containers[0]
      expect(container.env).toEqual([{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "billing-resources", key: "DATABASE_URL" } } }])
      expect(container.image).toBe("ghcr.io/shop/billing:latest")
      expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "64Mi" } })
      expect(container.readinessProbe).toEqual({ httpGet: { path: "/healthz", port: 8080 } })
      expect(billing.metadata.annotations["paved.dev/entity-ref"]).toBe("component:default/billing")
      expect(Manifests.toYaml(objects)).not.toMatch(/password/i)
    }))

  it.effect("the Pulumi Kubernetes program creates the same objects (runtime.setMocks)", () =>
    Effect.gen(function*() {
      const planned = yield* previewPlan
      const objects = Manifests.render(planned, { name: "pr-42", type: "preview" })
      const created: Array<{ type: string; name: string; inputs: any }> = []
      // Mocks first; the program imports @pulumi/kubernetes only when it runs.
      yield* Effect.promise(() =>
        pulumi.runtime.setMocks({
          newResource: (args) => {
            created.push({ type: args.type, name: args.name, inputs: args.inputs })
            return { id: `${args.name}-id`, state: args.inputs }
          },
          call: (args) => args.inputs
        }, "paved", "pr-42", false)
      )
      const result = yield* Effect.promise(() => Manifests.pulumiProgram(objects)())
      const namespace = yield* Effect.promise(() => new Promise<string | undefined>((resolve) => pulumi.output(result.namespace).apply(resolve)))
      const deployments = yield* Effect.promise(() => new Promise<ReadonlyArray<string>>((resolve) => pulumi.all(result.deployments).apply(resolve)))
      expect(namespace).toBe("paved-pr-42")
      expect([...deployments].sort()).toEqual(["accounts", "billing", "orders"])
      expect(created.map((c) => c.type).sort()).toEqual([
        ...Array(3).fill("kubernetes:apps/v1:Deployment"),
        ...Array(3).fill("kubernetes:core/v1:ConfigMap"),
        "kubernetes:core/v1:Namespace",
        ...Array(3).fill("kubernetes:core/v1:Service")
      ])
      const orders = created.find((c) => c.type === "kubernetes:apps/v1:Deployment" && c.inputs.metadata.name === "orders")!
      expect(orders.inputs.metadata.namespace).toBe("paved-pr-42")
      expect(orders.inputs.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: "orders-config" } }])
    }))
})
