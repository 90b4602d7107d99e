/**
 * Scorecard rules: typed Effect functions over an entity, the catalog and facts that answer
 * pass, fail or unknown, with a message that says how to fix a failure. A rule carries a
 * version, stored with every result, so history can tell a changed rule from changed data.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { CatalogView } from "./CatalogView.js"
import type { Entity } from "./Entity.js"
import type { EntityRef } from "./EntityRef.js"
import * as Facts from "./Facts.js"

/**
 * The three answers a rule can give. `unknown` means the rule could not decide (a stale or
 * missing fact, a failed source); it never counts as a pass, and is reported apart from fails.
 *
 * @since 0.1.0
 */
export type Status = "pass" | "fail" | "unknown"

/**
 * A rule's answer for one entity.
 *
 * @since 0.1.0
 */
export interface Result {
  readonly status: Status
  readonly message: string
}

/**
 * A pass (message "ok" unless given).
 *
 * @since 0.1.0
 */
export const pass = (message?: string): Result => message === undefined ? PASS : { status: "pass", message }

const PASS: Result = Object.freeze({ status: "pass", message: "ok" })

/**
 * A failure; the message says what to change.
 *
 * @since 0.1.0
 */
export const fail = (message: string): Result => ({ status: "fail", message })

/**
 * The rule could not decide; the message says what is missing.
 *
 * @since 0.1.0
 */
export const unknown = (message: string): Result => ({ status: "unknown", message })

/**
 * What a rule reads: the entity and its reference, the catalog snapshot, and the facts of
 * this entity (`fact(source, key)`).
 *
 * @since 0.1.0
 */
export interface Context {
  readonly entity: Entity
  readonly ref: EntityRef
  readonly catalog: CatalogView
  readonly fact: (source: string, key: string) => Effect.Effect<Facts.FactLookup>
}

/**
 * A rule. `appliesTo` narrows the entities it judges (an API rule skips components); a rule
 * that does not apply is left out of the entity's level and points. `check`, when present, is
 * the same rule as a plain function, which the evaluator calls directly on large catalogs.
 *
 * @since 0.1.0
 */
export interface Rule<R = never> {
  readonly id: string
  readonly version: string
  readonly title: string
  readonly appliesTo: (entity: Entity) => boolean
  readonly evaluate: (context: Context) => Effect.Effect<Result, never, R>
  readonly check?: ((context: Context) => Result) | undefined
}

/**
 * Makes a rule from an Effect function (it may read facts or call services).
 *
 * @since 0.1.0
 */
export const make = <R = never>(options: {
  readonly id: string
  readonly version: string | number
  readonly title: string
  readonly appliesTo?: ((entity: Entity) => boolean) | undefined
  readonly evaluate: (context: Context) => Effect.Effect<Result, never, R>
}): Rule<R> => ({
  id: options.id,
  version: String(options.version),
  title: options.title,
  appliesTo: options.appliesTo ?? (() => true),
  evaluate: options.evaluate
})

/**
 * Makes a rule from a plain function of the entity and the catalog (no facts, no services).
 *
 * @since 0.1.0
 */
export const sync = (options: {
  readonly id: string
  readonly version: string | number
  readonly title: string
  readonly appliesTo?: ((entity: Entity) => boolean) | undefined
  readonly check: (context: Context) => Result
}): Rule => ({
  id: options.id,
  version: String(options.version),
  title: options.title,
  appliesTo: options.appliesTo ?? (() => true),
  evaluate: (context) => Effect.sync(() => options.check(context)),
  check: options.check
})

/**
 * Reads a fact and hands a fresh value to `decide`; a stale, missing or unavailable fact
 * gives an unknown result that says which.
 *
 * @since 0.1.0
 */
export const withFact = (
  context: Context,
  source: string,
  key: string,
  decide: (value: unknown) => Result
): Effect.Effect<Result> =>
  Effect.map(context.fact(source, key), (lookup) =>
    lookup._tag === "Fresh" ? decide(lookup.value) : unknown(Facts.describeLookup(source, key, lookup)))

/**
 * Whether an entity is of one of the given kinds (case-insensitive), for `appliesTo`.
 *
 * @since 0.1.0
 */
export const kinds = (...names: ReadonlyArray<string>) => {
  const set = new Set(names.map((n) => n.toLowerCase()))
  // Kinds are spelled a handful of ways in a catalog; remember each spelling's answer.
  const seen = new Map<string, boolean>()
  return (entity: Entity): boolean => {
    let answer = seen.get(entity.kind)
    if (answer === undefined) {
      answer = set.has(entity.kind.toLowerCase())
      seen.set(entity.kind, answer)
    }
    return answer
  }
}
