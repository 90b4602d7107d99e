/**
 * `paved score`: scorecards over the catalog — per entity level, points and failing rules with
 * how to fix them, a per-owner summary, `--require LEVEL` for CI; `paved score plan` shows which
 * entities an edited scorecard would move before it is adopted; `paved score history REF` shows
 * an entity's stored results and whether the rule or the data changed.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { EntityRef, Problem, Scorecard, ScoreStore } from "@paved/catalog"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Output from "../Output.js"
import * as Inputs from "../internal/scoreInputs.js"

const requireLevel = Options.text("require").pipe(
  Options.withDescription("Exit 1 unless every scored entity holds at least this level (for CI)"),
  Options.optional
)

const noRecord = Options.boolean("no-record").pipe(Options.withDescription("Do not store the results (they are stored in --db by default)"))

const usage = (summary: string) => new Output.UsageError({ summary })

const printReport = (report: Scorecard.Report) =>
  Effect.gen(function*() {
    yield* Output.printTable(report.entities, [
      { header: "entity", cell: (e) => e.ref },
      { header: "level", cell: (e) => e.level ?? "-" },
      { header: "points", cell: (e) => `${e.points}/${e.maxPoints}` },
      { header: "next", cell: (e) => e.nextLevel ?? "" },
      { header: "owner", cell: (e) => e.owner ?? "" }
    ], "(no entities match the scorecard's filter)")
    const open = report.entities.flatMap((e) =>
      e.results.filter((r) => r.status !== "pass" && r.exempted === undefined).map((r) => ({ ref: e.ref, ...r }))
    )
    if (open.length > 0) {
      yield* Console.log("")
      yield* Output.printTable(open, [
        { header: "entity", cell: (r) => r.ref },
        { header: "rule", cell: (r) => r.rule },
        { header: "level", cell: (r) => r.level },
        { header: "status", cell: (r) => r.status },
        { header: "how to fix", cell: (r) => r.message }
      ])
    }
    yield* Console.log("")
    yield* Output.printTable(report.owners, [
      { header: "owner", cell: (o) => o.owner },
      { header: "entities", cell: (o) => o.entities },
      ...[...report.levels, "none"].map((l): Output.Column<Scorecard.OwnerSummary> => ({ header: l, cell: (o) => o.levels[l] ?? 0 })),
      { header: "points", cell: (o) => `${o.points}/${o.maxPoints}` },
      { header: "failing", cell: (o) => o.failing },
      { header: "unknown", cell: (o) => o.unknown }
    ])
  })

const scoreCommand = Command.make(
  "score",
  {
    paths: Inputs.paths,
    scorecard: Inputs.scorecardFile,
    filter: Inputs.filters,
    require: requireLevel,
    facts: Inputs.factsFiles,
    db: Inputs.db,
    noRecord,
    format: Output.format
  },
  (args) =>
    Effect.gen(function*() {
      const scorecard = yield* Inputs.loadScorecard(args.scorecard)
      const required = Option.getOrUndefined(args.require)
      if (required !== undefined && !scorecard.levels.includes(required)) {
        return yield* usage(`--require ${required}: the scorecard "${scorecard.name}" has the levels ${scorecard.levels.join(", ")}`)
      }
      const pairs = yield* Inputs.filterPairs(args.filter)
      const { problems, view } = yield* Inputs.loadViewWithProblems(args.paths, args.db)
      const facts = yield* Inputs.factsLayer(args.facts)
      const report = yield* Scorecard.evaluate(scorecard, view, { filter: pairs.length === 0 ? undefined : Scorecard.filterOf(pairs) })
        .pipe(Effect.provide(facts))
      const runId = args.noRecord ? null : yield* Effect.flatMap(ScoreStore.ScoreStore, (s) => s.record(report, view)).pipe(
        Effect.provide(Inputs.storeLayer(args.db))
      )
      const rank = (level: string | null) => level === null ? -1 : scorecard.levels.indexOf(level)
      const below = required === undefined ? [] : report.entities.filter((e) => rank(e.level) < rank(required)).map((e) => e.ref)
      if (args.format === "json") {
        yield* Output.printJson({
          ...report,
          runId,
          ...(required === undefined ? {} : { required: { level: required, met: below.length === 0, below } }),
          // What loading the catalog PATHs found (invalid entities are left out of the scores).
          problems: problems.map(Problem.toJson)
        })
      } else {
        yield* printReport(report)
        if (required !== undefined) {
          yield* Console.log(below.length === 0
            ? `\nEvery scored entity holds ${required} or better.`
            : `\n${below.length} entities are below ${required}: ${below.join(", ")}`)
        }
      }
      if (below.length > 0) return yield* new Output.CheckFailed({ summary: `paved score: ${below.length} entities are below the required level ${required}` })
    })
).pipe(Command.withDescription("Score catalog entities against a scorecard: levels, points, failing rules and how to fix them, per-owner summary"))

const proposedScorecard = Options.file("scorecard").pipe(Options.withDescription("The edited scorecard to try"))
const currentScorecard = Options.file("current").pipe(
  Options.withDescription("The adopted scorecard to compare with (default: .paved/scorecard.yaml if present, else the built-in one)"),
  Options.optional
)

/**
 * `paved score plan --scorecard NEW.yaml [--current FILE] [PATH...]`.
 *
 * @since 0.1.0
 */
export const plan = Command.make(
  "plan",
  { paths: Inputs.paths, scorecard: proposedScorecard, current: currentScorecard, filter: Inputs.filters, facts: Inputs.factsFiles, db: Inputs.db, format: Output.format },
  (args) =>
    Effect.gen(function*() {
      const current = yield* Inputs.loadScorecard(args.current)
      const proposed = yield* Inputs.loadScorecard(Option.some(args.scorecard))
      const pairs = yield* Inputs.filterPairs(args.filter)
      const view = yield* Inputs.loadView(args.paths, args.db)
      const facts = yield* Inputs.factsLayer(args.facts)
      const result = yield* Scorecard.plan(current, proposed, view, { filter: pairs.length === 0 ? undefined : Scorecard.filterOf(pairs) })
        .pipe(Effect.provide(facts))
      if (args.format === "json") return yield* Output.printJson(result)
      yield* Output.printTable(result.rules, [
        { header: "rule", cell: (r) => r.rule },
        { header: "change", cell: (r) => r.change },
        { header: "detail", cell: (r) => r.detail }
      ], "(no rule changes)")
      yield* Console.log("")
      yield* Output.printTable(result.changes, [
        { header: "entity", cell: (c) => c.ref },
        { header: "change", cell: (c) => c.change },
        { header: "from", cell: (c) => c.from ?? "-" },
        { header: "to", cell: (c) => c.to ?? "-" },
        { header: "owner", cell: (c) => c.owner ?? "" }
      ], "(no entity would change level)")
      yield* Console.log(`\n${result.changes.length} entities would change level, ${result.unchanged} would not.`)
    })
).pipe(Command.withDescription("Evaluate an edited scorecard against the adopted one and list the entities that would change level"))

const ref = Args.text({ name: "REF" }).pipe(Args.withDescription("The entity, e.g. component:default/payments-api (kind defaults to Component)"))
const limit = Options.integer("limit").pipe(Options.withDescription("At most this many evaluations, newest kept"), Options.withDefault(30))
const scorecardName = Options.text("scorecard-name").pipe(Options.withDescription("Only results of this scorecard"), Options.optional)

/**
 * `paved score history REF`.
 *
 * @since 0.1.0
 */
export const history = Command.make(
  "history",
  { ref, db: Inputs.db, limit, scorecard: scorecardName, format: Output.format },
  (args) =>
    Effect.gen(function*() {
      const parsed = EntityRef.parse(args.ref, { defaultKind: "Component" })
      if (Either.isLeft(parsed)) return yield* parsed.left
      const points = yield* Effect.flatMap(ScoreStore.ScoreStore, (s) =>
        s.history(parsed.right, { limit: args.limit, scorecard: Option.getOrUndefined(args.scorecard) })
      ).pipe(Effect.provide(Inputs.storeLayer(args.db)))
      if (args.format === "json") return yield* Output.printJson({ ref: parsed.right, history: points })
      if (points.length === 0) return yield* Console.log(`No stored scores for ${parsed.right}; run paved score first.`)
      yield* Output.printTable(points, [
        { header: "evaluated", cell: (p) => p.evaluatedAt },
        { header: "scorecard", cell: (p) => p.scorecard },
        { header: "level", cell: (p) => p.level ?? "-" },
        { header: "points", cell: (p) => `${p.points}/${p.maxPoints}` },
        { header: "data", cell: (p) => (p.dataChanged ? "changed" : "") },
        {
          header: "changes",
          cell: (p) => p.changes.map((c) => `${c.rule} ${c.from ?? "-"}->${c.to ?? "-"} (${c.cause})`).join("; ")
        }
      ])
    })
).pipe(Command.withDescription("An entity's stored scores, oldest first, and for each change whether the rule or the data changed"))

/**
 * The `score` command with its `plan` and `history` subcommands.
 *
 * @since 0.1.0
 */
export const score = scoreCommand.pipe(Command.withSubcommands([plan, history]))
