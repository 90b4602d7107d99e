import { it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import { Environments, Manifests } from "@paved/envs"
import { Plan, Request, ResourceType, ServiceTypes, Workload } from "@paved/provision"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect } from "vitest"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const demo = path.join(repoRoot, "examples/demo-org")

const to: ServiceTypes.Reachable = { host: "127.0.0.1", port: 41234, url: "http://127.0.0.1:41234" }

// One workload using all five types, as score-compose's examples write them.
const allFive = `apiVersion: score.dev/v1b1
metadata:
  name: web
containers:
  main:
    image: nginx:1.27
    variables:
      API: \${resources.api.url}
      CART: http://\${resources.cart.hostname}:\${resources.cart.port}
      ORDERS: \${resources.orders.url}
      PUBLIC: \${resources.dns.host}
service:
  ports:
    http:
      port: 8080
      targetPort: 80
resources:
  api:
    type: service
  cart:
    type: service-port
    params:
      workload: cart
      port: http
  orders:
    type: endpoint
    params:
      port: 8181
  dns:
    type: dns
  route:
    type: route
    params:
      host: \${resources.dns.host}
      path: /
      port: http
`

const decodeOk = (text: string, file = "score.yaml") => {
  const decoded = Workload.decode(text, file)
  expect(decoded.problems).toEqual([])
  return decoded.located!
}

describe("Score's networking types: one definition", () => {
  it("each of the five types has the outputs score-compose gives, and is resolved by the environment", () => {
    expect(ResourceType.info("service")?.outputs).toEqual(["name", "hostname", "host", "port", "url"])
    expect(ResourceType.info("service-port")?.outputs).toEqual(["hostname", "host", "port", "url"])
    expect(ResourceType.info("endpoint")?.outputs).toEqual(["name", "url"])
    expect(ResourceType.info("dns")?.outputs).toEqual(["host", "url"])
    expect(ResourceType.info("route")?.outputs).toEqual([])
    for (const type of ["service", "service-port", "endpoint", "dns", "route"]) {
      expect(ResourceType.isResolvedByEnvironment(type)).toBe(true)
      expect(ResourceType.info(type)?.secrets).toEqual([])
    }
    expect(ResourceType.isResolvedByEnvironment("postgres")).toBe(false)
  })

  it("service: the target is params.workload, else a workload-like params.name, else the resource name", () => {
    expect(ServiceTypes.target("service", "ad", {})).toBe("ad")
    expect(ServiceTypes.target("service", "backend", { name: "Order Service API" })).toBe("backend")
    expect(ServiceTypes.target("service", "backend", { name: "orders" })).toBe("orders")
    expect(ServiceTypes.target("service", "backend", { workload: "billing", name: "orders" })).toBe("billing")
    expect(ServiceTypes.outputs("service", { env: "e", key: "web.api", target: "api", to })).toEqual({
      name: "api",
      hostname: "127.0.0.1",
      host: "127.0.0.1",
      port: "41234",
      url: "http://127.0.0.1:41234"
    })
  })

  it("service-port: hostname and port of the named workload; workload and port are required", () => {
    expect(ServiceTypes.target("service-port", "cart", { workload: "carts", port: "http" })).toBe("carts")
    expect(ServiceTypes.outputs("service-port", { env: "e", key: "web.cart", target: "cart", to })).toEqual({
      hostname: "127.0.0.1",
      host: "127.0.0.1",
      port: "41234",
      url: "http://127.0.0.1:41234"
    })
    const decoded = Workload.decode(allFive.replace("      workload: cart\n", ""), "w.yaml")
    expect(decoded.problems.map((p) => `${p.line}:${p.column} ${p.rule} ${p.message}`)).toEqual([
      "20:3 score/params resources.cart: a service-port resource needs params.workload (its params are workload, port)"
    ])
  })

  it("endpoint: the URL of the workload named by the resource (or params.workload)", () => {
    expect(ServiceTypes.target("endpoint", "orders", { port: 8181 })).toBe("orders")
    expect(ServiceTypes.outputs("endpoint", { env: "e", key: "web.orders", target: "orders", to })).toEqual({ name: "orders", url: "http://127.0.0.1:41234" })
    // Without a running target there is nothing to give yet.
    expect(ServiceTypes.outputs("endpoint", { env: "e", key: "web.orders", target: "orders" })).toBeUndefined()
  })

  it("dns: a deterministic host under localhost, from the resource key and the environment", () => {
    expect(ServiceTypes.outputs("dns", { env: "pr-1", key: "web.dns" })).toEqual({ host: "web-dns.pr-1.localhost", url: "http://web-dns.pr-1.localhost" })
    expect(ServiceTypes.dnsHost("Alice_Dev", "Shared.Host")).toBe("shared-host.alice-dev.localhost")
  })

  it("route: no outputs; host, path and port are checked at their lines", () => {
    expect(ServiceTypes.outputs("route", { env: "e", key: "web.route" })).toEqual({})
    const bad = allFive.replace("      path: /\n      port: http", "      path: api\n      port: https")
    expect(Workload.decode(bad, "w.yaml").problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      "35:7 resources.route: params.path \"api\" must start with /, e.g. /api",
      "36:7 resources.route: params.port https is not a service port of this workload: its service ports are http"
    ])
    const noHost = allFive.replace("      host: ${resources.dns.host}\n", "")
    expect(Workload.decode(noHost, "w.yaml").problems.map((p) => p.message)).toEqual([
      "resources.route: a route resource needs params.host (its params are host, path, port)"
    ])
    // A port given by number (the port or the targetPort) is fine too.
    expect(Workload.decode(allFive.replace("port: http\n`", "port: 8080\n`").replace(/port: http\n$/, "port: 8080\n"), "w.yaml").problems).toEqual([])
  })

  it("an unknown output of these types is a problem at its line, with the valid outputs", () => {
    const typo = allFive.replace("${resources.cart.hostname}", "${resources.cart.hostnam}")
    expect(Workload.decode(typo, "w.yaml").problems.map((p) => `${p.line} ${p.rule} ${p.message}`)).toEqual([
      "9 score/unknown-output ${resources.cart.hostnam}: a service-port resource has no output \"hostnam\"; its outputs are hostname, host, port, url"
    ])
  })

  it.effect("provision plans all five whatever the backend supports: no-op changes saying what the environment resolves", () =>
    Effect.gen(function*() {
      const located = decodeOk(allFive)
      const plan = yield* Plan.make({ env: "alice", envType: "development", requests: Request.fromWorkload(located), state: [], supports: () => false })
      expect(plan.changes.map((c) => [c.action, c.resource, c.type, c.reason])).toEqual([
        ["no-op", "web.api", "service", "resolved by the environment: service of workload api"],
        ["no-op", "web.cart", "service-port", "resolved by the environment: service-port of workload cart, port http"],
        ["no-op", "web.dns", "dns", "resolved by the environment: host web-dns.alice.localhost"],
        ["no-op", "web.orders", "endpoint", "resolved by the environment: endpoint of workload orders, port 8181"],
        ["no-op", "web.route", "route", "resolved by the environment: http://${resources.dns.host}/ to this workload, port http"]
      ])
      expect(plan.violations).toEqual([])
      expect(Plan.hasChanges(plan)).toBe(false)
    }))

  it.effect("a type no backend has is still refused, with the rule and the type", () =>
    Effect.gen(function*() {
      const located = decodeOk(allFive.replace("type: dns", "type: mongodb").replace("PUBLIC: ${resources.dns.host}", "PUBLIC: x").replace("host: ${resources.dns.host}", "host: web.localhost"))
      const failure = yield* Effect.flip(Plan.make({ env: "alice", envType: "development", requests: Request.fromWorkload(located), state: [] }))
      expect(failure.problems.map((p) => `${p.line} ${p.rule} ${p.message}`)).toEqual([
        "29 provision/unsupported-type no provisioner for type mongodb in environment type development"
      ])
    }))
})

describe("Score schema strictness", () => {
  it("an unknown key in a resource is rejected at its line, as Score's schema forbids additional properties", () => {
    const text = allFive.replace("  dns:\n    type: dns\n", "  dns:\n    type: dns\n    properties:\n      size: 1\n")
    const decoded = Workload.decode(text, "w.yaml")
    expect(decoded.located).toBeUndefined()
    expect(decoded.problems.map((p) => `${p.line}:${p.column} ${p.rule} ${p.message}`)).toEqual([
      "31:5 score/schema resources.dns.properties: \"properties\" is not a key of a resource in Score; its keys are type, class, id, metadata, params (settings of a resource go under params)"
    ])
  })

  it("unknown keys at the top, in a container, a service port and a probe are rejected too; open maps stay open", () => {
    const text = allFive
      .replace("metadata:\n  name: web\n", "metadata:\n  name: web\n  team: checkout\nextra: 1\n")
      .replace("    image: nginx:1.27\n", "    image: nginx:1.27\n    ports: [80]\n    readinessProbe:\n      tcp: {}\n")
      .replace("      targetPort: 80\n", "      targetPort: 80\n      host: x\n")
      .replace("      workload: cart\n", "      workload: cart\n      anything: goes\n")
    expect(Workload.decode(text, "w.yaml").problems.map((p) => `${p.line} ${p.message.split(";")[0]}`)).toEqual([
      "5 extra: \"extra\" is not a key of a Score workload in Score",
      "9 containers.main.ports: \"ports\" is not a key of a container in Score",
      "11 containers.main.readinessProbe.tcp: \"tcp\" is not a key of a probe in Score",
      "22 service.ports.http.host: \"host\" is not a key of a service port in Score"
    ])
  })
})

describe("envs resolves these types with provision's definition", () => {
  const load = Effect.map(Catalog.load([demo]), (r) => r.entities)

  it.effect("the demo's Score files plan, and the provisioned resources are exactly those env up provisions", () =>
    Effect.gen(function*() {
      const catalog = yield* load
      const planned = yield* Environments.plan({ name: "agree", type: "development", catalog, services: ["orders-api", "storefront", "catalog-api"] })
      const requests = planned.services.flatMap((s) => Request.fromWorkload(s.located))
      const plan = yield* Plan.make({ env: "agree", envType: "development", requests, state: [] })
      const provisioned = plan.changes.filter((c) => !ResourceType.isResolvedByEnvironment(c.type)).map((c) => c.resource)
      expect(provisioned).toEqual(planned.resources.map((r) => r.desired.request.key).sort())
      const resolved = plan.changes.filter((c) => ResourceType.isResolvedByEnvironment(c.type))
      expect(resolved.map((c) => `${c.resource} ${c.type} ${c.action}`)).toEqual([
        "orders-api.catalog service-port no-op",
        "storefront.catalog service-port no-op",
        "storefront.orders service-port no-op"
      ])
      // envs records the same resources as resolved, with the targets provision names.
      const envResolved = planned.services.flatMap((s) => Object.values(s.resolved).map((r) => `${r.key} ${r.type} -> ${r.target}`)).sort()
      expect(envResolved).toEqual([
        "orders-api.catalog service-port -> catalog-api",
        "storefront.catalog service-port -> catalog-api",
        "storefront.orders service-port -> orders-api"
      ])
      for (const c of resolved) expect(c.reason).toContain(envResolved.find((e) => e.startsWith(c.resource))!.split(" -> ")[1])
    }))

  it.effect("the Kubernetes rendering gives each service-port the outputs ServiceTypes defines", () =>
    Effect.gen(function*() {
      const catalog = yield* load
      const planned = yield* Environments.plan({ name: "agree", type: "development", catalog, services: ["orders-api", "storefront", "catalog-api"] })
      const objects = Manifests.render(planned, { name: "agree", type: "development" })
      const config = objects.find((o) => o.metadata.name === "storefront-config") as unknown as { data: Record<string, string> }
      const host = "catalog-api.paved-agree.svc.cluster.local"
      const expected = ServiceTypes.outputs("service-port", { env: "agree", key: "storefront.catalog", target: "catalog-api", to: { host, port: 80, url: `http://${host}` } })!
      expect(config.data.CATALOG_API_URL).toBe(`http://${String(expected.hostname)}:${String(expected.port)}`)
    }))
})
