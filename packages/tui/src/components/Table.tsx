/**
 * A virtualised table: only the rows in the window are built and drawn, so a list of 100k
 * entities costs the same to draw as a list of 20.
 */
import { Box, Text } from "ink"
import { type ColumnSpec, layout, row } from "../state/columns.js"
import * as List from "../state/list.js"
import { fit } from "../state/text.js"

/** The props of {@link Table}. */
export interface TableProps {
  readonly columns: ReadonlyArray<ColumnSpec>
  readonly total: number
  /** The cells of row `i` (called only for visible rows). */
  readonly cellsAt: (i: number) => ReadonlyArray<string>
  readonly list: List.ListState
  /** Rows for the table, header included. */
  readonly height: number
  readonly width: number
  /** What to show when there are no rows. */
  readonly empty: string
}

/** The table. */
export const Table = (props: TableProps) => {
  const widths = layout(props.columns, props.width)
  const rows = Math.max(1, props.height - 1)
  const { from, to } = List.visible(props.list, props.total, rows)
  const cursor = List.settle(props.list, props.total, rows).cursor
  const lines = []
  for (let i = from; i < to; i++) {
    lines.push(
      <Text key={i} inverse={i === cursor} wrap="truncate-end">{fit(row(props.cellsAt(i), widths), props.width)}</Text>
    )
  }
  return (
    <Box flexDirection="column" height={props.height}>
      <Text bold wrap="truncate-end">{row(props.columns.map((c) => c.header), widths)}</Text>
      {props.total === 0 ? <Text dimColor wrap="truncate-end">{fit(props.empty, props.width)}</Text> : lines}
    </Box>
  )
}
