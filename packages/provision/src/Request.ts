/**
 * Resource requests: what a team asks for, from a Score workload, a catalog `Resource` entity or
 * the typed API. A request names a type and class; the standards decide the rest.
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import type { Entity } from "@paved/catalog"
import { EntityRef } from "@paved/catalog"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import * as Placeholder from "./Placeholder.js"
import type { Problem } from "./Problem.js"
import * as Workload from "./Workload.js"

/**
 * Where a request was written, for problems and violations.
 *
 * @since 0.1.0
 */
export interface Source {
  readonly file: string
  readonly line: number
  readonly column: number
}

/**
 * One resource request. `key` is unique within an environment: the shared `id` when the
 * workload gives one (so two workloads asking for `id: main-cache` get one cache), otherwise
 * `<workload>.<resource>`.
 *
 * @since 0.1.0
 */
export interface ResourceRequest {
  readonly key: string
  readonly type: string
  readonly class: string | undefined
  readonly params: Readonly<Record<string, unknown>>
  /** Catalog tags the standards may require: `owner`, `system`, `cost-centre`, ... */
  readonly tags: Readonly<Record<string, string>>
  readonly workload: string | undefined
  readonly entityRef: string | undefined
  readonly source: Source
  /**
   * The resources whose outputs this one's params use, as `[placeholder name, key]` pairs
   * (`${resources.dns.host}` in a route's params): they are provisioned first.
   */
  readonly dependsOn: ReadonlyArray<readonly [string, string]>
}

/**
 * Builds a request with the typed API (`Provision.request` is this function).
 *
 * @since 0.1.0
 */
export const make = (input: {
  readonly key: string
  readonly type: string
  readonly class?: string
  readonly params?: Readonly<Record<string, unknown>>
  readonly tags?: Readonly<Record<string, string>>
  readonly entityRef?: string
}): ResourceRequest => ({
  key: input.key,
  type: input.type,
  class: input.class,
  params: input.params ?? {},
  tags: input.tags ?? {},
  workload: undefined,
  entityRef: input.entityRef,
  source: { file: "<api>", line: 0, column: 0 },
  dependsOn: []
})

/**
 * The annotations a workload or entity uses to carry tags the catalog does not model directly.
 *
 * @since 0.1.0
 */
export const tagAnnotations = {
  owner: "paved.dev/owner",
  system: "paved.dev/system",
  "cost-centre": "paved.dev/cost-centre"
} as const

/**
 * The annotation naming a component's Score workload file, relative to its catalog file.
 *
 * @since 0.2.0
 */
export const workloadAnnotation = "paved.dev/workload"

/**
 * The Score workload file of a component: the file its `paved.dev/workload` annotation names,
 * relative to its catalog file, or `score.yaml` next to that file. `paved env up`,
 * `paved provision --entity` and the terminal UI all find a component's workload this way.
 *
 * @since 0.2.0
 */
export const workloadFileOf = (entity: Entity.Entity, catalogFile: string): string =>
  path.resolve(path.dirname(catalogFile), entity.metadata.annotations?.[workloadAnnotation] ?? "score.yaml")

/**
 * The tags a catalog entity gives the resources of its workload: `owner` and `system` from its
 * spec, `cost-centre` from the `paved.dev/cost-centre` annotation, plus `entity` (its ref).
 *
 * @since 0.1.0
 */
export const tagsFromEntity = (entity: Entity.Entity): Readonly<Record<string, string>> => {
  const tags: Record<string, string> = { entity: EntityRef.of(entity) }
  const spec = entity.spec ?? {}
  const annotations = entity.metadata.annotations ?? {}
  if (typeof spec["owner"] === "string") tags["owner"] = spec["owner"]
  if (typeof spec["system"] === "string") tags["system"] = spec["system"]
  const cost = annotations[tagAnnotations["cost-centre"]]
  if (cost !== undefined) tags["cost-centre"] = cost
  return tags
}

/**
 * The requests of a workload. Tags come from the workload's `paved.dev/*` annotations, then
 * `tags` (from its catalog entity) on top.
 *
 * @since 0.1.0
 */
export const fromWorkload = (
  located: Workload.Located,
  options: { readonly tags?: Readonly<Record<string, string>>; readonly entityRef?: string } = {}
): ReadonlyArray<ResourceRequest> => {
  const { workload, file } = located
  const annotations = workload.metadata.annotations ?? {}
  const tags: Record<string, string> = {}
  for (const [tag, annotation] of Object.entries(tagAnnotations)) {
    const v = annotations[annotation]
    if (v !== undefined) tags[tag] = v
  }
  Object.assign(tags, options.tags ?? {})
  const resources = workload.resources ?? {}
  const keyOf = (name: string) => resources[name]?.id ?? `${workload.metadata.name}.${name}`
  return Object.entries(resources).map(([name, r]) => ({
    key: keyOf(name),
    type: r.type,
    class: r.class,
    params: r.params ?? {},
    tags,
    workload: workload.metadata.name,
    entityRef: options.entityRef,
    source: { file, ...located.positionOf(["resources", name]) },
    dependsOn: Placeholder.resourceRefs(r.params ?? {}).filter((d) => d !== name && d in resources)
      .map((d) => [d, keyOf(d)] as const)
  }))
}

/**
 * The requests gathered from Score files or catalog entries, and the problems found on the way
 * (invalid workloads, Resource entities without a type). Callers fail when `problems` is not
 * empty; the requests are not merged (see {@link merge}).
 *
 * @since 0.2.0
 */
export interface Gathered {
  readonly requests: ReadonlyArray<ResourceRequest>
  readonly problems: ReadonlyArray<Problem>
}

/**
 * A Score workload file that could not be read (missing, unreadable). A file that is read but
 * invalid is not this error: its problems are in {@link Gathered}.
 *
 * @since 0.2.0
 */
export class WorkloadUnreadable extends Data.TaggedError("WorkloadUnreadable")<{
  readonly file: string
  readonly cause: PlatformError
}> {
  override get message(): string {
    return `cannot read ${this.file}: ${this.cause.message}`
  }
}

/**
 * The requests of Score workload files, read in order, each tagged with `options.tags` (on top
 * of the workload's own `paved.dev/*` annotations) and `options.entityRef`.
 *
 * @since 0.2.0
 */
export const fromScoreFiles = (
  files: ReadonlyArray<string>,
  options: { readonly tags?: Readonly<Record<string, string>>; readonly entityRef?: string } = {}
): Effect.Effect<Gathered, WorkloadUnreadable, FileSystem> =>
  Effect.map(
    Effect.forEach(files, (file) =>
      Workload.load(file).pipe(Effect.mapError((cause) => new WorkloadUnreadable({ file, cause })))),
    (decoded) => ({
      requests: decoded.flatMap((d) => (d.located ? fromWorkload(d.located, options) : [])),
      problems: decoded.flatMap((d) => d.problems)
    })
  )

/**
 * A catalog entity with where it was read: `Catalog.load`'s entities and the store's
 * `StoredEntity` both have this shape.
 *
 * @since 0.2.0
 */
export interface CatalogEntry {
  readonly entity: Entity.Entity
  readonly file: string
  readonly line?: number | null | undefined
  readonly column?: number | null | undefined
}

/**
 * The requests of catalog entries, the one reading that `paved provision --entity`, `paved env up`
 * and the terminal UI share. A `Resource` entity is one request ({@link fromEntity}, located at
 * the entity). Any other entity is a component with a Score workload: the file its
 * `paved.dev/workload` annotation names or `score.yaml` beside its catalog file
 * ({@link workloadFileOf}), whose requests carry the component's tags ({@link tagsFromEntity})
 * and ref. With `options.workloadFiles`, those files are read instead of the components' own,
 * tagged with the tags of every component given (later ones win).
 *
 * @since 0.2.0
 */
export const fromCatalog = (
  entries: ReadonlyArray<CatalogEntry>,
  options: { readonly workloadFiles?: ReadonlyArray<string> | undefined } = {}
): Effect.Effect<Gathered, WorkloadUnreadable, FileSystem> =>
  Effect.gen(function*() {
    const requests: Array<ResourceRequest> = []
    const problems: Array<Problem> = []
    const components: Array<CatalogEntry> = []
    for (const entry of entries) {
      if (entry.entity.kind.toLowerCase() !== "resource") {
        components.push(entry)
        continue
      }
      const r = fromEntity(entry.entity, entry.file)
      if ("key" in r) requests.push({ ...r, source: { file: entry.file, line: entry.line ?? 0, column: entry.column ?? 0 } })
      else problems.push(r)
    }
    const workloadFiles = options.workloadFiles ?? []
    const gathered = workloadFiles.length > 0
      ? [yield* fromScoreFiles(workloadFiles, { tags: Object.assign({}, ...components.map((c) => tagsFromEntity(c.entity))) })]
      : yield* Effect.forEach(components, (c) =>
        fromScoreFiles([workloadFileOf(c.entity, c.file)], { tags: tagsFromEntity(c.entity), entityRef: EntityRef.of(c.entity) }))
    for (const g of gathered) {
      requests.push(...g.requests)
      problems.push(...g.problems)
    }
    return { requests, problems }
  })

// Backstage Resource entities use free-form types; these are the usual spellings.
const entityTypeAliases: Readonly<Record<string, string>> = {
  database: "postgres",
  postgresql: "postgres",
  "s3-bucket": "s3",
  bucket: "s3",
  cache: "redis",
  "message-queue": "amqp",
  rabbitmq: "amqp",
  mariadb: "mysql"
}

/**
 * The request of a catalog `Resource` entity: `spec.type` (with the usual Backstage spellings
 * such as `database` or `s3-bucket` mapped to Paved types), the class from the
 * `paved.dev/class` annotation, and tags from the entity.
 *
 * @since 0.1.0
 */
export const fromEntity = (entity: Entity.Entity, file = "<catalog>"): ResourceRequest | Problem => {
  const spec = entity.spec ?? {}
  const type = typeof spec["type"] === "string" ? spec["type"] : undefined
  if (entity.kind.toLowerCase() !== "resource" || type === undefined) {
    return { severity: "error", file, line: 0, column: 0, rule: "request/entity", message: `${EntityRef.of(entity)} is not a Resource with spec.type` }
  }
  const cls = entity.metadata.annotations?.["paved.dev/class"]
  return {
    key: entity.metadata.name,
    type: entityTypeAliases[type] ?? type,
    class: cls,
    params: {},
    tags: tagsFromEntity(entity),
    workload: undefined,
    entityRef: EntityRef.of(entity),
    source: { file, line: 0, column: 0 },
    dependsOn: []
  }
}

/**
 * Merges the requests of several workloads: one request per key. Two requests for the same
 * shared `id` must agree on type and class; otherwise it is a problem at the second one.
 *
 * @since 0.1.0
 */
export const merge = (
  requests: ReadonlyArray<ResourceRequest>
): { readonly requests: ReadonlyArray<ResourceRequest>; readonly problems: ReadonlyArray<Problem> } => {
  const byKey = new Map<string, ResourceRequest>()
  const problems: Array<Problem> = []
  for (const r of requests) {
    const seen = byKey.get(r.key)
    if (seen === undefined) byKey.set(r.key, r)
    else if (seen.type !== r.type || seen.class !== r.class) {
      problems.push({
        severity: "error",
        ...r.source,
        rule: "request/conflict",
        message: `shared resource "${r.key}" is ${r.type}/${r.class ?? "default"} here but ` +
          `${seen.type}/${seen.class ?? "default"} at ${seen.source.file}:${seen.source.line}`
      })
    }
  }
  return { requests: [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), problems }
}

/**
 * The names in an `environment` resource's `params.fromEnvironment` that start with `PAVED_`:
 * Paved's own settings (the secret key, server URLs with passwords) are never handed to a
 * workload.
 *
 * @since 0.1.0
 */
export const pavedVariables = (request: Pick<ResourceRequest, "type" | "params">): ReadonlyArray<string> => {
  const names = request.params["fromEnvironment"]
  if (request.type !== "environment" || !Array.isArray(names)) return []
  return names.filter((n): n is string => typeof n === "string" && /^PAVED_/i.test(n))
}

/**
 * What to tell a person whose workload asks for a `PAVED_*` variable.
 *
 * @since 0.1.0
 */
export const pavedVariableMessage = (key: string, variable: string): string =>
  `resource ${key} asks for ${variable} in params.fromEnvironment: PAVED_* variables are Paved's own settings ` +
  `(its secret key, server URLs with passwords) and are never given to a workload; remove it, or copy the value you ` +
  `need into a variable with another name`
