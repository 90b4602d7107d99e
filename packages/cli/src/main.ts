/**
 * The `paved` command: a static table of command groups and the entry point that runs one.
 *
 * Nothing here imports Effect or a Paved package. `paved --version` and `paved --help` are
 * answered from this table alone; any other command loads only the module of the group it
 * names (`import()` in the table), so `paved catalog validate` never loads provisioning,
 * telemetry, environments, golden paths or the terminal UI.
 *
 * @since 0.1.0
 */
import type * as Command from "@effect/cli/Command"

/**
 * The version printed by `paved --version`.
 *
 * @since 0.1.0
 */
export const version = "0.1.0"

/**
 * A command group of `paved`: its name, a one-line summary for `paved --help` (at most about
 * 60 characters, so the list fits 80 columns) and how to load its command.
 *
 * @since 0.1.0
 */
export interface Group {
  readonly name: string
  readonly summary: string
  // Any command, whatever its options and services: the runner only parses and runs it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly load: () => Promise<Command.Command<any, any, any, any>>
}

/**
 * Every command group, in the order `paved --help` lists them. Adding a group is one line.
 *
 * @since 0.1.0
 */
export const groups: ReadonlyArray<Group> = [
  { name: "catalog", summary: "Validate, ingest, query and graph the service catalog", load: () => import("./commands/catalog.js").then((m) => m.catalog) },
  { name: "score", summary: "Scorecards and ownership health of catalog entities", load: () => import("./commands/score.js").then((m) => m.score) },
  { name: "provision", summary: "Plan, apply, drift-check and destroy resources", load: () => import("./commands/provision.js").then((m) => m.provision) },
  { name: "env", summary: "Environments and preview environments for change sets", load: () => import("./commands/env.js").then((m) => m.env) },
  { name: "observe", summary: "OTLP receiver, traces, RED, service map and drift", load: () => import("./commands/observe.js").then((m) => m.observe) },
  { name: "golden", summary: "Golden-path templates, conformance, updates, CI pipelines", load: () => import("./commands/golden.js").then((m) => m.golden) },
  { name: "ui", summary: "The terminal UI over the catalog, environments and traces", load: () => import("./commands/ui.js").then((m) => m.ui) },
  { name: "demo", summary: "The end-to-end demonstration on the embedded defaults", load: () => import("./commands/demo.js").then((m) => m.demo) },
  { name: "doctor", summary: "Check this machine: Node.js, state directory, servers", load: () => import("./commands/doctor.js").then((m) => m.doctor) },
  { name: "portal", summary: "The catalog as web pages: a static site, or served live", load: () => import("./commands/portal.js").then((m) => m.portal) },
  { name: "check", summary: "One CI gate: every check that has data, one report", load: () => import("./commands/check.js").then((m) => m.check) },
  // paved:subcommands (one line per command group, each ending with a comma)
]

/**
 * The help of `paved` itself, from the table: plain text that fits 80 columns.
 *
 * @since 0.1.0
 */
export const rootHelp = (): string => {
  const width = Math.max(...groups.map((g) => g.name.length)) + 2
  return [
    `paved ${version}: the internal developer platform as a library`,
    "",
    "Usage:",
    "  paved <command> [subcommand] [options]",
    "",
    "Commands:",
    ...groups.map((g) => `  ${g.name.padEnd(width)}${g.summary}`),
    "",
    "Options:",
    "  -h, --help     Show help for paved or any command",
    "  -V, --version  Show the version",
    "",
    "Every command takes --format json (one JSON document on stdout). Exit codes:",
    "0 success, 1 the checked thing failed, 2 usage or environment error.",
    "",
    "Examples:",
    "  paved catalog validate examples/demo-org",
    "  paved demo",
    "",
    "Run 'paved <command> --help' for the subcommands and options of a command.",
    ""
  ].join("\n")
}

/**
 * Runs the command line on `argv` (as in `process.argv`) and resolves to the exit code:
 * 0 success, 1 the checked thing failed, 2 usage or environment error, 130 interrupted.
 * Output has been written (not necessarily flushed) when it resolves.
 *
 * @since 0.1.0
 */
export const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = argv.slice(2)
  const first = args[0]
  if (first === "--version" || first === "-V" || first === "-v") {
    process.stdout.write(`${version}\n`)
    return 0
  }
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    if (first === "help" && args.length > 1) {
      const { runCommand } = await import("./internal/runner.js")
      return runCommand(groups, [...args.slice(1), "--help"])
    }
    process.stdout.write(rootHelp())
    return 0
  }
  const { runCommand } = await import("./internal/runner.js")
  return runCommand(groups, args)
}
