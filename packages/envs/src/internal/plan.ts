/**
 * Planning an environment without touching anything: the run set, each service's workload, and
 * the resources to provision (requests after the organisation's standards).
 */
import type { Entity } from "@paved/catalog"
import * as Problem from "@paved/catalog/Problem"
import * as EnvironmentName from "@paved/provision/EnvironmentName"
import * as Request from "@paved/provision/Request"
import * as Standards from "@paved/provision/Standards"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fs from "node:fs"
import type { CatalogEntry } from "../ChangeSet.js"
import * as ChangeSet from "../ChangeSet.js"
import type { EnvironmentType } from "../Environment.js"
import { InvalidSpec } from "../Environment.js"
import * as RunSet from "../RunSet.js"
import type { ServiceSpec } from "./workload.js"
import * as WorkloadSpec from "./workload.js"

/** What to plan. */
export interface PlanInput {
  readonly name: string
  readonly type: EnvironmentType
  readonly catalog: ReadonlyArray<CatalogEntry>
  readonly repositoryRoot?: string | undefined
  readonly services?: ReadonlyArray<string> | undefined
  readonly changedFiles?: ReadonlyArray<string> | undefined
  readonly gitRange?: string | undefined
  readonly dependents?: RunSet.DependentsPolicy | undefined
  readonly share?: Readonly<Record<string, string>> | undefined
  readonly standards?: Standards.Standards | undefined
}

/** A resource to provision and the services (and their resource names) that use it. */
export interface PlannedResource {
  readonly desired: Standards.Desired
  readonly users: ReadonlyArray<{ readonly ref: string; readonly resource: string }>
}

/** The plan. */
export interface Planned {
  readonly runSet: RunSet.RunSet
  readonly changed: ReadonlyArray<string>
  readonly unmatchedFiles: ReadonlyArray<string>
  readonly services: ReadonlyArray<ServiceSpec>
  readonly resources: ReadonlyArray<PlannedResource>
}

const entityTags = (entity: Entity.Entity): Readonly<Record<string, string>> => Request.tagsFromEntity(entity)

export const plan = (input: PlanInput): Effect.Effect<Planned, InvalidSpec> =>
  Effect.gen(function*() {
    // One rule for every place a name is accepted (CLI, library, TUI): @paved/provision's.
    const badName = EnvironmentName.validate(input.name)
    if (badName !== undefined) return yield* new InvalidSpec({ reason: badName })
    let files: ReadonlyArray<string> = input.changedFiles ?? []
    const root = input.repositoryRoot ?? process.cwd()
    if (input.gitRange !== undefined) files = [...files, ...(yield* ChangeSet.filesFromGitRange(root, input.gitRange))]
    const fromChange = input.changedFiles !== undefined || input.gitRange !== undefined
    const { components: changed, unmatched } = fromChange
      ? ChangeSet.changedComponents(input.catalog, files, root)
      : { components: [], unmatched: [] }
    if (fromChange && changed.length === 0 && (input.services ?? []).length === 0) {
      return yield* new InvalidSpec({
        reason: `the change set (${files.length} files) touches no catalog component, so there is nothing to run; ` +
          `components are matched by backstage.io/source-location, the directory of their catalog-info.yaml, or their workload file`
      })
    }
    if (!fromChange && (input.services ?? []).length === 0) {
      return yield* new InvalidSpec({ reason: "name the services to run (--services) or give a change set (--changed-files or --git-range)" })
    }
    const byRef = new Map(input.catalog.map((e) => [String(e.ref), e]))
    const resolved = RunSet.resolve(input.catalog, {
      services: input.services,
      changed,
      dependents: input.dependents,
      share: input.share,
      runnable: (ref) => {
        const entry = byRef.get(ref)
        return entry !== undefined && fs.existsSync(ChangeSet.workloadFile(entry))
      }
    })
    if (Either.isLeft(resolved)) return yield* resolved.left
    const runSet = resolved.right
    const services = yield* Effect.forEach(runSet.run, (s) => WorkloadSpec.load(byRef.get(s.ref)!))
    const standards = (input.standards ?? Standards.defaultStandards)[input.type]
    const requests: Array<Request.ResourceRequest> = []
    const users = new Map<string, Array<{ ref: string; resource: string }>>()
    for (const service of services) {
      const own = Request.fromWorkload(service.located, { tags: entityTags(service.entry.entity), entityRef: service.ref })
      const names = Object.entries(service.workload.resources ?? {})
      own.forEach((request, i) => {
        const [resourceName, spec] = names[i]!
        if (WorkloadSpec.isResolved(spec.type)) return
        requests.push(request)
        users.set(request.key, [...(users.get(request.key) ?? []), { ref: service.ref, resource: resourceName }])
      })
    }
    const merged = Request.merge(requests)
    if (merged.problems.length > 0) {
      return yield* new InvalidSpec({ reason: merged.problems.map(Problem.format).join("\n"), problems: merged.problems })
    }
    const resources = merged.requests.map((request): PlannedResource => ({
      desired: Standards.applyDefaults(standards, input.name, request),
      users: users.get(request.key) ?? []
    }))
    return { runSet, changed, unmatchedFiles: unmatched, services, resources }
  })
