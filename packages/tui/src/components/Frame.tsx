/**
 * The frame around every view: a header with where you are, the body, a status line for
 * notices, and the key hints that are always visible at the bottom.
 */
import { Box, Text } from "ink"
import type { ReactNode } from "react"
import { displayWidth, fit, truncate } from "../state/text.js"

/** A key and what it does, as the hints line shows it. */
export interface Hint {
  readonly key: string
  readonly label: string
}

/** The props of {@link Frame}. */
export interface FrameProps {
  readonly width: number
  readonly height: number
  /** Where you are: the back stack, root first. */
  readonly crumbs: ReadonlyArray<string>
  /** Right side of the header (counts, read-only marker). */
  readonly info: string
  readonly hints: ReadonlyArray<Hint>
  /** A notice for the status line (empty: none). */
  readonly message: string
  readonly messageStyle?: "error" | "info"
  readonly children: ReactNode
}

/** The rows the body of a frame has. */
export const bodyHeight = (height: number): number => Math.max(1, height - 3)

/** The hints line: as many hints as fit, in order. */
export const hintsLine = (hints: ReadonlyArray<Hint>, width: number): string => {
  let out = ""
  for (const h of hints) {
    const part = `${out.length === 0 ? "" : "  "}${h.key} ${h.label}`
    if (displayWidth(out + part) > width) break
    out += part
  }
  return out
}

/** The header: breadcrumbs on the left, `info` on the right, cut to the width. */
export const headerLine = (crumbs: ReadonlyArray<string>, info: string, width: number): string => {
  const right = truncate(info, Math.max(0, Math.floor(width / 2)))
  const room = Math.max(0, width - displayWidth(right) - (right.length > 0 ? 1 : 0))
  // Keep the end of a long back stack: the current view matters most.
  let left = ["paved", ...crumbs].join(" › ")
  if (displayWidth(left) > room) left = "…" + [...left].slice(-(room - 1)).join("")
  return fit(left, room) + (right.length > 0 ? " " + right : "")
}

/** The frame. */
export const Frame = (props: FrameProps) => (
  <Box flexDirection="column" width={props.width} height={props.height}>
    <Text bold inverse wrap="truncate-end">{fit(headerLine(props.crumbs, props.info, props.width), props.width)}</Text>
    <Box flexDirection="column" height={bodyHeight(props.height)} overflow="hidden">
      {props.children}
    </Box>
    <Text color={props.messageStyle === "error" ? "red" : "yellow"} wrap="truncate-end">
      {props.message.length === 0 ? " " : truncate(props.message, props.width)}
    </Text>
    <Text dimColor wrap="truncate-end">{hintsLine(props.hints, props.width)}</Text>
  </Box>
)
