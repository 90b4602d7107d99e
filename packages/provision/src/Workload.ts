/**
 * Score workloads (`score.dev/v1b1`): what a service runs and the resources it asks for.
 * Decoding keeps the source position of every key, so a problem points at a file and line.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { parsePositioned } from "./internal/yamlPositions.js"
import type { Problem } from "./Problem.js"
import * as Placeholder from "./Placeholder.js"

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

/**
 * Decodes a Score file's text. Never fails: problems are data, with file/line/column.
 *
 * @since 0.1.0
 */
export const decode = (text: string, file: string): Decoded => {
  const doc = parsePositioned(text)
  if (doc.errors.length > 0) {
    return {
      located: undefined,
      problems: doc.errors.map((e) => ({ file, line: e.line, column: e.column, rule: "score/yaml", message: e.message }))
    }
  }
  const result = decodeWorkload(doc.value)
  if (Either.isLeft(result)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
    return {
      located: undefined,
      problems: issues.map((issue) => {
        const pos = doc.positionOf(issue.path)
        const where = issue.path.length > 0 ? issue.path.map(String).join(".") + ": " : ""
        return { file, ...pos, rule: "score/schema", message: where + issue.message }
      })
    }
  }
  const located: Located = { workload: result.right, file, positionOf: doc.positionOf }
  return { located, problems: Placeholder.check(located) }
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
