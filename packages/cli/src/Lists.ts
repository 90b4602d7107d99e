/**
 * List options, read the same way by every command: a list option may be repeated
 * (`--services a --services b`), take several values after one flag (`--services a b`), take
 * commas (`--services a,b`) or whitespace (`--services "a b"`, newlines from
 * `git diff --name-only`), and `-` reads the values from standard input
 * (`git diff --name-only | paved env up pr-1 --changed-files -`).
 *
 * `--services a b` is turned into repeated flags by the command runner before parsing; this
 * module splits the values and reads standard input.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import * as fs from "node:fs"

let stdinText: string | undefined

const readStdin = (): string => {
  if (stdinText === undefined) {
    try {
      stdinText = fs.readFileSync(0, "utf8")
    } catch {
      stdinText = ""
    }
  }
  return stdinText
}

/**
 * Splits the raw values of a list option: commas and whitespace separate values, `-` stands for
 * the values on standard input (read once, separated the same way). Empty values are dropped;
 * the order is kept and duplicates are removed.
 *
 * @since 0.1.0
 */
export const split = (raw: ReadonlyArray<string>, stdin: () => string = readStdin): ReadonlyArray<string> => {
  const out: Array<string> = []
  const seen = new Set<string>()
  const add = (text: string) => {
    for (const value of text.split(/[\s,]+/)) {
      if (value.length > 0 && !seen.has(value)) {
        seen.add(value)
        out.push(value)
      }
    }
  }
  for (const value of raw) add(value === "-" ? stdin() : value)
  return out
}

/**
 * A list option named `name`: repeatable, optional (empty when absent), values split by
 * {@link split}.
 *
 * @since 0.1.0
 */
export const option = (name: string, description: string): Options.Options<ReadonlyArray<string>> =>
  Options.text(name).pipe(
    Options.repeated,
    Options.map(split),
    Options.withDescription(`${description} (a list: repeat the flag, or separate values with commas or spaces; - reads them from standard input)`)
  )

/**
 * Makes an existing repeated text option a list option (values split by {@link split}).
 *
 * @since 0.1.0
 */
export const of = (options: Options.Options<ReadonlyArray<string>>): Options.Options<ReadonlyArray<string>> =>
  Options.map(options, split)
