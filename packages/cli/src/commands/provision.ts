/**
 * `paved provision plan|apply|drift|destroy|outputs`: resources for an environment from Score
 * workloads and catalog entities, to the organisation's standards (see `@paved/provision`).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Catalog from "@paved/catalog/Catalog"
import * as Database from "@paved/catalog/Database"
import * as EntityRef from "@paved/catalog/EntityRef"
import { EnvironmentName, Placeholder, Plan, Problem, Provision, Provisioner, Request, SecretBox, StateStore } from "@paved/provision"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as Mode from "../internal/mode.js"
import { failWithProblems } from "../internal/problemReport.js"
import * as Lists from "../Lists.js"
import * as Output from "../Output.js"
import * as Progress from "../Progress.js"
import * as Store from "../Store.js"
import { serveS3, serveS3Command } from "./provision-s3.js"

const env = Options.text("env").pipe(Options.withDescription(
  "The environment to provision (its resources are named after it): 1-42 lowercase letters, digits and dashes, e.g. pr-123"
))
// plan and apply create names, so they take only names the rule allows; drift, destroy and
// outputs act on what is recorded, so they can still clean up a name recorded before the rule.
const checkEnv = (name: string) => {
  const reason = EnvironmentName.validate(name)
  return reason === undefined ? Effect.void : Effect.fail(new Output.UsageError({ summary: `--env ${reason}` }))
}
const envType = Options.choice("env-type", ["development", "preview", "staging", "production"]).pipe(
  Options.withDefault("development" as const),
  Options.withDescription("Which standards apply: development (default), preview, staging or production")
)
const workloads = Options.file("workload").pipe(Options.repeated, Lists.of, Options.withDescription("Score workload files (score.dev/v1b1)"))
const entities = Options.text("entity").pipe(
  Options.repeated,
  Lists.of,
  Options.withDescription("A catalog entity ref: a Resource becomes a request; a Component tags its workloads (and finds its workload: paved.dev/workload, or score.yaml beside it)")
)
const catalog = Options.text("catalog").pipe(
  Options.repeated,
  Lists.of,
  Options.withDescription("Where --entity refs are looked up (catalog files or directories); default the working directory")
)
const dir = Options.text("dir").pipe(Options.withDefault(".paved"), Options.withDescription("The state directory (default .paved)"))
const state = Options.text("state").pipe(
  Options.optional,
  Options.withDescription("Deprecated: use --db")
)
const backend = Options.choice("backend", ["local", "pulumi-aws", "pulumi-kubernetes"]).pipe(
  Options.withDefault("local" as const),
  Options.withDescription("Where resources are created: local servers (default) or Pulumi on AWS or Kubernetes")
)
const reveal = Options.boolean("reveal").pipe(Options.withDescription("Print secret outputs in clear (they are <redacted> otherwise)"))

interface Common {
  readonly dir: string
  readonly db: Option.Option<string>
  readonly state: Option.Option<string>
  readonly backend: "local" | "pulumi-aws" | "pulumi-kubernetes"
}

// The state store: --db (or the deprecated --state), else $PAVED_DB_URL, else <dir>/paved.db,
// checked like every command's store (a missing directory is an error; read-only commands never
// create one). A read-only command without recorded state plans against an empty in-memory
// state and an ephemeral key, so it creates no file.
const layerFor = (c: Common) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    if (Option.isSome(c.state)) yield* Output.diagnostic("paved provision: --state is deprecated; use --db (the same store every paved command takes)")
    const fromEnv = Option.filter(Option.fromNullable(process.env["PAVED_DB_URL"]), (url) => url.length > 0)
    // paved.yaml's db and secretKey come after the flags and the environment variables.
    const project = yield* Store.project
    const fromProject = Option.map(Option.flatMap(project, (p) => p.db), Redacted.value)
    const keyFile = Store.secretKeyFile(project, c.dir)
    const chosen = Option.orElse(Option.orElse(Option.orElse(c.db, () => c.state), () => fromEnv), () => fromProject)
    const target = Store.parseTarget(Option.getOrElse(chosen, () => path.join(c.dir, "paved.db")))
    const missing = target._tag === "sqlite" && !fs.existsSync(target.filename)
    if (target._tag === "sqlite" && missing && !fs.existsSync(path.dirname(target.filename))) {
      if (Option.isSome(chosen)) return yield* new Output.UsageError({ summary: `the directory of the state store ${target.filename} does not exist; create it first or fix --db` })
      if (!Mode.isReadOnly()) Store.ensureStateDir(path.dirname(target.filename))
    }
    const ephemeral = Mode.isReadOnly() && (target._tag === "memory" || missing)
    const store = Store.over(Store.open(ephemeral ? Database.memory : target, { tightenExisting: true }), StateStore)
    const secrets = ephemeral && !fs.existsSync(keyFile)
      ? Layer.succeed(SecretBox.SecretBox, SecretBox.fromKey(Redacted.make(randomBytes(32))))
      : SecretBox.layer({ dir: c.dir, file: keyFile })
    // The embedded S3 endpoint runs as the state directory's background process, so the s3
    // outputs an apply prints keep working after this command exits.
    const provisioner = c.backend === "local"
      ? Provisioner.layerLocal({ dir: c.dir, s3Process: serveS3Command() })
      : Provisioner.layerPulumi({ dir: c.dir, target: c.backend === "pulumi-aws" ? "aws" : "kubernetes" })
    return Layer.mergeAll(store, secrets, provisioner)
  }))

/**
 * Runs a command's effect with the chosen services (state store, secret box, provisioner);
 * failures to build them are usage or environment errors (2, by `Output.exitCodes`). `paved
 * check` reuses it for provisioned-state drift.
 *
 * @since 0.1.0
 */
export const withServices = <A, E>(c: Common, effect: Effect.Effect<A, E, Provision.Requirements>) =>
  Effect.provide(effect, layerFor(c))

// With --format json the problems are the JSON document on stdout; otherwise lines on stderr.
const problemsFailed = (problems: ReadonlyArray<Problem.Problem>, format: Output.Format = "table") =>
  failWithProblems(problems, format, "in the resource requests")

// Requests from --workload files and --entity refs (looked up in the catalog at --catalog).
const gatherRequests = (files: ReadonlyArray<string>, refs: ReadonlyArray<string>, catalogPaths: ReadonlyArray<string>, format: Output.Format = "table") =>
  Effect.gen(function*() {
    const entries: Array<Catalog.LoadedEntity> = []
    if (refs.length > 0) {
      const loaded = yield* Catalog.load(catalogPaths.length > 0 ? catalogPaths : ["."])
      for (const raw of refs) {
        const ref = EntityRef.parse(raw, { defaultKind: "Component", defaultNamespace: "default" })
        if (Either.isLeft(ref)) return yield* ref.left
        const found = loaded.entities.find((e) => e.ref === ref.right)
        if (found === undefined) return yield* new Output.UsageError({ summary: `no entity ${ref.right} in the catalog (${catalogPaths.join(", ") || "."})` })
        entries.push(found)
      }
    }
    const gathered = yield* (entries.length > 0 ? Request.fromCatalog(entries, { workloadFiles: files }) : Request.fromScoreFiles(files))
    if (gathered.problems.length > 0) return yield* problemsFailed(gathered.problems, format)
    return gathered.requests
  })

const printPlan = (plan: Plan.Plan, format: Output.Format) =>
  format === "json"
    ? Output.printJson(Plan.toJson(plan))
    : Effect.zipRight(
      Output.printTable(plan.changes, [
        { header: "action", cell: (c) => c.action },
        { header: "resource", cell: (c) => c.resource },
        { header: "type", cell: (c) => c.type },
        { header: "class", cell: (c) => c.class },
        { header: "reason", cell: (c) => c.reason }
      ], "(no resources requested)"),
      plan.violations.length === 0 ? Effect.void : Output.printTable(plan.violations, [
        { header: "policy", cell: (v) => v.policy },
        { header: "resource", cell: (v) => v.resource },
        { header: "enforcement", cell: (v) => v.enforcement },
        { header: "message", cell: (v) => v.message }
      ])
    )

const planFailures = <A, R>(effect: Effect.Effect<A, unknown, R>, format: Output.Format = "table") =>
  effect.pipe(Effect.catchIf(
    (e): e is Problem.ProblemsFound => e instanceof Problem.ProblemsFound,
    (e) => problemsFailed(e.problems, format)
  ))

const requestOptions = { env, envType, workloads, entities, catalog, dir, db: Store.db, state, backend, format: Output.format }

const plan = Command.make("plan", requestOptions, (o) =>
  Effect.gen(function*() {
    yield* checkEnv(o.env)
    const requests = yield* gatherRequests(o.workloads, o.entities, o.catalog, o.format)
    const p = yield* planFailures(withServices(o, Provision.plan({ env: o.env, envType: o.envType, requests })), o.format)
    yield* printPlan(p, o.format)
    const refused = Plan.refusal(p)
    // A refused plan is the checked thing failing (PlanRefused is 1 in Output.exitCodes).
    if (refused) return yield* refused
  })).pipe(Command.withDescription("Show what apply would create, update, replace or delete, and why; policy violations exit 1"))

const progressLine = (total: { n: number }, done: { n: number }) => {
  const started = { n: 0 }
  const summary = Progress.make("paved provision")
  const of = (n: number) => (total.n > 0 ? `${n}/${Math.max(total.n, n)}` : `${n}`)
  return (e: Provision.Event) => Effect.sync(() => {
    switch (e._tag) {
      case "Planned":
        total.n = e.plan.changes.filter((c) => c.action !== "no-op").length
        process.stderr.write(`paved: ${Output.count(total.n, "change")} to apply in ${e.plan.env}\n`)
        break
      case "StepStarted":
        // Steps run in parallel: count the ones started, and show a total only when known.
        started.n++
        process.stderr.write(`paved: [${of(started.n)}] ${e.action} ${e.resource} ...\n`)
        break
      case "StepProgress":
        process.stderr.write(`paved:   ${e.resource}: ${e.message}\n`)
        break
      case "StepRetrying":
        process.stderr.write(`paved:   ${e.resource}: retrying (attempt ${e.attempt + 1}): ${e.error}\n`)
        break
      case "StepCompleted":
        done.n++
        process.stderr.write(`paved: [${of(done.n)}] ${e.action} ${e.resource} done\n`)
        if (done.n === total.n || (total.n === 0 && done.n === started.n)) summary.done(`${Output.count(done.n, "step")} done`)
        break
      case "StepFailed":
        process.stderr.write(`paved: ${e.action} ${e.resource} failed: ${e.error}\n`)
        break
    }
  })
}

const shownOutputs = (
  outputs: Readonly<Record<string, Placeholder.Outputs>>,
  revealSecrets: boolean
): Readonly<Record<string, Readonly<Record<string, string>>>> =>
  revealSecrets
    ? Provision.reveal(outputs)
    : Object.fromEntries(Object.entries(outputs).map(([k, o]) => [
      k,
      Object.fromEntries(Object.entries(o).map(([n, v]) => [n, Redacted.isRedacted(v) ? "<redacted>" : v]))
    ]))

const printOutputs = (envName: string, outputs: Readonly<Record<string, Placeholder.Outputs>>, revealSecrets: boolean, format: Output.Format) => {
  const shown = shownOutputs(outputs, revealSecrets)
  if (format === "json") return Output.printJson({ env: envName, outputs: shown })
  const rows = Object.entries(shown).flatMap(([resource, o]) => Object.entries(o).map(([output, value]) => ({ resource, output, value })))
  return Output.printTable(rows, [
    { header: "resource", cell: (r) => r.resource },
    { header: "output", cell: (r) => r.output },
    { header: "value", cell: (r) => r.value }
  ], "(no outputs)")
}

const apply = Command.make("apply", {
  ...requestOptions,
  reveal,
  concurrency: Options.integer("concurrency").pipe(Options.withDefault(4), Options.withDescription("Steps run at once (default 4)"))
}, (o) =>
  Effect.gen(function*() {
    yield* checkEnv(o.env)
    const requests = yield* gatherRequests(o.workloads, o.entities, o.catalog, o.format)
    const onEvent = progressLine({ n: 0 }, { n: 0 })
    const result = yield* planFailures(withServices(o, Provision.apply({ env: o.env, envType: o.envType, requests }, {
      concurrency: Math.max(1, o.concurrency),
      onEvent
    })), o.format)
    if (o.format === "json") {
      yield* Output.printJson({ ...Plan.toJson(result.plan), outputs: shownOutputs(result.outputs, o.reveal) })
    } else {
      yield* printPlan(result.plan, o.format)
      yield* printOutputs(o.env, result.outputs, o.reveal, o.format)
    }
  })).pipe(Command.withDescription("Plan, then create/update/replace/delete through the backend; progress on stderr"))

const envOptions = { env, dir, db: Store.db, state, backend, format: Output.format }

const drift = Command.make("drift", envOptions, (o) =>
  Effect.gen(function*() {
    const differences = yield* withServices(o, Provision.drift(o.env))
    if (o.format === "json") yield* Output.printJson({ env: o.env, differences })
    else yield* Output.printTable(differences, [
      { header: "resource", cell: (d) => d.resource },
      { header: "type", cell: (d) => d.type },
      { header: "difference", cell: (d) => d.difference }
    ], `no drift in ${o.env}`)
    if (differences.length > 0) return yield* new Output.CheckFailed({ summary: `${Output.count(differences.length, "difference")} between recorded state and reality; repair with paved provision refresh --env ${o.env}` })
  })).pipe(Command.withDescription("Compare the recorded state with reality; exit 1 listing each difference"))

const destroy = Command.make("destroy", { ...envOptions, yes: Output.yes }, (o) =>
  Effect.gen(function*() {
    yield* Output.confirm(`Destroy every resource of ${o.env} (${o.backend} backend)?`, o.yes)
    const onEvent = progressLine({ n: 0 }, { n: 0 })
    const destroyed = yield* withServices(o, Provision.destroy(o.env, { onEvent }))
    if (o.format === "json") yield* Output.printJson({ env: o.env, destroyed })
    else yield* Output.printTable(destroyed.map((resource) => ({ resource })), [{ header: "destroyed", cell: (r) => r.resource }], `nothing recorded in ${o.env}`)
  })).pipe(Command.withDescription("Remove every resource of the environment"))

const refresh = Command.make("refresh", envOptions, (o) =>
  Effect.gen(function*() {
    const onEvent = progressLine({ n: 0 }, { n: 0 })
    const repaired = yield* withServices(o, Provision.refresh(o.env, { onEvent }))
    if (o.format === "json") yield* Output.printJson({ env: o.env, repaired })
    else yield* Output.printTable(repaired, [
      { header: "repaired", cell: (d) => d.resource },
      { header: "type", cell: (d) => d.type },
      { header: "was", cell: (d) => d.difference }
    ], `no drift in ${o.env}: nothing to repair`)
  })).pipe(Command.withDescription("Bring drifted resources back to their recorded state: recreate what was dropped, re-grant what was revoked"))

const outputs = Command.make("outputs", { ...envOptions, reveal }, (o) =>
  Effect.gen(function*() {
    const out = yield* withServices(o, Provision.outputs(o.env))
    yield* printOutputs(o.env, out, o.reveal, o.format)
  })).pipe(Command.withDescription("Print the outputs of every resource; secrets only with --reveal"))

/**
 * The `provision` command group.
 *
 * @since 0.1.0
 */
export const provision = Command.make("provision").pipe(
  Command.withDescription("Resources for an environment to the organisation's standards: plan, apply, drift, destroy, outputs"),
  Command.withSubcommands([plan, apply, drift, refresh, destroy, outputs, serveS3])
)
