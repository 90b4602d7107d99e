/**
 * `paved golden list|new|check|update|pipeline`: golden-path templates, scaffolding, template
 * conformance, 3-way updates and CI pipeline generation (see `@paved/golden`).
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Prompt from "@effect/cli/Prompt"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Catalog from "@paved/catalog/Catalog"
import * as Problem from "@paved/catalog/Problem"
import {
  BackstageTemplate,
  Conformance,
  Pipeline,
  Scaffold,
  Template,
  TemplateRegistry,
  Update
} from "@paved/golden"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Output from "../Output.js"
import * as Progress from "../Progress.js"
import * as Store from "../Store.js"

const templateDirs = Options.text("templates").pipe(
  Options.repeated,
  Options.withDescription("A directory of template modules (.js/.mjs exporting templates); repeatable")
)
const templatePackages = Options.text("template-package").pipe(
  Options.repeated,
  Options.withDescription("An npm package exporting templates, resolved from the working directory; repeatable")
)

/**
 * The template registry from `--templates` and `--template-package`; without `--templates`, the
 * `templates:` directories of the project's paved.yaml. `paved check` reuses it.
 *
 * @since 0.1.0
 */
export const registryLayer = (dirs: ReadonlyArray<string>, packages: ReadonlyArray<string>) =>
  Layer.unwrapEffect(Effect.map(Store.project, (project) =>
    TemplateRegistry.layerFrom({
      directories: dirs.length > 0 ? dirs : Option.match(project, { onNone: () => [], onSome: (p) => p.templates }),
      packages
    })))

const parameterText = (p: Template.Parameter): string =>
  `${p.name}${p.required ? " (required)" : `=${String(p.default ?? "")}`}`

// -- list -------------------------------------------------------------------------------------

const list = Command.make(
  "list",
  {
    format: Output.format,
    templates: templateDirs,
    packages: templatePackages,
    backstage: Options.boolean("backstage").pipe(
      Options.withDescription("Print the templates as Backstage Template entities (a catalog file) instead")
    ),
    catalog: Options.text("catalog").pipe(
      Options.repeated,
      Options.withDescription("Also list Backstage Template entities (scaffolder.backstage.io/v1beta3) found under this path; repeatable")
    )
  },
  ({ backstage: asEntities, catalog, format, packages, templates }) =>
    Effect.gen(function*() {
      const registry = yield* TemplateRegistry.TemplateRegistry
      if (asEntities) {
        const file = BackstageTemplate.catalogFile(registry.all)
        return yield* format === "json"
          ? Output.printJson({ entities: [...new Set(registry.all.map((t) => t.name))].map((n) => BackstageTemplate.toEntity(registry.versions(n).at(-1)!)) })
          : Console.log(file.trimEnd())
      }
      const names = [...new Set(registry.all.map((t) => t.name))]
      const paved = names.map((name) => {
        const versions = registry.versions(name)
        const latest = versions[versions.length - 1]!
        return {
          source: "paved",
          name,
          title: latest.title,
          description: latest.description,
          latest: latest.version,
          versions: versions.map((v) => v.version),
          parameters: latest.parameters
        }
      })
      const loaded = catalog.length === 0 ? undefined : yield* Catalog.load(catalog)
      const backstage = (loaded?.entities ?? [])
        .filter((e) => BackstageTemplate.isTemplateEntity(e.entity))
        .map((e) => {
          const info = BackstageTemplate.fromEntity(e.entity)
          return {
            source: "backstage",
            name: info.name,
            title: info.title,
            description: info.description,
            latest: info.version ?? "",
            versions: info.version === undefined ? [] : [info.version],
            parameters: info.parameters,
            ref: info.ref,
            file: e.file
          }
        })
      const rows = [...paved, ...backstage]
      if (format === "json") return yield* Output.printJson({ templates: rows })
      yield* Output.printTable(rows, [
        { header: "template", cell: (r) => r.name },
        { header: "source", cell: (r) => r.source },
        { header: "latest", cell: (r) => r.latest },
        { header: "versions", cell: (r) => r.versions.join(", ") },
        { header: "parameters", cell: (r) => r.parameters.map(parameterText).join(", ") }
      ], "(no templates)")
    }).pipe(Effect.provide(registryLayer(templates, packages)))
).pipe(Command.withDescription("List templates with their versions and parameters (and Backstage Template entities with --catalog)"))

// -- new --------------------------------------------------------------------------------------

const promptFor = (p: Template.Parameter): Effect.Effect<unknown, unknown, Prompt.Prompt.Environment> => {
  const message = `${p.name}: ${p.description}`
  if (p.kind === "boolean") return Prompt.confirm({ message, initial: p.default === true })
  if (p.kind === "enum" && p.choices !== undefined) {
    const ordered = [...p.choices].sort((a, b) => (a === p.default ? -1 : b === p.default ? 1 : 0))
    return Prompt.select({ message, choices: ordered.map((c) => ({ title: c, value: c })) })
  }
  const pattern = p.pattern === undefined ? undefined : new RegExp(p.pattern)
  return Prompt.text({
    message,
    ...(p.default === undefined ? {} : { default: String(p.default) }),
    validate: (value) =>
      value.length === 0 && p.required
        ? Effect.fail(`${p.name} is required`)
        : pattern !== undefined && !pattern.test(value)
        ? Effect.fail(`must match ${p.pattern}`)
        : Effect.succeed(value)
  }).pipe(Effect.map((raw) => (p.kind === "number" ? Number(raw) : raw)))
}

const parseParams = (raw: ReadonlyArray<string>) =>
  Effect.forEach(raw, (pair) => {
    const eq = pair.indexOf("=")
    return eq <= 0
      ? Effect.fail(new Output.UsageError({ summary: `--param ${pair}: expected key=value` }))
      : Effect.succeed([pair.slice(0, eq), pair.slice(eq + 1)] as const)
  })

const newCommand = Command.make(
  "new",
  {
    format: Output.format,
    templates: templateDirs,
    packages: templatePackages,
    template: Args.text({ name: "template" }).pipe(Args.withDescription("Template name (see paved golden list)")),
    params: Options.text("param").pipe(Options.repeated, Options.withDescription("A parameter as key=value; repeatable")),
    out: Options.directory("out").pipe(Options.optional, Options.withDescription("Output directory (default ./<name>)")),
    templateVersion: Options.text("template-version").pipe(
      Options.optional,
      Options.withDescription("Template version (default: the latest)")
    )
  },
  ({ format, out, packages, params, template, templateVersion, templates }) =>
    Effect.gen(function*() {
      const registry = yield* TemplateRegistry.TemplateRegistry
      const chosen = Option.isSome(templateVersion)
        ? yield* registry.get(template, templateVersion.value)
        : yield* registry.latest(template)
      const pairs = yield* parseParams(params)
      const known = new Set(chosen.parameters.map((p) => p.name))
      const unknown = pairs.filter(([k]) => !known.has(k)).map(([k]) => k)
      if (unknown.length > 0) {
        return yield* new Output.UsageError({
          summary: `unknown parameter ${unknown.join(", ")} for ${chosen.name}; parameters: ${[...known].join(", ")}`
        })
      }
      const answers: Record<string, unknown> = {}
      for (const [k, v] of pairs) answers[k] = Template.coerceParameter(chosen, k, v)
      const missing = chosen.parameters.filter((p) => !(p.name in answers))
      if (process.stdin.isTTY === true) {
        for (const p of missing) answers[p.name] = yield* promptFor(p)
      } else {
        const required = missing.filter((p) => p.required).map((p) => p.name)
        if (required.length > 0) {
          return yield* new Output.UsageError({
            summary: `missing parameter ${required.join(", ")} for ${chosen.name}: pass --param ${required[0]}=... ` +
              `(stdin is not a terminal, so there is no prompt)`
          })
        }
      }
      const decoded = yield* chosen.resolveAnswers(answers)
      const path = yield* Path.Path
      const dir = Option.getOrElse(out, () => path.join(".", String(decoded.name ?? chosen.name)))
      const relative = path.relative(process.cwd(), path.resolve(dir))
      if (Option.isNone(out) && (relative === "" || relative.startsWith("..") || path.isAbsolute(relative))) {
        return yield* new Output.UsageError({ summary: `the default output directory ${dir} is outside the working directory; pass --out` })
      }
      const generated = yield* Scaffold.generate({ template: chosen, answers: decoded, out: dir })
      if (format === "json") return yield* Output.printJson(generated)
      yield* Console.log(`Generated ${generated.template}@${generated.version} in ${generated.dir}`)
      yield* Output.printTable(generated.files.map((f) => ({ f })), [{ header: "file", cell: (r) => r.f }])
      yield* Output.diagnostic(`recorded ${generated.dir}/.paved/template.json; run \`paved golden check ${dir}\` any time`)
      if (Pipeline.repositoryRoot(generated.dir) !== generated.dir) {
        yield* Output.diagnostic(
          `${dir} is inside the repository ${Pipeline.repositoryRoot(generated.dir)}, whose CI reads only the root's workflows: ` +
            `run \`paved golden pipeline ${dir}\` to write its pipeline there`
        )
      }
    }).pipe(Effect.provide(registryLayer(templates, packages)))
).pipe(Command.withDescription("Generate a service from a template (prompts for missing parameters on a terminal)"))

// -- check ------------------------------------------------------------------------------------

const check = Command.make(
  "check",
  {
    format: Output.format,
    templates: templateDirs,
    packages: templatePackages,
    dirs: Args.directory({ name: "dir" }).pipe(Args.repeated, Args.withDescription("Service directories (default .)")),
    requireLatest: Options.boolean("require-latest").pipe(
      Options.withDescription("Also fail (exit 1) when a service is behind its template's latest version")
    )
  },
  ({ dirs, format, packages, requireLatest, templates }) =>
    Effect.gen(function*() {
      const services = yield* Conformance.findServices(dirs.length === 0 ? ["."] : dirs)
      // On a terminal: services checked of the total and the current one, then a summary.
      const progress = Progress.make("paved golden check", { total: services.length })
      let checked = 0
      const onProgress = (p: Conformance.CheckProgress) => {
        checked = p.checked
        progress.step(p.dir)
      }
      const checks = yield* Conformance.checkServices(services, progress.active ? { onProgress } : {}).pipe(
        Effect.tapErrorCause(() => Effect.sync(() => progress.done(`stopped by an error after ${checked} of ${Output.count(services.length, "service")}`)))
      )
      const drifted = checks.filter((c) => c.drift).length
      progress.done(`${Output.count(checks.length, "service")} checked, ${drifted} with drift, ${checks.filter((c) => !c.upToDate).length} behind the latest template`)
      const failing = checks.filter((c) => c.drift || (requireLatest && !c.upToDate))
      if (format === "json") {
        yield* Output.printJson({
          services: checks,
          drift: checks.some((c) => c.drift),
          problems: checks.flatMap((c) => Conformance.problemsOf(c, { requireLatest })).map(Problem.toJson)
        })
      } else {
        yield* Output.printTable(checks, [
          { header: "service", cell: (c) => c.dir },
          { header: "template", cell: (c) => c.template },
          { header: "version", cell: (c) => c.version },
          { header: "latest", cell: (c) => (c.upToDate ? `${c.latest} (current)` : `${c.latest} (update available)`) },
          {
            header: "drift",
            cell: (c) =>
              (c.drift ? c.files.map((f) => `${f.path} (${f.status})`).join(", ") : "none") +
              (c.notAdopted.length === 0 ? "" : ` (${c.notAdopted.length} template file(s) not adopted: ${c.notAdopted.join(", ")})`)
          }
        ])
        for (const c of checks) {
          for (const f of c.files) if (f.status === "unsafe") yield* Output.diagnostic(`${c.dir}/${f.path}: not read: ${f.reason ?? ""}`)
          if (c.recordedBy === "annotation") {
            yield* Output.diagnostic(`${c.dir}: no .paved/template.json; read ${c.template}@${c.version} from catalog-info.yaml's annotations (\`paved golden update\` adds the template's files and records one)`)
          }
        }
        for (const c of checks) for (const f of c.files) if (f.diff.length > 0) yield* Console.log(`\n${f.diff.trimEnd()}`)
      }
      if (failing.length > 0) {
        return yield* new Output.CheckFailed({
          summary: `${failing.length} service(s) do not conform to their template: ${failing.map((c) => c.dir).join(", ")}`
        })
      }
    }).pipe(Effect.provide(registryLayer(templates, packages)))
).pipe(Command.withDescription("Check services against their template: latest version? drifted template-owned files (exit 1)?"))

// -- update -----------------------------------------------------------------------------------

const update = Command.make(
  "update",
  {
    format: Output.format,
    templates: templateDirs,
    packages: templatePackages,
    dir: Args.directory({ name: "dir" }).pipe(Args.withDefault("."), Args.withDescription("Service directory (default .)")),
    to: Options.text("to").pipe(Options.optional, Options.withDescription("Target template version (default: the latest)")),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Show what would change without writing"))
  },
  ({ dir, dryRun, format, packages, templates, to }) =>
    Effect.gen(function*() {
      const result = yield* Update.updateService(dir, { to: Option.getOrUndefined(to), dryRun })
      if (format === "json") yield* Output.printJson(result)
      else if (result.from === result.to) yield* Console.log(`${dir}: already on ${result.template}@${result.to}`)
      else {
        yield* Console.log(`${dir}: ${result.template} ${result.from} -> ${result.to}${dryRun ? " (dry run)" : ""}`)
        for (const m of result.migrations) yield* Console.log(`migration ${m}`)
        yield* Output.printTable(result.files, [
          { header: "file", cell: (f) => f.path },
          { header: "action", cell: (f) => f.action },
          { header: "detail", cell: (f) => f.reason ?? "" }
        ], "(no file changes)")
      }
      if (result.conflicts.length > 0) {
        const files = result.conflicts.map((c) => c.path).join(", ")
        return yield* new Output.CheckFailed({
          summary: dryRun
            ? `${result.conflicts.length} file(s) would need a hand: ${files} (dry run: nothing was written; ` +
              "without --dry-run, conflicting lines are marked with <<<<<<< / ======= / >>>>>>>)"
            : `${result.conflicts.length} file(s) need a hand: ${files} (conflicts are marked with <<<<<<< / ======= / >>>>>>>)`
        })
      }
    }).pipe(Effect.provide(registryLayer(templates, packages)))
).pipe(Command.withDescription("Update a service to a newer template version: typed migrations, then a 3-way merge"))

// -- pipeline ---------------------------------------------------------------------------------

const pipeline = Command.make(
  "pipeline",
  {
    format: Output.format,
    dir: Args.directory({ name: "dir" }).pipe(Args.withDefault("."), Args.withDescription("Service directory (default .)")),
    provider: Options.choice("provider", ["github-actions", "gitlab-ci"]).pipe(
      Options.withDefault("github-actions" as const),
      Options.withDescription(
        "CI system: github-actions (.github/workflows/ci.yml, or <name>.yml at the repository root for a service in a " +
          "subdirectory) or gitlab-ci (.gitlab-ci.yml, or .gitlab/ci/<name>.gitlab-ci.yml to include)"
      )
    ),
    env: Options.text("env").pipe(Options.optional, Options.withDescription("Target environment (default: production for production services, else staging)")),
    nodeVersion: Options.text("node-version").pipe(Options.optional),
    branch: Options.text("branch").pipe(Options.optional, Options.withDescription("Main branch (default main)")),
    check: Options.boolean("check").pipe(Options.withDescription("Write nothing; exit 1 when the workflow on disk is stale")),
    stdout: Options.boolean("stdout").pipe(Options.withDescription("Print the workflow instead of writing it"))
  },
  ({ branch, check, dir, env, format, nodeVersion, provider, stdout }) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const generated = yield* Pipeline.pipelineFor(dir, {
        targetEnvironment: Option.getOrUndefined(env),
        nodeVersion: Option.getOrUndefined(nodeVersion),
        mainBranch: Option.getOrUndefined(branch)
      })
      // CI systems read pipelines from the repository root, whatever the service's directory.
      const target = path.join(Pipeline.repositoryRoot(dir), generated.path)
      const current = yield* fs.readFileString(target).pipe(Effect.option)
      const changed = Option.getOrUndefined(current) !== generated.content
      const write = !check && !stdout && changed
      if (write) {
        yield* fs.makeDirectory(path.dirname(target), { recursive: true })
        yield* fs.writeFileString(target, generated.content)
      }
      if (stdout) yield* Console.log(generated.content.trimEnd())
      else if (format === "json") yield* Output.printJson({ ...generated, file: target, changed, written: write })
      else yield* Console.log(`${target}: ${!changed ? "up to date" : write ? "written" : "stale"} (jobs: ${generated.jobs.join(", ")})`)
      if (check && changed) {
        return yield* new Output.CheckFailed({ summary: `${target} does not match the pipeline generated from catalog-info.yaml and score.yaml` })
      }
    }).pipe(Effect.provide(provider === "gitlab-ci" ? Pipeline.layerGitLabCi : Pipeline.layerGitHubActions))
).pipe(Command.withDescription("Generate the CI pipeline from catalog-info.yaml and score.yaml (GitHub Actions or GitLab CI)"))

/**
 * The `golden` command group.
 *
 * @since 0.1.0
 */
export const golden = Command.make("golden").pipe(
  Command.withDescription("Golden paths: templates, scaffolding, conformance, 3-way update, CI pipelines"),
  Command.withSubcommands([list, newCommand, check, update, pipeline])
)
