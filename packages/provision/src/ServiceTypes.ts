/**
 * Score's standard networking resource types, which the environment resolves instead of a
 * provisioner creating anything: `service`, `service-port`, `endpoint` (another workload of the
 * same environment), `dns` (a host name for the workload) and `route` (an HTTP path on such a
 * host to one of the workload's service ports). They mean the same as in score-compose (its
 * default provisioners for `service-port`, `dns` and `route`; the community ones for `service`
 * and `endpoint`), and this module is their one definition: `provision plan` plans them with it
 * and `env up` resolves them with it.
 *
 * | type | params | outputs |
 * | --- | --- | --- |
 * | `service` | `workload` (else `name` when it is a workload name, else the resource name) | `name`, `hostname`, `host`, `port`, `url` |
 * | `service-port` | `workload` and `port` (a port name or number of that workload), both required | `hostname`, `host`, `port`, `url` |
 * | `endpoint` | `workload` (else the resource name), `port` | `name`, `url` |
 * | `dns` | none | `host`: `<key>.<environment>.localhost`; `url`: `http://<host>` (score-compose's community dns-with-url) |
 * | `route` | `host`, `path` (starts with `/`), `port` (a service port of this workload), all required | none |
 *
 * @since 0.2.0
 */
import type * as Placeholder from "./Placeholder.js"

/**
 * The definition of one of these types.
 *
 * @since 0.2.0
 */
export interface Definition {
  readonly type: string
  readonly description: string
  readonly outputs: ReadonlyArray<string>
  /** The params Score files give it; `required` ones are problems when missing. */
  readonly params: ReadonlyArray<{ readonly name: string; readonly required: boolean }>
}

/**
 * The types, keyed by name.
 *
 * @since 0.2.0
 */
export const definitions: Readonly<Record<string, Definition>> = {
  service: {
    type: "service",
    description: "another workload of the environment, reached by its service name",
    outputs: ["name", "hostname", "host", "port", "url"],
    params: [{ name: "workload", required: false }, { name: "name", required: false }, { name: "port", required: false }]
  },
  "service-port": {
    type: "service-port",
    description: "a named service port of another workload of the environment",
    outputs: ["hostname", "host", "port", "url"],
    params: [{ name: "workload", required: true }, { name: "port", required: true }]
  },
  endpoint: {
    type: "endpoint",
    description: "the URL of another workload of the environment",
    outputs: ["name", "url"],
    params: [{ name: "workload", required: false }, { name: "port", required: false }]
  },
  dns: {
    type: "dns",
    description: "a host name for the workload: <key>.<environment>.localhost, which resolves to this machine",
    outputs: ["host", "url"],
    params: []
  },
  route: {
    type: "route",
    description: "an HTTP path on a host routed to one of the workload's service ports",
    outputs: [],
    params: [{ name: "host", required: true }, { name: "path", required: true }, { name: "port", required: true }]
  }
}

/**
 * Whether the environment resolves this type (no provisioner creates anything for it).
 *
 * @since 0.2.0
 */
export const isResolved = (type: string): boolean => Object.prototype.hasOwnProperty.call(definitions, type)

const workloadName = /^[a-z0-9]+(?:-+[a-z0-9]+)*$/

/**
 * The workload a `service`, `service-port` or `endpoint` resource points at; `undefined` for the
 * other types (and for a `service-port` without `params.workload`, which is a problem).
 *
 * @since 0.2.0
 */
export const target = (type: string, resourceName: string, params: Readonly<Record<string, unknown>>): string | undefined => {
  const workload = typeof params["workload"] === "string" ? params["workload"] : undefined
  switch (type) {
    case "service": {
      const name = params["name"]
      return workload ?? (typeof name === "string" && workloadName.test(name) ? name : resourceName)
    }
    case "service-port":
      return workload
    case "endpoint":
      return workload ?? resourceName
    default:
      return undefined
  }
}

/**
 * The host name a `dns` resource gives: the request key (`<workload>.<resource>`, or the shared
 * id) and the environment as DNS labels under `localhost` (RFC 6761: it resolves to this
 * machine), e.g. `web-dns.pr-1.localhost`. Deterministic, so a plan and a run agree.
 *
 * @since 0.2.0
 */
export const dnsHost = (env: string, key: string): string => {
  const label = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63) || "x"
  return `${label(key.replace(/\./g, "-"))}.${label(env)}.localhost`
}

/**
 * Where a workload is reached: what `service`, `service-port` and `endpoint` resolve to.
 *
 * @since 0.2.0
 */
export interface Reachable {
  readonly host: string
  readonly port: number
  readonly url: string
}

/**
 * The outputs of one of these resources: `to` is where its target workload is reached (for the
 * types that have a target), `env` and `key` name the resource (for `dns`). `undefined` when the
 * type needs a target and none is given.
 *
 * @since 0.2.0
 */
export const outputs = (
  type: string,
  input: { readonly env: string; readonly key: string; readonly target?: string; readonly to?: Reachable }
): Placeholder.Outputs | undefined => {
  const { to } = input
  switch (type) {
    case "dns":
      return { host: dnsHost(input.env, input.key), url: `http://${dnsHost(input.env, input.key)}` }
    case "route":
      return {}
    case "service":
      return to === undefined ? undefined : { name: input.target ?? to.host, hostname: to.host, host: to.host, port: String(to.port), url: to.url }
    case "service-port":
      return to === undefined ? undefined : { hostname: to.host, host: to.host, port: String(to.port), url: to.url }
    case "endpoint":
      return to === undefined ? undefined : { name: input.target ?? to.host, url: to.url }
    default:
      return undefined
  }
}

/**
 * What a plan says a resource of these types resolves to, e.g. `resolved by the environment:
 * service-port of workload catalog-api, port http`.
 *
 * @since 0.2.0
 */
export const describe = (request: {
  readonly type: string
  readonly key: string
  readonly params: Readonly<Record<string, unknown>>
}, env: string): string => {
  const name = request.key.split(".").pop() ?? request.key
  const port = request.params["port"]
  const portText = typeof port === "string" || typeof port === "number" ? `, port ${String(port)}` : ""
  switch (request.type) {
    case "dns":
      return `resolved by the environment: host ${dnsHost(env, request.key)}`
    case "route": {
      const host = String(request.params["host"] ?? "")
      return `resolved by the environment: http://${host}${String(request.params["path"] ?? "")} to this workload${portText}`
    }
    default:
      return `resolved by the environment: ${request.type} of workload ${target(request.type, name, request.params) ?? "?"}${portText}`
  }
}

// `${...}` (not `$${...}`, an escaped dollar sign) is resolved later, so it is not checked here.
const isPlaceholder = (value: string) => /(^|[^$])\$\{[^}]*\}/.test(value)

const hostPattern = /^[a-z0-9_.-]{1,253}$/

/**
 * The problems of one resource of these types in its workload, each with the key path it is
 * at (relative to the resource) and what to do. `ports` are the names and numbers of the
 * workload's own service ports (for `route`).
 *
 * @since 0.2.0
 */
export const check = (
  type: string,
  params: Readonly<Record<string, unknown>>,
  ports: { readonly names: ReadonlyArray<string>; readonly numbers: ReadonlyArray<number> }
): ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly message: string }> => {
  const definition = definitions[type]
  if (definition === undefined) return []
  const problems: Array<{ path: ReadonlyArray<string>; message: string }> = []
  for (const p of definition.params) {
    if (p.required && (params[p.name] === undefined || params[p.name] === "")) {
      problems.push({ path: [], message: `a ${type} resource needs params.${p.name} (its params are ${definition.params.map((x) => x.name).join(", ")})` })
    }
  }
  if (type === "route") {
    const path = params["path"]
    if (typeof path === "string" && !isPlaceholder(path) && !path.startsWith("/")) {
      problems.push({ path: ["params", "path"], message: `params.path "${path}" must start with /, e.g. /${path}` })
    }
    const host = params["host"]
    if (typeof host === "string" && !isPlaceholder(host) && !hostPattern.test(host)) {
      problems.push({ path: ["params", "host"], message: `params.host "${host}" is not a host name; use \${resources.<dns>.host} or a name such as app.localhost` })
    }
    const port = params["port"]
    if (port !== undefined && !(typeof port === "string" && isPlaceholder(port))) {
      const ok = typeof port === "number" ? ports.numbers.includes(port) : ports.names.includes(String(port)) || ports.numbers.includes(Number(port))
      if (!ok) {
        const known = ports.names.length === 0 ? "the workload declares no service ports; add service.ports" : `its service ports are ${ports.names.join(", ")}`
        problems.push({ path: ["params", "port"], message: `params.port ${String(port)} is not a service port of this workload: ${known}` })
      }
    }
  }
  return problems
}
