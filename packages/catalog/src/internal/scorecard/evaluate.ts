/**
 * Evaluation of a scorecard over a catalog snapshot: filter, run each applicable rule (plain
 * rules directly, effectful ones through Effect), apply exemptions, compute levels, points and
 * the per-owner summary.
 */
import * as Effect from "effect/Effect"
import type { CatalogView } from "../../CatalogView.js"
import type { Entity } from "../../Entity.js"
import type { EntityRef } from "../../EntityRef.js"
import * as Facts from "../../Facts.js"
import type * as Rule from "../../Rule.js"
import type { EntityScore, Exemption, OwnerSummary, Report, RuleOutcome, Scorecard } from "../../Scorecard.js"
import * as FieldPath from "./fieldPath.js"

const DAY = 86_400_000

/** @internal */
export const exemptionActive = (exemption: Exemption, now: number): boolean =>
  exemption.expires === undefined || now < Date.parse(`${exemption.expires}T00:00:00Z`) + DAY

/** @internal */
export const filterPredicate = (filter: Scorecard<unknown>["filter"]): (entity: Entity) => boolean => {
  const clauses = Object.entries(filter).map(([path, values]) => {
    const parts = FieldPath.parse(path) ?? [path]
    const wanted = new Set(values.map((v) => typeof v === "string" ? v.toLowerCase() : String(v)))
    return (entity: Entity) => {
      const value = FieldPath.get(entity, parts)
      const items = Array.isArray(value) ? value : [value]
      return items.some((v) => v !== undefined && v !== null && wanted.has(typeof v === "string" ? v.toLowerCase() : String(v)))
    }
  })
  return (entity) => clauses.every((c) => c(entity))
}

interface Prepared<R> {
  readonly rule: Rule.Rule<R>
  readonly level: string
  readonly levelIndex: number
  readonly points: number
}

const score = <R>(
  scorecard: Scorecard<R>,
  ref: EntityRef,
  entity: Entity,
  owner: EntityRef | undefined,
  applicable: ReadonlyArray<Prepared<R>>,
  results: ReadonlyArray<Rule.Result>,
  exemptions: ReadonlyMap<string, Exemption>,
  now: number
): EntityScore => {
  const levels = scorecard.levels
  const blocked = new Array<boolean>(levels.length).fill(false)
  let points = 0
  let maxPoints = 0
  const outcomes: Array<RuleOutcome> = []
  for (let i = 0; i < applicable.length; i++) {
    const p = applicable[i]!
    const result = results[i]!
    const exemption = exemptions.get(`${ref}\u0000${p.rule.id}`)
    const active = exemption !== undefined && exemptionActive(exemption, now)
    const passed = result.status === "pass" || active
    maxPoints += p.points
    if (passed) points += p.points
    else blocked[p.levelIndex] = true
    const message = exemption !== undefined && !active && result.status !== "pass"
      ? `${result.message} (exemption expired on ${exemption.expires})`
      : result.message
    const outcome: { -readonly [K in keyof RuleOutcome]: RuleOutcome[K] } = {
      rule: p.rule.id,
      title: p.rule.title,
      version: p.rule.version,
      level: p.level,
      points: p.points,
      status: result.status,
      message
    }
    if (active) outcome.exempted = { reason: exemption.reason, expires: exemption.expires ?? null }
    outcomes.push(outcome)
  }
  let held = -1
  while (held + 1 < levels.length && !blocked[held + 1]) held++
  return {
    ref,
    kind: entity.kind,
    owner: owner ?? null,
    level: held >= 0 ? levels[held]! : null,
    nextLevel: held + 1 < levels.length ? levels[held + 1]! : null,
    points,
    maxPoints,
    results: outcomes
  }
}

/** @internal */
export const ownerSummaries = (levels: ReadonlyArray<string>, entities: ReadonlyArray<EntityScore>): ReadonlyArray<OwnerSummary> => {
  const byOwner = new Map<string, { entities: number; levels: Record<string, number>; points: number; maxPoints: number; failing: number; unknown: number }>()
  for (const e of entities) {
    const key = e.owner ?? "(no owner)"
    let s = byOwner.get(key)
    if (s === undefined) {
      s = { entities: 0, levels: Object.fromEntries([...levels, "none"].map((l) => [l, 0])), points: 0, maxPoints: 0, failing: 0, unknown: 0 }
      byOwner.set(key, s)
    }
    s.entities++
    s.levels[e.level ?? "none"]!++
    s.points += e.points
    s.maxPoints += e.maxPoints
    for (const r of e.results) {
      if (r.exempted !== undefined) continue
      if (r.status === "fail") s.failing++
      else if (r.status === "unknown") s.unknown++
    }
  }
  return [...byOwner.entries()]
    .map(([owner, s]) => ({ owner, ...s }))
    .sort((a, b) => a.owner.localeCompare(b.owner))
}

/** @internal */
export const evaluate = <R>(
  scorecard: Scorecard<R>,
  catalog: CatalogView,
  options: { readonly filter?: ((entity: Entity) => boolean) | undefined } = {}
): Effect.Effect<Report, never, R | Facts.Facts> =>
  Effect.gen(function*() {
    const facts = yield* Facts.Facts
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    const levelIndex = new Map(scorecard.levels.map((l, i) => [l, i]))
    const prepared: Array<Prepared<R>> = scorecard.rules
      .map((r) => ({ rule: r.rule, level: r.level, levelIndex: levelIndex.get(r.level) ?? scorecard.levels.length, points: r.points }))
      .sort((a, b) => a.levelIndex - b.levelIndex)
    const exemptions = new Map(scorecard.exemptions.map((e) => [`${e.entity}\u0000${e.rule}`, e]))
    const inScope = filterPredicate(scorecard.filter)
    const extra = options.filter
    const selected = catalog.entities.filter((e) => inScope(e) && (extra === undefined || extra(e)))

    // Plain rules (`check`) run inline; only entities with an effectful rule go through Effect,
    // which keeps 100k entities x 10 plain rules a tight loop.
    const scoreOne = (entity: Entity): EntityScore | Effect.Effect<EntityScore, never, R> => {
      const ref = catalog.refOf(entity)
      const context: Rule.Context = { entity, ref, catalog, fact: (source, key) => facts.lookup(source, ref, key) }
      const applicable: Array<Prepared<R>> = []
      for (const p of prepared) if (p.rule.appliesTo(entity)) applicable.push(p)
      const owner = catalog.ownerOf(entity)
      const answers: Array<Rule.Result | undefined> = new Array(applicable.length)
      let pending: Array<number> | undefined
      for (let i = 0; i < applicable.length; i++) {
        const check = applicable[i]!.rule.check
        if (check !== undefined) answers[i] = check(context)
        else (pending ??= []).push(i)
      }
      if (pending === undefined) return score(scorecard, ref, entity, owner, applicable, answers as ReadonlyArray<Rule.Result>, exemptions, now)
      const waiting = pending
      return Effect.map(
        Effect.forEach(waiting, (i) => applicable[i]!.rule.evaluate(context)),
        (results) => {
          waiting.forEach((i, n) => (answers[i] = results[n]))
          return score(scorecard, ref, entity, owner, applicable, answers as ReadonlyArray<Rule.Result>, exemptions, now)
        }
      )
    }
    const entities: Array<EntityScore> = new Array(selected.length)
    for (let i = 0; i < selected.length; i++) {
      const scored = scoreOne(selected[i]!)
      entities[i] = Effect.isEffect(scored) ? yield* scored : scored
    }
    return {
      scorecard: scorecard.name,
      levels: scorecard.levels,
      evaluatedAt: new Date(now).toISOString(),
      entities,
      owners: ownerSummaries(scorecard.levels, entities)
    }
  })
