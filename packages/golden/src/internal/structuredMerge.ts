/**
 * A key-level 3-way merge for the YAML and JSON files a template shares with the team
 * (`catalog-info.yaml`, `score.yaml`, `package.json`): the template's changes (base -> theirs)
 * are applied, key by key, to the team's file, whose own keys, comments and order are kept. A key
 * the team changed one way and the template another is a conflict: the team's value is kept and
 * the key is named. Documents of a YAML stream are matched by kind and name.
 */
import * as YAML from "yaml"

type Path = ReadonlyArray<string>

interface Change {
  readonly path: Path
  /** `undefined` removes the key. */
  readonly value: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const changes = (base: unknown, theirs: unknown, path: Path, out: Array<Change>): void => {
  if (equal(base, theirs)) return
  if (isObject(base) && isObject(theirs)) {
    for (const key of new Set([...Object.keys(base), ...Object.keys(theirs)])) changes(base[key], theirs[key], [...path, key], out)
    return
  }
  out.push({ path, value: theirs })
}

const getIn = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((v, key) => (isObject(v) ? v[key] : undefined), value)

/** The outcome: the merged text, and the keys that conflicted (kept as the team has them). */
export interface StructuredMerge {
  readonly text: string
  readonly conflicts: ReadonlyArray<string>
}

const decide = (change: Change, base: unknown, ours: unknown, conflicts: Array<string>, label: string): boolean => {
  const mine = getIn(ours, change.path)
  if (equal(mine, change.value)) return false
  if (equal(mine, getIn(base, change.path))) return true
  conflicts.push(`${label}${change.path.join(".")}`)
  return false
}

const docKey = (doc: unknown): string =>
  isObject(doc) ? `${String(doc.kind ?? "")}/${String(isObject(doc.metadata) ? doc.metadata.name : "")}` : ""

const mergeYaml = (ours: string, base: string, theirs: string): StructuredMerge | undefined => {
  const parse = (text: string) => YAML.parseAllDocuments(text)
  const oursDocs = parse(ours)
  const baseDocs = parse(base)
  const theirDocs = parse(theirs)
  if ([...oursDocs, ...baseDocs, ...theirDocs].some((d) => d.errors.length > 0)) return undefined
  const baseByKey = new Map(baseDocs.map((d) => [docKey(d.toJS()), d.toJS() as unknown]))
  const oursByKey = new Map(oursDocs.map((d) => [docKey(d.toJS()), d]))
  const single = oursDocs.length === 1 && baseDocs.length === 1 && theirDocs.length === 1
  const conflicts: Array<string> = []
  const appended: Array<string> = []
  let changed = false
  for (const [i, theirDoc] of theirDocs.entries()) {
    const value = theirDoc.toJS() as unknown
    const key = docKey(value)
    const baseValue = single ? baseDocs[0]!.toJS() as unknown : baseByKey.get(key)
    const ourDoc = single ? oursDocs[0]! : oursByKey.get(key)
    if (ourDoc === undefined) {
      // A document the template adds; one the team removed stays removed.
      if (baseValue === undefined) {
        appended.push(theirDoc.toString({ flowCollectionPadding: false }))
        changed = true
      }
      continue
    }
    const list: Array<Change> = []
    changes(baseValue, value, [], list)
    const label = theirDocs.length > 1 ? `${key || `document ${i + 1}`}: ` : ""
    for (const change of list) {
      if (!decide(change, baseValue, ourDoc.toJS(), conflicts, label)) continue
      if (change.value === undefined) ourDoc.deleteIn(change.path)
      else ourDoc.setIn(change.path, change.value)
      changed = true
    }
  }
  if (!changed) return { text: ours, conflicts }
  const text = [...oursDocs.map((d) => d.toString({ flowCollectionPadding: false })), ...appended]
    .map((t, i) => (i === 0 ? t : t.startsWith("---") ? t : `---\n${t}`))
    .join("")
  return { text, conflicts }
}

const mergeJson = (ours: string, base: string, theirs: string): StructuredMerge | undefined => {
  let parsed: [unknown, unknown, unknown]
  try {
    parsed = [JSON.parse(ours), JSON.parse(base), JSON.parse(theirs)]
  } catch {
    return undefined
  }
  const [mine, baseValue, theirValue] = parsed
  if (!isObject(mine)) return undefined
  const list: Array<Change> = []
  changes(baseValue, theirValue, [], list)
  const conflicts: Array<string> = []
  let changed = false
  for (const change of list) {
    if (!decide(change, baseValue, mine, conflicts, "") || change.path.length === 0) continue
    let target: Record<string, unknown> = mine
    for (const key of change.path.slice(0, -1)) {
      if (!isObject(target[key])) target[key] = {}
      target = target[key] as Record<string, unknown>
    }
    const last = change.path[change.path.length - 1]!
    if (change.value === undefined) delete target[last]
    else target[last] = change.value
    changed = true
  }
  const indent = /^[{[]\n( +|\t)/.exec(ours)?.[1] ?? 2
  return { text: changed ? JSON.stringify(mine, null, indent) + "\n" : ours, conflicts }
}

/**
 * Merges a shared YAML or JSON file key by key; `undefined` when the path is neither, or one of
 * the three texts does not parse (the caller falls back to a line merge).
 */
export const mergeStructured = (path: string, ours: string, base: string, theirs: string): StructuredMerge | undefined =>
  /\.ya?ml$/.test(path) ? mergeYaml(ours, base, theirs) : /\.json$/.test(path) ? mergeJson(ours, base, theirs) : undefined
