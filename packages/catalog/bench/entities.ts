/**
 * Realistic generated entities for the benchmarks: a mix of Components, APIs, Resources,
 * Systems, Groups and Users with labels, annotations, tags, links and references.
 */
import * as YAML from "yaml"

export const entity = (i: number): Record<string, unknown> => {
  const team = `team-${i % 50}`
  const system = `system-${i % 200}`
  const common = (kind: string, name: string) => ({
    apiVersion: "backstage.io/v1alpha1",
    kind,
    metadata: {
      name,
      description: `Generated ${kind} number ${i}`,
      labels: { tier: `t${i % 3}`, "example.com/cost-center": `cc-${i % 17}` },
      annotations: { "backstage.io/techdocs-ref": "dir:.", "github.com/project-slug": `acme/${name}` },
      tags: ["typescript", `domain-${i % 9}`],
      links: [{ url: `https://dashboards.example.com/${name}`, title: "Dashboard", icon: "dashboard" }]
    }
  })
  switch (i % 10) {
    case 0:
      return { ...common("API", `api-${i}`), spec: { type: "openapi", lifecycle: "production", owner: team, system, definition: "openapi: 3.0.0\ninfo:\n  title: x\n" } }
    case 1:
      return { ...common("Resource", `db-${i}`), spec: { type: "database", owner: team, system } }
    case 2:
      return { ...common("Group", `group-${i}`), spec: { type: "team", children: [], members: [`user-${i + 1}`] } }
    case 3:
      return { ...common("User", `user-${i}`), spec: { memberOf: [`group-${i - 1}`], profile: { displayName: `User ${i}`, email: `user${i}@example.com` } } }
    case 4:
      return { ...common("System", `system-${i}`), spec: { owner: team } }
    default:
      return {
        ...common("Component", `service-${i}`),
        spec: {
          type: "service",
          lifecycle: "production",
          owner: team,
          system,
          providesApis: [`api-${i - (i % 10)}`],
          consumesApis: [`api-${(i + 10) - (i % 10)}`],
          dependsOn: [`resource:db-${i - (i % 10) + 1}`, `component:service-${i + 1}`]
        }
      }
  }
}

export const entities = (n: number): Array<Record<string, unknown>> => Array.from({ length: n }, (_, i) => entity(i))

export const entityYaml = (i: number): string => YAML.stringify(entity(i))

export const peakRss = () => {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  return {
    stop: () => {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage().rss)
    }
  }
}

export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
