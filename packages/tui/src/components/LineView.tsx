/**
 * A scrollable list of lines with a cursor (entity detail, neighbours, owners); lines that open
 * another view are drawn as links.
 */
import { Box, Text } from "ink"
import type { Line } from "../state/lines.js"
import * as List from "../state/list.js"
import { fit } from "../state/text.js"

/** The props of {@link LineView}. */
export interface LineViewProps {
  readonly lines: ReadonlyArray<Line>
  readonly list: List.ListState
  readonly height: number
  readonly width: number
}

const colors: Partial<Record<Line["style"], string>> = { error: "red", warning: "yellow", ok: "green", link: "cyan" }

/** The line view. */
export const LineView = (props: LineViewProps) => {
  const { from, to } = List.visible(props.list, props.lines.length, props.height)
  const cursor = List.settle(props.list, props.lines.length, props.height).cursor
  return (
    <Box flexDirection="column" height={props.height}>
      {props.lines.slice(from, to).map((l, k) => {
        const i = from + k
        const color = colors[l.style]
        return (
          <Text
            key={i}
            inverse={i === cursor}
            bold={l.style === "heading"}
            dimColor={l.style === "dim"}
            {...(color === undefined ? {} : { color })}
            wrap="truncate-end"
          >
            {fit(l.text, props.width)}
          </Text>
        )
      })}
    </Box>
  )
}
