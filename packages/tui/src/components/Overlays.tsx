/**
 * What opens over a view: the `:` command bar with its suggestions, the `?` help, and the
 * facet picker of the catalog list.
 */
import { Box, Text } from "ink"
import { type Command, commandRow } from "../state/app.js"
import { fit, truncate } from "../state/text.js"

/** The props of {@link CommandBar}. */
export interface CommandBarProps {
  readonly input: string
  readonly suggestions: ReadonlyArray<Command>
  readonly selected: number
  readonly width: number
  readonly height: number
}

/** The command bar: what is typed, then the commands that start with it. */
export const CommandBar = (props: CommandBarProps) => (
  <Box flexDirection="column" height={props.height}>
    <Text color="cyan" wrap="truncate-end">{truncate(`:${props.input}▏`, props.width)}</Text>
    {props.suggestions.length === 0
      ? <Text dimColor wrap="truncate-end">{truncate("no command starts with that; Backspace to edit, Esc to close", props.width)}</Text>
      : props.suggestions.slice(0, Math.max(1, props.height - 1)).map((c, i) => (
        <Text key={c.name} inverse={i === props.selected} wrap="truncate-end">
          {fit(commandRow(c), props.width)}
        </Text>
      ))}
  </Box>
)

/** A group of keys in the help. */
export interface HelpSection {
  readonly title: string
  readonly keys: ReadonlyArray<readonly [string, string]>
}

/** The keys, by where they work. */
export const helpSections = (readonly: boolean): ReadonlyArray<HelpSection> => [
  {
    title: "everywhere",
    keys: [
      [":", "command bar (Tab completes, Enter runs)"],
      ["?", "this help"],
      ["Esc", "back (or close, or clear the filter)"],
      ["q / Ctrl-C", "quit"],
      ["↑↓ j k", "move"],
      ["PgUp PgDn g G", "page, top, bottom"],
      ["Enter / l", "open the selected row"]
    ]
  },
  {
    title: "catalog",
    keys: [
      ["/", "filter as you type: words, kind:x owner:x lifecycle:x tag:x type:x"],
      ["f", "facets: pick a kind, owner, lifecycle or tag (←→ facet, Enter apply)"],
      ["Ctrl-U", "clear the filter while typing"]
    ]
  },
  {
    title: "entity",
    keys: [
      ["n", "graph neighbours (Enter walks to a neighbour)"],
      ["o", "everything its owner owns"],
      ["p", "plan its workload (paved.dev/workload, or score.yaml) for dev"]
    ]
  },
  {
    title: "environments",
    keys: [
      ["d", "bring the environment down (asks first; not in read-only mode)"],
      [":up NAME [--runtime docker] SVC...", "bring an environment up with those services (asks first)"]
    ]
  },
  { title: "provisioning", keys: [["a", "in :provision ENV [score.yaml...]: apply the plan (asks first)"]] },
  { title: "mode", keys: [["", readonly ? "read-only: nothing is changed from here" : "read-write (start with --readonly to disable changes)"]] }
]

/** The props of {@link Help}. */
export interface HelpProps {
  readonly sections: ReadonlyArray<HelpSection>
  readonly width: number
  readonly height: number
}

/** The help overlay. */
export const Help = (props: HelpProps) => {
  const lines: Array<{ text: string; bold: boolean }> = []
  for (const s of props.sections) {
    lines.push({ text: s.title, bold: true })
    for (const [k, v] of s.keys) lines.push({ text: `  ${k.padEnd(16)}${v}`, bold: false })
  }
  return (
    <Box flexDirection="column" height={props.height}>
      {lines.slice(0, props.height).map((l, i) => (
        <Text key={i} bold={l.bold} wrap="truncate-end">{fit(l.text, props.width)}</Text>
      ))}
    </Box>
  )
}

/** The props of {@link FacetPicker}. */
export interface FacetPickerProps {
  readonly facets: ReadonlyArray<string>
  readonly facet: number
  readonly values: ReadonlyArray<{ readonly value: string; readonly count: number }>
  readonly cursor: number
  readonly width: number
  readonly height: number
}

/** The facet picker: the facets as tabs, then the values among the current matches. */
export const FacetPicker = (props: FacetPickerProps) => {
  const rows = Math.max(1, props.height - 2)
  const offset = Math.max(0, Math.min(props.cursor - rows + 1, props.values.length - rows))
  const start = Math.max(0, Math.min(offset, props.cursor))
  return (
    <Box flexDirection="column" height={props.height}>
      <Text wrap="truncate-end">
        {truncate(props.facets.map((f, i) => (i === props.facet ? `[${f}]` : ` ${f} `)).join(" "), props.width)}
      </Text>
      <Text dimColor wrap="truncate-end">{truncate("values among the current matches (count)", props.width)}</Text>
      {props.values.slice(start, start + rows).map((v, k) => (
        <Text key={v.value} inverse={start + k === props.cursor} wrap="truncate-end">
          {fit(`${String(v.count).padStart(7)}  ${v.value}`, props.width)}
        </Text>
      ))}
    </Box>
  )
}

/** The props of {@link Confirm}. */
export interface ConfirmProps {
  readonly prompt: string
  readonly width: number
  readonly height: number
}

/** The confirmation asked before any change. */
export const Confirm = (props: ConfirmProps) => (
  <Box flexDirection="column" height={props.height}>
    <Text bold color="yellow" wrap="truncate-end">{truncate(props.prompt, props.width)}</Text>
    <Text wrap="truncate-end">{truncate("y to confirm, any other key cancels", props.width)}</Text>
  </Box>
)
