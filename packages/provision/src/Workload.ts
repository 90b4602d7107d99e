/**
 * Score workloads (`score.dev/v1b1`): what a service runs and the resources it asks for.
 * Decoding keeps the source position of every key, so a problem points at a file and line.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Yaml from "@paved/catalog/Yaml"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { Problem } from "./Problem.js"
import * as Placeholder from "./Placeholder.js"
import * as ServiceTypes from "./ServiceTypes.js"

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * A resource a workload asks for: `type`, optional `class`, optional `id` (a resource shared
 * between workloads of the same environment) and free-form `params`.
 *
 * @since 0.1.0
 */
export const ResourceSpec = Schema.Struct({
  type: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9.-]{0,61}[A-Za-z0-9]$/, {
    message: () => "a resource type is 2-63 letters, digits, '.' or '-'"
  })),
  class: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9.-]{0,61}[A-Za-z0-9]$/))),
  id: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$/, {
    message: () => "a shared resource id is lowercase letters, digits, '-' and '.'"
  }))),
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  params: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * @since 0.1.0
 */
export type ResourceSpec = typeof ResourceSpec.Type

/**
 * A container. Only the fields Paved reads are typed; the rest of Score's container spec
 * (probes, resources, files, volumes) is kept as written.
 *
 * @since 0.1.0
 */
export const Container = Schema.Struct(
  {
    image: Schema.String,
    command: Schema.optional(Schema.Array(Schema.String)),
    args: Schema.optional(Schema.Array(Schema.String)),
    variables: Schema.optional(StringMap)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/**
 * @since 0.1.0
 */
export type Container = typeof Container.Type

/**
 * A Score workload.
 *
 * @since 0.1.0
 */
export const Workload = Schema.Struct({
  apiVersion: Schema.Literal("score.dev/v1b1"),
  metadata: Schema.Struct(
    {
      name: Schema.String.pipe(Schema.pattern(/^[a-z0-9]+(?:-+[a-z0-9]+)*$/, {
        message: () => "metadata.name is lowercase letters, digits and '-', 2-63 characters"
      }), Schema.minLength(2), Schema.maxLength(63)),
      annotations: Schema.optional(StringMap)
    },
    Schema.Record({ key: Schema.String, value: Schema.Unknown })
  ),
  service: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  containers: Schema.Record({ key: Schema.String, value: Container }),
  resources: Schema.optional(Schema.Record({ key: Schema.String, value: ResourceSpec }))
})

/**
 * @since 0.1.0
 */
export type Workload = typeof Workload.Type

/**
 * A decoded workload with where it came from and where each of its keys is.
 *
 * @since 0.1.0
 */
export interface Located {
  readonly workload: Workload
  readonly file: string
  readonly positionOf: (path: ReadonlyArray<PropertyKey>) => { readonly line: number; readonly column: number }
}

/**
 * The result of decoding: the workload when it decoded, and every problem found (syntax,
 * schema, and placeholders that do not parse or name something unknown).
 *
 * @since 0.1.0
 */
export interface Decoded {
  readonly located: Located | undefined
  readonly problems: ReadonlyArray<Problem>
}

const decodeWorkload = Schema.decodeUnknownEither(Workload, { errors: "all" })

// The keys Score's JSON schema (score.dev/v1b1) allows where it forbids any other
// (`additionalProperties: false`); `metadata`, resource `metadata` and `params` are open.
interface Shape {
  readonly keys?: ReadonlyArray<string>
  readonly what?: string
  readonly fields?: Readonly<Record<string, Shape>>
  /** Every value of a map (or item of a list) has this shape. */
  readonly each?: Shape
}
const probe: Shape = {
  keys: ["httpGet", "exec"],
  what: "a probe",
  fields: {
    httpGet: { keys: ["host", "scheme", "path", "port", "httpHeaders"], what: "an httpGet probe", fields: { httpHeaders: { each: { keys: ["name", "value"], what: "a header" } } } },
    exec: { keys: ["command"], what: "an exec probe" }
  }
}
const limits: Shape = { keys: ["memory", "cpu"], what: "a resource limit" }
const shape: Shape = {
  keys: ["apiVersion", "metadata", "service", "containers", "resources"],
  what: "a Score workload",
  fields: {
    service: { keys: ["ports"], what: "service", fields: { ports: { each: { keys: ["port", "protocol", "targetPort"], what: "a service port" } } } },
    containers: {
      each: {
        keys: ["image", "command", "args", "variables", "files", "volumes", "before", "resources", "livenessProbe", "readinessProbe"],
        what: "a container",
        fields: {
          files: { each: { keys: ["target", "mode", "source", "content", "binaryContent", "noExpand"], what: "a file" } },
          volumes: { each: { keys: ["source", "path", "target", "readOnly"], what: "a volume" } },
          before: { each: { keys: ["ready"], what: "a before entry" } },
          resources: { keys: ["limits", "requests"], what: "container resources", fields: { limits, requests: limits } },
          livenessProbe: probe,
          readinessProbe: probe
        }
      }
    },
    resources: { each: { keys: ["type", "class", "id", "metadata", "params"], what: "a resource" } }
  }
}

const unknownKeys = (value: unknown, at: Shape, path: ReadonlyArray<PropertyKey>, out: Array<{ path: ReadonlyArray<PropertyKey>; message: string }>) => {
  if (value === null || typeof value !== "object") return
  const entries: Array<[PropertyKey, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
  if (at.each !== undefined) {
    for (const [k, v] of entries) unknownKeys(v, at.each, [...path, k], out)
    return
  }
  if (Array.isArray(value)) return
  for (const [k, v] of entries) {
    const key = String(k)
    if (at.keys !== undefined && !at.keys.includes(key)) {
      const hint = at.what === "a resource" ? " (settings of a resource go under params)" : ""
      out.push({ path: [...path, key], message: `"${key}" is not a key of ${at.what ?? "this object"} in Score; its keys are ${at.keys.join(", ")}${hint}` })
    } else if (at.fields?.[key] !== undefined) unknownKeys(v, at.fields[key], [...path, key], out)
  }
}

const servicePorts = (workload: Workload) => {
  const ports = workload.service?.["ports"]
  const entries = ports !== null && typeof ports === "object" && !Array.isArray(ports) ? Object.entries(ports as Record<string, unknown>) : []
  const numbers: Array<number> = []
  for (const [, p] of entries) {
    const r = p !== null && typeof p === "object" ? p as Record<string, unknown> : {}
    for (const n of [r["port"], r["targetPort"]]) if (typeof n === "number") numbers.push(n)
  }
  return { names: entries.map(([n]) => n), numbers }
}

/**
 * Decodes a Score file's text. Never fails: problems are data, with file/line/column.
 *
 * @since 0.1.0
 */
export const decode = (text: string, file: string): Decoded => {
  const doc = Yaml.parse(text, { file, syntaxRule: "score/yaml" })
  if (doc.problems.length > 0) return { located: undefined, problems: doc.problems }
  // Problems point at the entry (the key) a person edits, not at where its value starts.
  const positionOf = doc.entryPositionOf
  const unknown: Array<{ path: ReadonlyArray<PropertyKey>; message: string }> = []
  unknownKeys(doc.value, shape, [], unknown)
  const schemaProblem = (path: ReadonlyArray<PropertyKey>, message: string): Problem => {
    const where = path.length > 0 ? path.map(String).join(".") + ": " : ""
    return { severity: "error", file, ...positionOf(path), rule: "score/schema", message: where + message }
  }
  const result = decodeWorkload(doc.value)
  if (Either.isLeft(result) || unknown.length > 0) {
    const issues = Either.isLeft(result) ? ParseResult.ArrayFormatter.formatErrorSync(result.left) : []
    const problems = [...unknown.map((u) => schemaProblem(u.path, u.message)), ...issues.map((i) => schemaProblem(i.path, i.message))]
    return { located: undefined, problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)) }
  }
  const located: Located = { workload: result.right, file, positionOf }
  const ports = servicePorts(result.right)
  const params: Array<Problem> = []
  for (const [name, resource] of Object.entries(result.right.resources ?? {})) {
    for (const p of ServiceTypes.check(resource.type, resource.params ?? {}, ports)) {
      params.push({ severity: "error", file, ...positionOf(["resources", name, ...p.path]), rule: "score/params", message: `resources.${name}: ${p.message}` })
    }
  }
  return { located, problems: [...params, ...Placeholder.check(located)] }
}

/**
 * Reads and decodes a Score file. Fails only when the file cannot be read.
 *
 * @since 0.1.0
 */
export const load = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file)
    return decode(text, file)
  })
