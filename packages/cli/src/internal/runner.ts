/**
 * Runs one `paved` command group: loads only that group's module, answers `--help` with
 * `help.ts`, turns unknown commands and options into usage errors with a "did you mean", expands
 * list options (`--services a b`), then parses with @effect/cli and maps every failure to one
 * exit code from `Output.exitCodes`: 0 success, 1 the checked thing failed, 2 usage or environment
 * error, 130 interrupted.
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Group } from "../main.js"
import { colour, exitCodeOf, messageOf } from "../Output.js"
import { closest, type CommandInfo, helpText, type OptionInfo, read } from "./commandTree.js"
import * as Help from "./help.js"
import { readOnlyCommands, setReadOnly } from "./mode.js"

const helpFlags = new Set(["-h", "--help"])

class Usage {
  constructor(readonly path: ReadonlyArray<string>, readonly message: string) {}
}

const pointer = (path: ReadonlyArray<string>) => `Run 'paved ${path.join(" ")} --help' for usage.`

const flagName = (token: string): string => token.replace(/^--?/, "").split("=")[0]!

const findOption = (known: ReadonlyArray<OptionInfo>, token: string): OptionInfo | undefined => {
  const name = flagName(token)
  return known.find((o) => o.name === name || o.aliases.includes(name))
}

const checkValue = (path: ReadonlyArray<string>, option: OptionInfo, value: string | undefined): void => {
  if (value === undefined) throw new Usage(path, `option --${option.name} needs a value (${option.placeholder})`)
  if (option.choices !== undefined && !option.choices.includes(value)) {
    const guess = closest(value, option.choices)
    throw new Usage(path, `option --${option.name} takes one of ${option.choices.join(", ")}, not '${value}'${guess === undefined ? "" : `. Did you mean '${guess}'?`}`)
  }
  if (option.type === "Integer" && !/^-?\d+$/.test(value)) throw new Usage(path, `option --${option.name} takes a whole number, not '${value}'`)
  if (option.type === "Float" && Number.isNaN(Number(value))) throw new Usage(path, `option --${option.name} takes a number, not '${value}'`)
}

interface Prepared {
  readonly path: ReadonlyArray<string>
  readonly node: CommandInfo
  readonly help: boolean
  readonly args: ReadonlyArray<string>
}

/**
 * Finds the command the arguments name, checks every option against it, and expands list
 * options. Throws {@link Usage} for anything @effect/cli would report without context.
 */
const prepare = (root: CommandInfo, args: ReadonlyArray<string>): Prepared => {
  const path = [root.name]
  let node = root
  const known: Array<OptionInfo> = [...root.options]
  let i = 1
  let help = false
  // The command path: group, then subcommands; options of a parent may come before its child.
  while (node.children.length > 0 && i < args.length) {
    const token = args[i]!
    if (token === "--") break
    if (helpFlags.has(token)) {
      help = true
      i++
      continue
    }
    if (token.startsWith("-") && token !== "-") {
      const option = findOption(known, token)
      i += option?.takesValue === true && !token.includes("=") ? 2 : 1
      continue
    }
    const child = node.children.find((c) => c.name === token)
    if (child === undefined) {
      if (node.args.length > 0) break
      const guess = closest(token, node.children.map((c) => c.name))
      throw new Usage(path, `unknown command '${token}' for 'paved ${path.join(" ")}'${guess === undefined ? "" : `. Did you mean '${guess}'?`}\nThe commands are: ${node.children.map((c) => c.name).join(", ")}.`)
    }
    node = child
    path.push(token)
    known.push(...child.options)
    i++
  }
  const leafStart = i
  const out: Array<string> = [...args.slice(0, leafStart)]
  const greedy = !node.args.some((a) => a.repeated)
  let listOption: OptionInfo | undefined
  for (; i < args.length; i++) {
    const token = args[i]!
    if (token === "--") {
      out.push(...args.slice(i))
      break
    }
    if (helpFlags.has(token)) {
      help = true
      continue
    }
    if (token.startsWith("-") && token !== "-" && !/^-\d/.test(token)) {
      listOption = undefined
      const option = findOption(known, token)
      if (option === undefined) {
        const name = flagName(token)
        const guess = closest(name, known.flatMap((o) => [o.name, ...o.aliases.filter((a) => a.length > 1)]))
        throw new Usage(path, `unknown option '${token.split("=")[0]}'${guess === undefined ? "" : `. Did you mean '--${guess}'?`}`)
      }
      if (!option.takesValue) {
        out.push(token)
        continue
      }
      const eq = token.indexOf("=")
      const value = eq >= 0 ? token.slice(eq + 1) : args[i + 1]
      checkValue(path, option, value)
      if (eq >= 0) out.push(token)
      else {
        out.push(token, value!)
        i++
      }
      if (option.repeated && greedy) listOption = option
      continue
    }
    // A further value of the list option just before: `--services a b` is `--services a --services b`.
    if (listOption !== undefined) out.push(`--${listOption.name}`, token)
    else out.push(token)
  }
  return { path, node, help, args: out }
}

const plain = (doc: unknown): string => helpText(doc)

const fail = (path: ReadonlyArray<string>, message: string): number => {
  process.stderr.write(`paved ${path.join(" ")}: ${message}\n${pointer(path)}\n`)
  return 2
}

const exitCode = (path: ReadonlyArray<string>, cause: Cause.Cause<unknown>): Effect.Effect<number> => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error: unknown = failure.value
    return Effect.sync(() => {
      if (ValidationError.isValidationError(error)) {
        const message = plain(error.error)
          .replace(/^Expected to find option: '(.*)'$/, "missing required option $1")
        return fail(path, message.length > 0 ? message : "invalid arguments")
      }
      // One table (Output.exitCodes) says which failures mean "the checked thing failed" (1,
      // whose report is already printed: the summary alone) and which are usage or environment
      // errors (2).
      const code = exitCodeOf(error)
      const message = messageOf(error)
      if (code === 1) {
        if (message.length > 0) process.stderr.write(message + "\n")
      } else process.stderr.write(`paved: ${message}\n`)
      return code
    })
  }
  if (Cause.isInterruptedOnly(cause)) return Effect.succeed(130)
  return Effect.sync(() => {
    process.stderr.write(`paved: unexpected failure\n${Cause.pretty(cause)}\n`)
    return 2
  })
}

/**
 * Runs `paved ARGS...` (without `node` and the script) for the group `args[0]` and resolves to
 * the exit code once every finalizer has run.
 */
export const runCommand = async (groups: ReadonlyArray<Group>, args: ReadonlyArray<string>): Promise<number> => {
  const name = args[0]!
  const group = groups.find((g) => g.name === name)
  if (group === undefined) {
    const guess = closest(name, groups.map((g) => g.name))
    process.stderr.write(`paved: unknown command '${name}'${guess === undefined ? "" : `. Did you mean '${guess}'?`}\nRun 'paved --help' for the commands.\n`)
    return 2
  }
  const command = await group.load()
  const info = read(command.descriptor)
  let prepared: Prepared
  try {
    prepared = prepare(info, args)
  } catch (error) {
    if (error instanceof Usage) return fail(error.path, error.message)
    throw error
  }
  if (prepared.help || (prepared.node.children.length > 0 && prepared.node.args.length === 0 && prepared.node.options.length === 0 && prepared.args.length === prepared.path.length)) {
    const bold = colour(process.stdout) ? (s: string) => `\u001b[1m${s}\u001b[22m` : (s: string) => s
    process.stdout.write(Help.render(prepared.path, prepared.node, bold))
    return 0
  }
  setReadOnly(readOnlyCommands.has(prepared.path.join(" ")))
  const root = Command.make("paved").pipe(Command.withSubcommands([command])) as Command.Command<"paved", never, unknown, unknown>
  const config = CliConfig.make({ showBuiltIns: false })
  const program = Effect.gen(function*() {
    const directive = yield* Descriptor.parse(root.descriptor, ["paved", ...prepared.args], config)
    if (directive._tag === "BuiltIn") {
      process.stdout.write(Help.render(prepared.path, prepared.node, (s) => s))
      return 0
    }
    if (directive.leftover.length > 0) {
      return fail(prepared.path, `unexpected argument '${directive.leftover[0]}'`)
    }
    yield* root.transform(root.handler(directive.value), directive.value)
    return 0
  }).pipe(
    Effect.catchAllCause((cause) => exitCode(prepared.path, cause)),
    // What commands use (the terminal for `golden new`'s prompts): the whole NodeContext would
    // also load child_process and worker support, about 5% of `paved catalog validate`'s start-up.
    Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer))
  )
  return new Promise<number>((resolve) => {
    NodeRuntime.runMain(program, {
      disableErrorReporting: true,
      teardown: (exit) => resolve(Exit.isSuccess(exit) ? exit.value as number : 130)
    })
  })
}
