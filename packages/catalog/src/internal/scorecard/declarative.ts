/**
 * Rules written in a scorecard file: a check of one field (exists, equals, in, matches,
 * minCount). A path under `facts.<source>.<key>` reads a fact instead of the descriptor, and a
 * stale or missing fact makes the rule unknown. The rule's version is a hash of its text, so
 * editing a rule shows up in history as a rule change.
 */
import { createHash } from "node:crypto"
import * as Rule from "../../Rule.js"
import type { Check, RuleEntry } from "./definition.js"
import * as FieldPath from "./fieldPath.js"

const show = (value: unknown): string => value === undefined ? "not set" : JSON.stringify(value)

const present = (value: unknown): boolean =>
  value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0)

/** @internal */
export const judge = (check: Check, value: unknown, fix: string): Rule.Result => {
  const where = check.path
  const failWith = (why: string) => Rule.fail(`${fix} (${where} ${why})`)
  if (check.exists !== undefined) {
    return present(value) === check.exists ? Rule.pass() : failWith(check.exists ? "is not set" : `is set to ${show(value)}`)
  }
  if (check.equals !== undefined) {
    return value === check.equals ? Rule.pass() : failWith(`is ${show(value)}, expected ${show(check.equals)}`)
  }
  if (check.in !== undefined) {
    return check.in.some((v) => v === value)
      ? Rule.pass()
      : failWith(`is ${show(value)}, expected one of ${check.in.map(show).join(", ")}`)
  }
  if (check.matches !== undefined) {
    return typeof value === "string" && new RegExp(check.matches).test(value)
      ? Rule.pass()
      : failWith(`is ${show(value)}, which does not match /${check.matches}/`)
  }
  const count = Array.isArray(value)
    ? value.length
    : value !== null && typeof value === "object"
    ? Object.keys(value).length
    : 0
  return count >= (check.minCount ?? 0) ? Rule.pass() : failWith(`has ${count} entries, needs at least ${check.minCount}`)
}

/** @internal */
export const versionOf = (entry: RuleEntry): string =>
  createHash("sha256")
    .update(JSON.stringify({ check: entry.check, fix: entry.fix, kinds: entry.kinds ?? null }))
    .digest("hex")
    .slice(0, 12)

/** @internal */
export const fromEntry = (entry: RuleEntry & { readonly id: string; readonly check: Check; readonly fix: string }): Rule.Rule => {
  const parts = FieldPath.parse(entry.check.path) ?? []
  const base = {
    id: entry.id,
    version: versionOf(entry),
    title: entry.title ?? entry.id,
    appliesTo: entry.kinds === undefined ? undefined : Rule.kinds(...entry.kinds)
  }
  const check = entry.check
  const fix = entry.fix
  if (parts[0] === "facts" && parts.length >= 3) {
    const source = parts[1]!
    const key = parts.slice(2).join(".")
    return Rule.make({
      ...base,
      evaluate: (context) => Rule.withFact(context, source, key, (value) => judge(check, value, fix))
    })
  }
  return Rule.sync({ ...base, check: ({ entity }) => judge(check, FieldPath.get(entity, parts), fix) })
}
