/**
 * What the local runtime reads from a component's Score workload: the command to run, the
 * variables (with placeholders), the readiness probe, the resources it asks for, and what a
 * Kubernetes rendering needs (image, ports, resource requests).
 */
import * as Problem from "@paved/catalog/Problem"
import * as ResourceType from "@paved/provision/ResourceType"
import * as ServiceTypes from "@paved/provision/ServiceTypes"
import * as Workload from "@paved/provision/Workload"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { CatalogEntry } from "../ChangeSet.js"
import { workloadFile } from "../ChangeSet.js"
import { InvalidSpec } from "../Environment.js"
import type { Probe } from "./probe.js"

/**
 * Whether the environment resolves a resource type itself instead of provisioning it: Score's
 * networking types (`service`, `service-port`, `endpoint`, `dns`, `route`), whose one definition
 * (params, target workload, outputs) is `@paved/provision/ServiceTypes`.
 */
export const isResolved = (type: string): boolean => ResourceType.isResolvedByEnvironment(type)

/** A resource the environment resolves: its type, request key and target workload (if any). */
export interface ResolvedResource {
  readonly type: string
  readonly key: string
  readonly target: string | undefined
}

/** A service as the runtime sees it. */
export interface ServiceSpec {
  readonly ref: string
  readonly name: string
  readonly entry: CatalogEntry
  readonly file: string
  readonly directory: string
  readonly workload: Workload.Workload
  readonly located: Workload.Located
  readonly container: string
  readonly command: ReadonlyArray<string>
  readonly variables: Readonly<Record<string, string>>
  readonly probe: Probe
  readonly image: string
  readonly containerPort: number
  /** Whether the workload declares service ports; a worker without any has no URL and no TCP probe. */
  readonly hasPorts: boolean
  readonly requests: { readonly cpu?: string; readonly memory?: string }
  readonly limits: { readonly cpu?: string; readonly memory?: string }
  readonly version: string | undefined
  /** Other services this one reaches through `service`, `service-port` or `endpoint` resources: resource name → component name. */
  readonly serviceResources: Readonly<Record<string, string>>
  /** Every resource the environment resolves (see {@link isResolved}), by resource name. */
  readonly resolved: Readonly<Record<string, ResolvedResource>>
}

const record = (value: unknown): Readonly<Record<string, unknown>> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value as Record<string, unknown> : {}

const strings = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []

const quantities = (value: unknown): { cpu?: string; memory?: string } => {
  const r = record(value)
  return {
    ...(typeof r.cpu === "string" || typeof r.cpu === "number" ? { cpu: String(r.cpu) } : {}),
    ...(typeof r.memory === "string" ? { memory: r.memory } : {})
  }
}

const probeOf = (container: Readonly<Record<string, unknown>>, hasPorts: boolean): Probe => {
  const probe = record(container.readinessProbe)
  const httpGet = record(probe.httpGet)
  if (typeof httpGet.path === "string") {
    const headers = Array.isArray(httpGet.httpHeaders)
      ? httpGet.httpHeaders.map(record).filter((h) => typeof h.name === "string" && typeof h.value === "string")
        .map((h) => ({ name: h.name as string, value: h.value as string }))
      : []
    return { _tag: "httpGet", path: httpGet.path, headers }
  }
  const exec = record(probe.exec)
  if (Array.isArray(exec.command)) return { _tag: "exec", command: strings(exec.command) }
  // A worker listens nowhere: it is ready when it is (still) running.
  return hasPorts ? { _tag: "tcp" } : { _tag: "alive" }
}

const readPackage = (directory: string): Readonly<Record<string, unknown>> | undefined => {
  try {
    return record(JSON.parse(fs.readFileSync(path.join(directory, "package.json"), "utf8")))
  } catch {
    return undefined
  }
}

const fail = (reason: string) => new InvalidSpec({ reason })

/** Reads the workload of a catalog component. */
export const load = (entry: CatalogEntry): Effect.Effect<ServiceSpec, InvalidSpec> =>
  Effect.gen(function*() {
    const ref = String(entry.ref)
    const file = workloadFile(entry)
    const text = yield* Effect.try({
      try: () => fs.readFileSync(file, "utf8"),
      catch: () => fail(`${ref} has no readable workload at ${file}; add a score.yaml next to its catalog-info.yaml or set the paved.dev/workload annotation`)
    })
    const decoded = Workload.decode(text, file)
    if (decoded.located === undefined || decoded.problems.length > 0) {
      const lines = decoded.problems.map(Problem.format)
      return yield* new InvalidSpec({ reason: `the workload of ${ref} has problems:\n  ${lines.join("\n  ")}`, problems: decoded.problems })
    }
    const workload = decoded.located.workload
    const directory = path.dirname(file)
    const names = Object.keys(workload.containers).sort()
    if (names.length !== 1) {
      return yield* fail(`${file}: the local runtime runs one container per workload, and ${ref} declares ${names.length} (${names.join(", ")})`)
    }
    const containerName = names[0]!
    const container = workload.containers[containerName]!
    const pkg = readPackage(directory)
    let command: ReadonlyArray<string> = [...(container.command ?? []), ...(container.args ?? [])]
    if (container.command === undefined) {
      const start = record(pkg?.scripts).start
      if (typeof start === "string") command = ["/bin/sh", "-c", start]
    }
    const ports = Object.values(record(workload.service?.ports)).map(record)
    const containerPort = ports.map((p) => Number(p.targetPort ?? p.port)).find((n) => Number.isInteger(n) && n > 0) ?? 8080
    const hasPorts = ports.length > 0
    const resources = record(container.resources)
    const serviceResources: Record<string, string> = {}
    const resolved: Record<string, ResolvedResource> = {}
    for (const [name, resource] of Object.entries(workload.resources ?? {})) {
      if (!isResolved(resource.type)) continue
      const target = ServiceTypes.target(resource.type, name, record(resource.params))
      if (target !== undefined) serviceResources[name] = target
      resolved[name] = { type: resource.type, key: resource.id ?? `${workload.metadata.name}.${name}`, target }
    }
    const annotated = entry.entity.metadata.annotations?.["paved.dev/version"]
    return {
      ref,
      name: entry.entity.metadata.name,
      entry,
      file,
      directory,
      workload,
      located: decoded.located,
      container: containerName,
      command,
      variables: container.variables ?? {},
      probe: probeOf(container, hasPorts),
      image: container.image,
      containerPort,
      hasPorts,
      requests: quantities(resources.requests),
      limits: quantities(resources.limits),
      version: annotated ?? (typeof pkg?.version === "string" ? pkg.version : undefined),
      serviceResources,
      resolved
    }
  })
