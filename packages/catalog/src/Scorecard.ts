/**
 * Scorecards: ordered levels (e.g. bronze, silver, gold), rules each at a level, an entity
 * filter and exemptions. An entity holds a level when it passes every rule of that level and
 * of every lower level; it also earns the points of the rules it passes. A scorecard is written
 * in code ({@link make}) or in YAML ({@link parseYaml}), where simple property checks need no
 * code at all.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as BuiltinRules from "./BuiltinRules.js"
import type { CatalogView } from "./CatalogView.js"
import type { Entity } from "./Entity.js"
import * as EntityRef from "./EntityRef.js"
import type * as Facts from "./Facts.js"
import type * as Rule from "./Rule.js"
import * as declarative from "./internal/scorecard/declarative.js"
import * as Definition from "./internal/scorecard/definition.js"
import * as internal from "./internal/scorecard/evaluate.js"
import * as Yaml from "./Yaml.js"

/**
 * A rule placed at a level, with the points it is worth.
 *
 * @since 0.1.0
 */
export interface LeveledRule<R = never> {
  readonly rule: Rule.Rule<R>
  readonly level: string
  readonly points: number
}

/**
 * A recorded exception: this entity need not pass this rule, for this reason, until the end
 * of the expiry date (UTC). An expired exemption no longer counts, and the result says so.
 *
 * @since 0.1.0
 */
export interface Exemption {
  readonly entity: EntityRef.EntityRef
  readonly rule: string
  readonly reason: string
  readonly expires: string | undefined
}

/**
 * A scorecard. `filter` maps field paths to accepted values (any of them; strings compare
 * without case); an entity is scored when every clause matches.
 *
 * @since 0.1.0
 */
export interface Scorecard<R = never> {
  readonly name: string
  readonly description: string | undefined
  readonly levels: ReadonlyArray<string>
  readonly filter: Readonly<Record<string, ReadonlyArray<string | number | boolean>>>
  readonly rules: ReadonlyArray<LeveledRule<R>>
  readonly exemptions: ReadonlyArray<Exemption>
}

/**
 * One rule's outcome for one entity.
 *
 * @since 0.1.0
 */
export interface RuleOutcome {
  readonly rule: string
  readonly title: string
  readonly version: string
  readonly level: string
  readonly points: number
  readonly status: Rule.Status
  readonly message: string
  readonly exempted?: { readonly reason: string; readonly expires: string | null }
}

/**
 * One entity's score: the highest level held (null when not even the first), the next level,
 * points and every applicable rule's outcome.
 *
 * @since 0.1.0
 */
export interface EntityScore {
  readonly ref: EntityRef.EntityRef
  readonly kind: string
  readonly owner: EntityRef.EntityRef | null
  readonly level: string | null
  readonly nextLevel: string | null
  readonly points: number
  readonly maxPoints: number
  readonly results: ReadonlyArray<RuleOutcome>
}

/**
 * Per-owner totals: how many entities at each level (`none` for below the first), points,
 * and the count of non-exempt failing and unknown results.
 *
 * @since 0.1.0
 */
export interface OwnerSummary {
  readonly owner: string
  readonly entities: number
  readonly levels: Readonly<Record<string, number>>
  readonly points: number
  readonly maxPoints: number
  readonly failing: number
  readonly unknown: number
}

/**
 * The result of evaluating a scorecard over a catalog.
 *
 * @since 0.1.0
 */
export interface Report {
  readonly scorecard: string
  readonly levels: ReadonlyArray<string>
  readonly evaluatedAt: string
  readonly entities: ReadonlyArray<EntityScore>
  readonly owners: ReadonlyArray<OwnerSummary>
}

/**
 * A scorecard file that cannot be used: each issue has its line, column and field path.
 *
 * @since 0.1.0
 */
export class ScorecardFileError extends Data.TaggedError("ScorecardFileError")<{
  readonly file: string
  readonly issues: ReadonlyArray<{ readonly path: string; readonly line: number; readonly column: number; readonly message: string }>
}> {
  override get message(): string {
    return this.issues.map((i) => `${this.file}:${i.line}:${i.column} ${i.path === "" ? "" : i.path + ": "}${i.message}`).join("\n")
  }
}

/**
 * Builds a scorecard in code.
 *
 * @since 0.1.0
 */
export const make = <R = never>(options: {
  readonly name: string
  readonly description?: string | undefined
  readonly levels: ReadonlyArray<string>
  readonly filter?: Readonly<Record<string, ReadonlyArray<string | number | boolean>>> | undefined
  readonly rules: ReadonlyArray<{ readonly rule: Rule.Rule<R>; readonly level: string; readonly points?: number | undefined }>
  readonly exemptions?: ReadonlyArray<Exemption> | undefined
}): Scorecard<R> => ({
  name: options.name,
  description: options.description,
  levels: options.levels,
  filter: options.filter ?? {},
  rules: options.rules.map((r) => ({ rule: r.rule, level: r.level, points: r.points ?? 1 })),
  exemptions: options.exemptions ?? []
})

const b = BuiltinRules

/**
 * The scorecard used when none is given: ownership and description for bronze; members,
 * lifecycle, system, source, dependencies and API definitions for silver; TechDocs, on-call,
 * runbook and no deprecated dependencies for gold.
 *
 * @since 0.1.0
 */
export const defaultScorecard: Scorecard = make({
  name: "production-readiness",
  description: "Ownership, metadata and operability, in three levels.",
  levels: ["bronze", "silver", "gold"],
  filter: { kind: ["Component", "API", "Resource", "System"] },
  rules: [
    { rule: b.hasOwner, level: "bronze", points: 10 },
    { rule: b.ownerExists, level: "bronze", points: 10 },
    { rule: b.hasDescription, level: "bronze", points: 5 },
    { rule: b.ownerHasMembers, level: "silver", points: 5 },
    { rule: b.hasLifecycle, level: "silver", points: 5 },
    { rule: b.hasSystem, level: "silver", points: 5 },
    { rule: b.hasSourceLocation, level: "silver", points: 5 },
    { rule: b.dependenciesExist, level: "silver", points: 5 },
    { rule: b.apiHasDefinition, level: "silver", points: 5 },
    { rule: b.hasTechdocs, level: "gold", points: 5 },
    { rule: b.hasOnCall, level: "gold", points: 10 },
    { rule: b.hasRunbook, level: "gold", points: 5 },
    { rule: b.noDeprecatedDependency, level: "gold", points: 5 }
  ]
})

/**
 * Parses a scorecard written in YAML. `use: <id>` places a named rule (the built-ins, plus
 * `rules` given here); `id` + `check` + `fix` declares a property rule. Every problem is
 * reported with `file:line:column`.
 *
 * @since 0.1.0
 */
export const parseYaml = <R = never>(
  text: string,
  options: { readonly file?: string | undefined; readonly rules?: ReadonlyArray<Rule.Rule<R>> | undefined } = {}
): Either.Either<Scorecard<R>, ScorecardFileError> => {
  const named = new Map<string, Rule.Rule<R>>([...BuiltinRules.all, ...(options.rules ?? [])].map((r) => [r.id, r]))
  const schema = Definition.Definition.pipe(Schema.filter((d) => {
    const issues: Array<Schema.FilterIssue> = []
    d.rules.forEach((r, i) => {
      if (r.use !== undefined && !named.has(r.use)) {
        issues.push({ path: ["rules", i, "use"], message: `no rule named "${r.use}"; known rules: ${[...named.keys()].join(", ")}` })
      }
    })
    ;(d.exemptions ?? []).forEach((e, i) => {
      if (Either.isLeft(EntityRef.parse(e.entity, { defaultKind: "Component" }))) {
        issues.push({ path: ["exemptions", i, "entity"], message: `"${e.entity}" is not an entity reference (kind:namespace/name)` })
      }
    })
    return issues.length === 0 || issues
  }))
  const file = options.file ?? "<scorecard>"
  return Either.match(Yaml.decode(schema, text, { file }), {
    onLeft: (problems) => Either.left(new ScorecardFileError({ file, issues: problems.map(Yaml.issueOf) })),
    onRight: (d) =>
      Either.right(make<R>({
        name: d.name,
        description: d.description,
        levels: d.levels,
        filter: Object.fromEntries(Object.entries(d.filter ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
        rules: d.rules.map((r) => ({
          rule: r.use !== undefined
            ? named.get(r.use)!
            : declarative.fromEntry({ ...r, id: r.id!, check: r.check!, fix: r.fix! }),
          level: r.level,
          points: r.points
        })),
        exemptions: (d.exemptions ?? []).map((e) => ({
          entity: Either.getOrElse(EntityRef.parse(e.entity, { defaultKind: "Component" }), () => e.entity as EntityRef.EntityRef),
          rule: e.rule,
          reason: e.reason,
          expires: e.expires
        }))
      }))
  })
}

/**
 * Reads and parses a scorecard file (see {@link parseYaml}).
 *
 * @since 0.1.0
 */
export const loadFile = <R = never>(
  file: string,
  options: { readonly rules?: ReadonlyArray<Rule.Rule<R>> | undefined } = {}
): Effect.Effect<Scorecard<R>, ScorecardFileError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(file)).pipe(
    Effect.mapError((error) => new ScorecardFileError({ file, issues: [{ path: "", line: 0, column: 0, message: `cannot read the file: ${error.message}` }] })),
    Effect.flatMap((text) => parseYaml(text, { ...options, file }))
  )

/**
 * Evaluates a scorecard over a catalog snapshot. Facts are read through the `Facts` service
 * (use `Facts.layerEmpty` when there are none: fact rules are then unknown). `filter` narrows
 * the scored entities further (the command line's `--filter`).
 *
 * @since 0.1.0
 */
export const evaluate: <R>(
  scorecard: Scorecard<R>,
  catalog: CatalogView,
  options?: { readonly filter?: ((entity: Entity) => boolean) | undefined }
) => Effect.Effect<Report, never, R | Facts.Facts> = internal.evaluate

/**
 * A predicate from `key=value` filters (field paths; repeat a key for alternatives).
 *
 * @since 0.1.0
 */
export const filterOf = (filters: ReadonlyArray<readonly [string, string]>): (entity: Entity) => boolean => {
  const grouped: Record<string, Array<string>> = {}
  for (const [k, v] of filters) (grouped[k] ??= []).push(v)
  return internal.filterPredicate(grouped)
}

/**
 * An entity whose level would change if the edited scorecard were adopted.
 *
 * @since 0.1.0
 */
export interface LevelChange {
  readonly ref: EntityRef.EntityRef
  readonly owner: EntityRef.EntityRef | null
  readonly from: string | null
  readonly to: string | null
  readonly change: "up" | "down" | "entered" | "left"
}

/**
 * What adopting an edited scorecard would do: rules added, removed or changed, and every
 * entity whose level would move.
 *
 * @since 0.1.0
 */
export interface Plan {
  readonly current: string
  readonly proposed: string
  readonly rules: ReadonlyArray<{ readonly rule: string; readonly change: "added" | "removed" | "changed"; readonly detail: string }>
  readonly changes: ReadonlyArray<LevelChange>
  readonly unchanged: number
}

/**
 * Evaluates the adopted and the edited scorecard over the same catalog and lists the entities
 * whose level differs, before anything is adopted.
 *
 * @since 0.1.0
 */
export const plan = <R1, R2>(
  current: Scorecard<R1>,
  proposed: Scorecard<R2>,
  catalog: CatalogView,
  options?: { readonly filter?: ((entity: Entity) => boolean) | undefined }
): Effect.Effect<Plan, never, R1 | R2 | Facts.Facts> =>
  Effect.gen(function*() {
    const before = yield* evaluate(current, catalog, options)
    const after = yield* evaluate(proposed, catalog, options)
    const rank = (levels: ReadonlyArray<string>, level: string | null) => level === null ? -1 : levels.indexOf(level)
    const old = new Map(before.entities.map((e) => [e.ref, e]))
    const changes: Array<LevelChange> = []
    let unchanged = 0
    for (const e of after.entities) {
      const was = old.get(e.ref)
      old.delete(e.ref)
      if (was === undefined) {
        changes.push({ ref: e.ref, owner: e.owner, from: null, to: e.level, change: "entered" })
      } else if (was.level !== e.level) {
        const up = rank(after.levels, e.level) - rank(after.levels, was.level) > 0 ||
          (rank(after.levels, e.level) === rank(after.levels, was.level) && rank(before.levels, e.level) > rank(before.levels, was.level))
        changes.push({ ref: e.ref, owner: e.owner, from: was.level, to: e.level, change: up ? "up" : "down" })
      } else unchanged++
    }
    for (const was of old.values()) changes.push({ ref: was.ref, owner: was.owner, from: was.level, to: null, change: "left" })
    const rulesOf = (s: Scorecard<unknown>) => new Map(s.rules.map((r) => [r.rule.id, r]))
    const a = rulesOf(current as Scorecard<unknown>)
    const c = rulesOf(proposed as Scorecard<unknown>)
    const ruleChanges: Array<Plan["rules"][number]> = []
    for (const [id, r] of c) {
      const was = a.get(id)
      if (was === undefined) ruleChanges.push({ rule: id, change: "added", detail: `at ${r.level}, ${r.points} points` })
      else if (was.rule.version !== r.rule.version || was.level !== r.level || was.points !== r.points) {
        const parts = [
          was.rule.version !== r.rule.version ? `version ${was.rule.version} -> ${r.rule.version}` : "",
          was.level !== r.level ? `level ${was.level} -> ${r.level}` : "",
          was.points !== r.points ? `points ${was.points} -> ${r.points}` : ""
        ].filter((p) => p !== "")
        ruleChanges.push({ rule: id, change: "changed", detail: parts.join(", ") })
      }
    }
    for (const [id, r] of a) if (!c.has(id)) ruleChanges.push({ rule: id, change: "removed", detail: `was at ${r.level}` })
    return {
      current: current.name,
      proposed: proposed.name,
      rules: ruleChanges,
      changes: changes.sort((x, y) => x.ref.localeCompare(y.ref)),
      unchanged
    }
  })
