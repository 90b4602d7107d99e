/**
 * Help text for every `paved` command, in the shape `gh`, `kubectl` and `cargo` use: a usage
 * line with the full command path, what the command does, its subcommands or its arguments and
 * options (optional ones in brackets, defaults and choices shown once), and an example. Fits 80
 * columns; bold headings only when colour is on (see `Output.colour`).
 */
import type { ArgInfo, CommandInfo, OptionInfo } from "./commandTree.js"

const WIDTH = 80

/** One example per command path, shown at the end of its help. */
export const examples: Readonly<Record<string, string>> = {
  "catalog": "paved catalog validate examples/demo-org",
  "catalog validate": "paved catalog validate examples/demo-org --format json",
  "catalog owners": "paved catalog owners examples/demo-org --previous history/before-reorg",
  "catalog ingest": "paved catalog ingest examples/demo-org --db .paved/paved.db",
  "catalog query": "paved catalog query --filter kind=component --filter spec.type=service",
  "catalog facets": "paved catalog facets spec.type",
  "catalog history": "paved catalog history component:default/cart",
  "catalog graph": "paved catalog graph component:default/cart --direction dependents",
  "score": "paved score examples/demo-org --scorecard scorecard.yaml",
  "score plan": "paved score plan --scorecard new-card.yaml",
  "score history": "paved score history component:default/payments-api",
  "provision": "paved provision plan --env dev --workload score.yaml",
  "provision plan": "paved provision plan --env dev --workload score.yaml --format json",
  "provision apply": "paved provision apply --env dev --workload score.yaml",
  "provision drift": "paved provision drift --env dev",
  "provision refresh": "paved provision refresh --env dev",
  "provision destroy": "paved provision destroy --env dev --yes",
  "provision outputs": "paved provision outputs --env dev --format json",
  "env": "paved env up pr-42 --changed-files src/cart/index.ts",
  "env up": "git diff --name-only main | paved env up pr-42 --changed-files -",
  "env down": "paved env down pr-42 --yes",
  "env list": "paved env list --format json",
  "env diff": "paved env diff staging pr-42",
  "env reap": "paved env reap",
  "env logs": "paved env logs pr-42 cart --follow",
  "env manifests": "paved env manifests staging --format json",
  "observe": "paved observe serve",
  "observe serve": "paved observe serve --port 4318",
  "observe traces": "paved observe traces --service cart --min-duration 100ms",
  "observe trace": "paved observe trace 4bf92f3577b34da6a3ce929d0e0e4736",
  "observe red": "paved observe red --since 1h",
  "observe map": "paved observe map --format json",
  "observe drift": "paved observe drift examples/demo-org",
  "observe owners": "paved observe owners group:default/payments examples/demo-org",
  "golden": "paved golden new node-http-service --param name=cart",
  "golden list": "paved golden list",
  "golden new": "paved golden new node-http-service --param name=cart --param owner=group:default/team-a",
  "golden check": "paved golden check services/cart services/checkout",
  "golden update": "paved golden update services/cart --dry-run",
  "golden pipeline": "paved golden pipeline services/cart --ci github",
  "ui": "paved ui examples/demo-org",
  "demo": "paved demo --format json",
  "doctor": "paved doctor"
}

const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line.length === 0 ? word : `${line} ${word}`
    }
  }
  if (line.length > 0) lines.push(line)
  return lines
}

// Two columns: a term and its description, wrapped to 80 columns. A term longer than the
// column puts its description on the next line.
const twoColumns = (rows: ReadonlyArray<readonly [string, string]>): Array<string> => {
  const column = Math.min(28, Math.max(...rows.map(([term]) => term.length)) + 4)
  const out: Array<string> = []
  for (const [term, description] of rows) {
    const text = wrap(description, WIDTH - column)
    if (term.length + 4 > column) {
      out.push(`  ${term}`)
      for (const l of text) out.push(`${" ".repeat(column)}${l}`)
    } else {
      out.push(`  ${term.padEnd(column - 2)}${text[0] ?? ""}`)
      for (const l of text.slice(1)) out.push(`${" ".repeat(column)}${l}`)
    }
  }
  return out
}

const optionTerm = (o: OptionInfo): string => {
  const names = [...o.aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`)), `--${o.name}`].join(", ")
  return o.takesValue ? `${names} ${o.placeholder}` : names
}

const optionDescription = (o: OptionInfo): string => {
  const notes: Array<string> = []
  if (o.repeated && !o.description.includes("repeat")) notes.push("repeatable")
  if (!o.optional) notes.push("required")
  if (o.fallback !== undefined && o.type !== "Bool" && !o.description.includes("default")) notes.push(`default: ${o.fallback}`)
  return `${o.description}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`
}

const optionUsage = (o: OptionInfo): string => {
  const core = o.takesValue ? `--${o.name} ${o.placeholder}` : `--${o.name}`
  const shown = o.repeated ? `${core}...` : core
  return o.optional ? `[${shown}]` : shown
}

const argUsage = (a: ArgInfo): string => {
  const shown = a.repeated ? `${a.name}...` : a.name
  return a.optional ? `[${shown}]` : shown
}

/** The usage line of a command: `paved catalog validate [PATH...] [--format FORMAT] ...`. */
export const usage = (path: ReadonlyArray<string>, info: CommandInfo): string => {
  const required = info.options.filter((o) => !o.optional).map(optionUsage)
  if (info.children.length > 0) return `paved ${path.join(" ")} <command>${required.length > 0 ? ` ${required.join(" ")}` : ""} [options]`
  const parts = [`paved ${path.join(" ")}`, ...required, ...info.args.map(argUsage)]
  if (info.options.some((o) => o.optional)) parts.push("[options]")
  return parts.join(" ")
}

/** The whole help of a command. */
export const render = (path: ReadonlyArray<string>, info: CommandInfo, bold: (s: string) => string): string => {
  const out: Array<string> = []
  out.push(`${bold("Usage:")} ${usage(path, info)}`, "")
  if (info.description.length > 0) out.push(...wrap(info.description, WIDTH), "")
  if (info.children.length > 0) {
    out.push(bold("Commands:"), ...twoColumns(info.children.map((c) => [c.name, c.description] as const)), "")
  }
  if (info.args.length > 0) {
    out.push(bold("Arguments:"), ...twoColumns(info.args.map((a) => [a.repeated ? `${a.name}...` : a.name, a.description] as const)), "")
  }
  if (info.options.length > 0) {
    out.push(bold("Options:"), ...twoColumns(info.options.map((o) => [optionTerm(o), optionDescription(o)] as const)), "")
  }
  const example = examples[path.join(" ")]
  if (example !== undefined) out.push(bold("Example:"), `  ${example}`, "")
  out.push(
    info.children.length > 0
      ? `Run 'paved ${path.join(" ")} <command> --help' for the options of a command.`
      : "-h, --help shows this help. Exit codes: 0 ok, 1 the check failed, 2 usage error.",
    ""
  )
  return out.join("\n")
}
