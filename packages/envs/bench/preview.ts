/**
 * The preview both envs benchmarks bring up: 10 services (svc-0 first, four that call it, five
 * that call those), every other one with a PostgreSQL database; each service's directory gets
 * its `catalog-info.yaml` here and its `score.yaml` from the benchmark, which chooses how the
 * service runs.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** One service of the preview: its name, the services it calls, whether it has a database. */
export interface BenchService {
  readonly name: string
  readonly deps: ReadonlyArray<string>
  readonly db: boolean
}

/** The 10 services. */
export const services: ReadonlyArray<BenchService> = Array.from({ length: 10 }, (_, i) => ({
  name: `svc-${i}`,
  deps: i === 0 ? [] : i <= 4 ? ["svc-0"] : [`svc-${i - 4}`],
  db: i % 2 === 0
}))

/**
 * Creates the service's directory under `dir` with its `catalog-info.yaml`, and returns the
 * directory and the Score `resources:` lines (its database, a `service-port` per service it calls).
 */
export const writeService = (dir: string, s: BenchService): { readonly dir: string; readonly resources: ReadonlyArray<string> } => {
  const d = path.join(dir, s.name)
  fs.mkdirSync(d, { recursive: true })
  fs.writeFileSync(path.join(d, "catalog-info.yaml"), [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Component",
    `metadata: { name: ${s.name} }`,
    "spec:",
    "  type: service",
    "  lifecycle: experimental",
    "  owner: group:default/bench",
    `  dependsOn: [${s.deps.map((x) => `component:default/${x}`).join(", ")}]`
  ].join("\n"))
  const resources = [
    ...(s.db ? ["  db: { type: postgres }"] : []),
    ...s.deps.map((x) => `  ${x}: { type: service-port, params: { workload: ${x}, port: http } }`)
  ]
  return { dir: d, resources }
}
