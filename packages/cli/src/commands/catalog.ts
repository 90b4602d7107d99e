/**
 * `paved catalog ...`: the catalog command group. `validate` reads catalog files the way
 * `Catalog.load` does and reports every problem with its file, line and column.
 *
 * Each subcommand is one entry in {@link catalogSubcommands}; adding one is a one-line edit.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Catalog, Problem } from "@paved/catalog"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../Output.js"
import { owners } from "./catalog-owners.js"
import { catalogStoreCommands, discoveryRule } from "./catalog-store.js"

const paths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription(`Catalog files, directories or globs; default: the current directory. ${discoveryRule}`),
  Args.repeated
)

const strict = Options.boolean("strict").pipe(Options.withDescription("Count warnings as errors (exit 1 when there is any problem)"))

const relative = (file: string | undefined): string => {
  if (file === undefined) return "<input>"
  const rel = path.relative(process.cwd(), file)
  return rel.length > 0 && !rel.startsWith("..") ? rel : file
}

/**
 * `paved catalog validate [PATH...] [--format json|table] [--strict]`: exit 0 when there is no
 * error, 1 when there is (or any warning with `--strict`), 2 on usage errors.
 *
 * @since 0.1.0
 */
export const validate = Command.make("validate", { paths, format: Output.format, strict }, ({ format, paths, strict }) =>
  Effect.gen(function*() {
    const inputs = paths.length === 0 ? ["."] : paths
    const missing = inputs.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
    if (missing.length > 0) {
      return yield* new Output.UsageError({ summary: `no such file or directory: ${missing.join(", ")}` })
    }
    const result = yield* Catalog.load(inputs)
    const problems = Problem.sort(result.problems)
    const errors = problems.filter((p) => p.severity === "error").length
    const warnings = problems.length - errors
    if (format === "json") {
      yield* Output.printJson({
        files: result.sources.length,
        skipped: result.skipped.length,
        entities: result.entities.map((e) => ({ ref: e.ref, kind: e.entity.kind, file: e.file, line: e.line })),
        problems: problems.map(Problem.toJson)
      })
    } else {
      if (problems.length > 0) {
        yield* Output.printTable(problems, [
          { header: "where", cell: (p) => `${relative(p.file)}${p.line === undefined ? "" : `:${p.line}:${p.column ?? 1}`}` },
          { header: "severity", cell: (p) => p.severity },
          { header: "rule", cell: (p) => p.rule },
          { header: "message", cell: (p) => (p.path === undefined || p.message.includes(p.path) ? p.message : `${p.path}: ${p.message}`) }
        ])
      }
      const kinds = new Map<string, number>()
      for (const e of result.entities) kinds.set(e.entity.kind, (kinds.get(e.entity.kind) ?? 0) + 1)
      const byKind = [...kinds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${n} ${k}`).join(", ")
      yield* Console.log(
        `${Output.count(result.entities.length, "entity", "entities")}${byKind.length > 0 ? ` (${byKind})` : ""} from ${Output.count(result.sources.length, "file")}` +
          `${result.skipped.length > 0 ? ` (${Output.count(result.skipped.length, "other YAML file")} skipped)` : ""}; ${Output.count(errors, "error")}, ${Output.count(warnings, "warning")}`
      )
    }
    if (errors > 0 || (strict && warnings > 0)) {
      return yield* new Output.CheckFailed({ summary: "" })
    }
  })
).pipe(Command.withDescription("Validate catalog files: Backstage rules, kinds, relations and integrity, with file:line:column for every problem"))

/**
 * The subcommands of `paved catalog`. Add a subcommand by adding it here.
 *
 * @since 0.1.0
 */
export const catalogSubcommands = [
  validate,
  owners,
  ...catalogStoreCommands
] as const

/**
 * The `catalog` command group.
 *
 * @since 0.1.0
 */
export const catalog = Command.make("catalog").pipe(
  Command.withDescription("The service catalog: validate, ingest, query, graph, history"),
  Command.withSubcommands(catalogSubcommands)
)
