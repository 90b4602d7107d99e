import * as YAML from "yaml"

/** A parsed YAML document that can tell the line and column of any path in it. */
export interface PositionedDocument {
  readonly value: unknown
  readonly errors: ReadonlyArray<{ readonly message: string; readonly line: number; readonly column: number }>
  readonly positionOf: (path: ReadonlyArray<PropertyKey>) => { readonly line: number; readonly column: number }
}

export const parsePositioned = (text: string): PositionedDocument => {
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset)
    return { line: pos.line, column: pos.col }
  }
  const positionOf = (path: ReadonlyArray<PropertyKey>) => {
    // Walk down as far as the path exists; a missing key is reported at its parent.
    for (let n = path.length; n >= 0; n--) {
      const keys = path.slice(0, n).map((k) => (typeof k === "symbol" ? String(k) : k))
      const node = n === 0 ? doc.contents : doc.getIn(keys, true)
      if (YAML.isNode(node) && node.range) {
        // For a map entry, point at the key rather than the value when we can.
        if (n > 0) {
          const parent = n === 1 ? doc.contents : doc.getIn(keys.slice(0, -1), true)
          if (YAML.isMap(parent)) {
            const pair = parent.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === String(keys[n - 1]))
            if (pair && YAML.isNode(pair.key) && pair.key.range) return at(pair.key.range[0])
          }
        }
        return at(node.range[0])
      }
    }
    return { line: 1, column: 1 }
  }
  const errors = doc.errors.map((e) => {
    const [line, column] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [at(e.pos[0]).line, at(e.pos[0]).column]
    return { message: e.message.split("\n")[0] ?? e.message, line, column }
  })
  return { value: errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }), errors, positionOf }
}
