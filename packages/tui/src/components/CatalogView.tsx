/**
 * The catalog list: the filter line (`/` to type, facets as `kind:x` tokens) above a
 * virtualised table of the entities that match.
 */
import { Box, Text } from "ink"
import type { CatalogIndex, SearchResult } from "../state/catalogIndex.js"
import type { ColumnSpec } from "../state/columns.js"
import type { ListState } from "../state/list.js"
import { truncate } from "../state/text.js"
import { Table } from "./Table.js"

/** The columns of the catalog list. */
export const catalogColumns: ReadonlyArray<ColumnSpec> = [
  { header: "KIND", min: 9, weight: 0 },
  { header: "NAME", min: 16, weight: 4 },
  { header: "OWNER", min: 10, weight: 2 },
  { header: "LIFECYCLE", min: 12, weight: 0 },
  { header: "TYPE", min: 8, weight: 1 },
  { header: "TAGS", min: 8, weight: 2 }
]

/** The cells of one catalog row. */
export const catalogCells = (index: CatalogIndex, row: number): ReadonlyArray<string> => {
  const r = index.rows[row]!
  return [
    r.kind,
    r.namespace === "default" ? r.name : `${r.namespace}/${r.name}`,
    r.ownerLabel,
    r.lifecycle,
    r.type,
    r.tags.join(",")
  ]
}

/** The props of {@link CatalogView}. */
export interface CatalogViewProps {
  readonly index: CatalogIndex
  readonly result: SearchResult
  readonly filter: string
  readonly editing: boolean
  /** Nothing has arrived from the store yet. */
  readonly loading: boolean
  readonly list: ListState
  readonly width: number
  readonly height: number
}

/** The rows of the table (the body minus the filter line and the table header). */
export const catalogRows = (bodyHeight: number): number => Math.max(1, bodyHeight - 2)

/** The catalog view. */
export const CatalogView = (props: CatalogViewProps) => {
  const filterLine = props.editing
    ? `/${props.filter}▏`
    : props.filter.length > 0
    ? `filter: ${props.filter}  (/ edit, Esc clear)`
    : "/ to filter, f for facets"
  return (
    <Box flexDirection="column" height={props.height}>
      <Text {...(props.editing ? { color: "cyan" } : {})} dimColor={!props.editing && props.filter.length === 0} wrap="truncate-end">
        {truncate(filterLine, props.width)}
      </Text>
      <Table
        columns={catalogColumns}
        total={props.result.matches.length}
        cellsAt={(i) => catalogCells(props.index, props.result.matches[i]!)}
        list={props.list}
        height={props.height - 1}
        width={props.width}
        empty={props.loading
          ? "loading the catalog…"
          : props.index.rows.length === 0
          ? "the catalog is empty (load files with paved ui PATH... or paved catalog ingest)" : "nothing matches the filter"}
      />
    </Box>
  )
}
