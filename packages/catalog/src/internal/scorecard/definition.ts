/**
 * The scorecard file format, described once with Schema. Cross-field checks (levels named in
 * rules exist, ids are unique, one operator per check) carry the path of the offending field so
 * the YAML decoder can point at its line and column.
 */
import * as Schema from "effect/Schema"
import * as FieldPath from "./fieldPath.js"

const Scalar = Schema.Union(Schema.String, Schema.Number, Schema.Boolean)

const Path = Schema.String.pipe(Schema.filter((s) =>
  FieldPath.parse(s) !== undefined || "a field path like spec.lifecycle or metadata.annotations[pagerduty.com/service-id]"
))

const Regex = Schema.String.pipe(Schema.filter((s) => {
  try {
    new RegExp(s)
    return true
  } catch (error) {
    return `not a valid regular expression: ${String(error)}`
  }
}))

const operators = ["exists", "equals", "in", "matches", "minCount"] as const

/** @internal */
export const Check = Schema.Struct({
  path: Path,
  exists: Schema.optional(Schema.Boolean),
  equals: Schema.optional(Scalar),
  in: Schema.optional(Schema.Array(Scalar)),
  matches: Schema.optional(Regex),
  minCount: Schema.optional(Schema.Int.pipe(Schema.nonNegative()))
}).pipe(Schema.filter((c) => {
  const used = operators.filter((op) => c[op] !== undefined)
  return used.length === 1 || `give exactly one of ${operators.join(", ")} (found ${used.length === 0 ? "none" : used.join(", ")})`
}))

/** @internal */
export type Check = typeof Check.Type

/** @internal */
export const RuleEntry = Schema.Struct({
  use: Schema.optional(Schema.NonEmptyString),
  id: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9-]*$/, {
    message: () => "a rule id is lowercase letters, digits and dashes"
  }))),
  title: Schema.optional(Schema.String),
  level: Schema.NonEmptyString,
  points: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  kinds: Schema.optional(Schema.Array(Schema.String)),
  check: Schema.optional(Check),
  fix: Schema.optional(Schema.NonEmptyString)
}).pipe(Schema.filter((r) => {
  if (r.use !== undefined) {
    return r.check === undefined && r.id === undefined || "a rule either uses a named rule (use) or declares one (id + check + fix), not both"
  }
  if (r.id === undefined) return { path: ["id"], message: "a declared rule needs an id (or write use: <rule-id>)" }
  if (r.check === undefined) return { path: ["check"], message: "a declared rule needs a check" }
  if (r.fix === undefined) return { path: ["fix"], message: "a declared rule needs fix: the message that says how to make it pass" }
  return true
}))

/** @internal */
export type RuleEntry = typeof RuleEntry.Type

/** @internal */
export const Exemption = Schema.Struct({
  entity: Schema.NonEmptyString,
  rule: Schema.NonEmptyString,
  reason: Schema.NonEmptyString,
  expires: Schema.optional(Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, {
    message: () => "an expiry is a date written YYYY-MM-DD"
  })))
})

/** @internal */
export type Exemption = typeof Exemption.Type

/** @internal */
export const Definition = Schema.Struct({
  name: Schema.NonEmptyString,
  description: Schema.optional(Schema.String),
  levels: Schema.NonEmptyArray(Schema.NonEmptyString),
  filter: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Union(Scalar, Schema.Array(Scalar)) })),
  rules: Schema.Array(RuleEntry),
  exemptions: Schema.optional(Schema.Array(Exemption))
}).pipe(Schema.filter((d) => {
  const issues: Array<{ path: ReadonlyArray<PropertyKey>; message: string }> = []
  const levels = new Set(d.levels)
  if (levels.size !== d.levels.length) issues.push({ path: ["levels"], message: "level names must be unique" })
  const seen = new Set<string>()
  d.rules.forEach((r, i) => {
    if (!levels.has(r.level)) issues.push({ path: ["rules", i, "level"], message: `unknown level "${r.level}"; the levels are ${d.levels.join(", ")}` })
    const id = r.use ?? r.id ?? ""
    if (seen.has(id)) issues.push({ path: ["rules", i], message: `rule "${id}" appears twice` })
    seen.add(id)
  })
  for (const key of Object.keys(d.filter ?? {})) {
    if (FieldPath.parse(key) === undefined) issues.push({ path: ["filter", key], message: `"${key}" is not a field path` })
  }
  ;(d.exemptions ?? []).forEach((e, i) => {
    if (!seen.has(e.rule)) issues.push({ path: ["exemptions", i, "rule"], message: `exemption for rule "${e.rule}", which this scorecard does not have` })
  })
  return issues.length === 0 ? true : issues.map((issue) => ({ path: issue.path, message: issue.message }))
}))

/** @internal */
export type Definition = typeof Definition.Type
