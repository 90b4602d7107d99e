/**
 * What one catalog file gives once it is read: its documents, each validated into an accepted
 * entity or problems located in the file. Nothing here touches the loader's state or a source.
 */
import type { LoadedEntity } from "../Catalog.js"
import type { Entity } from "../Entity.js"
import * as EntityRef from "../EntityRef.js"
import type { Registry } from "../KindRegistry.js"
import type { Problem, Severity } from "../Problem.js"
import * as Relations from "../Relations.js"
import { parseFast } from "./fastYaml.js"
import { hasPlaceholder, type PlaceholderIssue } from "./placeholders.js"
import { pathToString, validateEntity } from "./validateEntity.js"
import { cutDocuments, type FileIssue, parseDocuments, type ParsedDocument, type Positions, positionOf, tooManyDocuments } from "./yamlSource.js"

/** The limits a file is read under. */
export interface FileLimits {
  readonly maxFileBytes: number
  readonly maxAliasCount: number
  readonly maxDocuments: number
}

/** An accepted entity and where it came from. */
export interface Accepted extends LoadedEntity {
  readonly document: number
  /** Positions of the document's nodes, for problems found over the whole set. */
  readonly positions: Positions
}

export interface Position {
  readonly line: number
  readonly column: number
}

/** A Location entity met in a file: the loader follows its targets. */
export interface LocationMet {
  readonly entity: Entity
  readonly ref: string
  readonly locate: (p: ReadonlyArray<PropertyKey>) => Position
}

/** Where the documents of files go. */
export interface Sink {
  readonly problems: Array<Problem>
  readonly accepted: Array<Accepted>
  readonly locations: Array<LocationMet>
}

/** A document ready for validation, with the positions of its nodes. */
export interface Document extends Omit<ParsedDocument, "entries"> {
  /** Every node's position (for a problem of the document itself); `positions` may hold fewer. */
  readonly allPositions?: () => Positions
}

/**
 * Reads the documents of a file, never more than `maxDocuments` of them: the text is cut before
 * the first document past the limit, then read on the fast path when it is plain YAML, with
 * `yaml` (streamed, stopping at the limit) otherwise.
 */
export const readDocuments = (
  text: string,
  limits: FileLimits
): { readonly documents: ReadonlyArray<Document>; readonly issues: ReadonlyArray<FileIssue> } => {
  const cut = cutDocuments(text, limits.maxDocuments)
  const issues: Array<FileIssue> = cut.more ? [tooManyDocuments(limits.maxDocuments)] : []
  // Only the positions integrity problems need are kept; a document with a problem of its own
  // is read again for all of them (the text is at hand, and the fast reader is cheap).
  const fast = parseFast(cut.text, "refs")
  if (fast !== undefined && fast.length <= limits.maxDocuments) {
    let all: ReturnType<typeof parseFast> | undefined
    return {
      issues,
      documents: fast.map((d, index) => ({
        index, value: d.value, empty: d.value === null, line: d.line, column: d.column, issues: [], positions: d.positions,
        allPositions: () => (all ??= parseFast(cut.text, "all"))?.[index]?.positions ?? d.positions
      }))
    }
  }
  const parsed = parseDocuments(cut.text, limits)
  return { issues: cut.more ? issues : parsed.issues, documents: parsed.documents }
}

/** A problem of the file as a whole (it cannot be read as YAML, it holds too many documents). */
export const fileProblem = (file: string, issue: FileIssue): Problem => ({
  severity: "error", file, line: issue.line ?? 1, column: issue.column ?? 1, rule: issue.rule, message: issue.message
})

/** Whether a document holds a placeholder to resolve (through the source) before validation. */
export const needsPlaceholders = (d: Document): boolean => d.issues.length === 0 && !d.empty && hasPlaceholder(d.value)

const API_VERSION = /^["']?apiVersion["']?[ \t]*:[ \t]*["']?([^\s"'#]+)/gm

/** Whether a YAML text found in a directory declares a catalog entity (see {@link catalogApiVersions}). */
export const declaresEntity = (text: string, known: (apiVersion: string) => boolean): boolean => {
  for (const m of text.matchAll(API_VERSION)) if (known(m[1]!)) return true
  return false
}

/**
 * The `apiVersion`s that make a YAML file found in a directory a catalog file: Backstage's
 * (`backstage.io/*`, `scaffolder.backstage.io/*`) and every one a registered kind declares.
 */
export const catalogApiVersions = (registry: Registry): (apiVersion: string) => boolean => {
  const declared = new Set(registry.kinds.flatMap((k) => k.apiVersions))
  return (v) => v.startsWith("backstage.io/") || v.startsWith("scaffolder.backstage.io/") || declared.has(v)
}

const guessRef = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const v = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }
  if (typeof v.kind !== "string" || typeof v.metadata?.name !== "string" || v.metadata.name.length === 0) return undefined
  const namespace = typeof v.metadata.namespace === "string" && v.metadata.namespace.length > 0 ? v.metadata.namespace : EntityRef.DEFAULT_NAMESPACE
  return `${v.kind}:${namespace}/${v.metadata.name}`.toLowerCase()
}

/** Placeholders resolved for a document: the value to validate and the issues met. */
export interface PlaceholdersResolved {
  readonly value: unknown
  readonly issues: ReadonlyArray<PlaceholderIssue>
}

/**
 * Validates the documents of a file into `sink`: problems for what is wrong, accepted entities
 * for the rest, Location entities to follow. Whether the file is free of errors is returned.
 */
export const acceptDocuments = (
  file: string,
  documents: ReadonlyArray<Document>,
  fileOk: boolean,
  resolved: ReadonlyArray<PlaceholdersResolved | undefined> | undefined,
  registry: Registry,
  sink: Sink
): boolean => {
  let ok = fileOk
  const location = `file:${file}`
  for (const document of documents) {
    if (document.issues.length > 0) {
      ok = false
      for (const issue of document.issues) sink.problems.push({ severity: "error", file, line: issue.line ?? document.line, column: issue.column ?? document.column, rule: issue.rule, message: issue.message })
      continue
    }
    if (document.empty) continue
    const start = { line: document.line, column: document.column }
    const locate = (p: ReadonlyArray<PropertyKey>) => positionOf(document.allPositions?.() ?? document.positions, p, start)
    const at = (severity: Severity, p: ReadonlyArray<PropertyKey>, rule: string, message: string, ref: string | undefined): Problem => {
      const pos = locate(p)
      return { severity, file, line: pos.line, column: pos.column, ...(p.length > 0 ? { path: pathToString(p) } : {}), ...(ref === undefined ? {} : { ref }), rule, message }
    }
    let value = document.value
    const local: Array<Problem> = []
    const refOf = guessRef(value)
    const unresolved: Array<string> = []
    const placeholders = resolved?.[document.index]
    if (placeholders !== undefined) {
      value = placeholders.value
      for (const i of placeholders.issues) {
        local.push(at(i.severity, i.path, i.rule, i.message, refOf))
        if (i.severity === "error") unresolved.push(pathToString(i.path.slice(0, -1)))
      }
    }
    const validated = validateEntity(value, registry)
    // A placeholder that could not be resolved already has its problem; what validation then
    // says about the value it left missing (a required field) would only mislead.
    const hidden = (p: ReadonlyArray<PropertyKey>) => {
      const s = pathToString(p)
      return unresolved.some((u) => s === u || s.startsWith(`${u}.`) || s.startsWith(`${u}[`))
    }
    for (const i of validated.issues) if (!hidden(i.path)) local.push(at(i.severity, i.path, i.rule, i.message, refOf))
    const entity = validated.entity
    if (entity !== undefined && Relations.hasInvalidRefs(entity, registry)) {
      for (const invalid of Relations.outgoing(entity, registry).invalid) {
        local.push(at("error", invalid.path, "relation/invalid-ref", invalid.message, refOf))
      }
    }
    for (const p of local) sink.problems.push(p)
    if (entity === undefined || local.some((p) => p.severity === "error")) {
      ok = false
      continue
    }
    const ref = EntityRef.of(entity)
    sink.accepted.push({ entity, ref, file, line: document.line, column: document.column, location, document: document.index, positions: document.positions })
    if (entity.kind === "Location") sink.locations.push({ entity, ref, locate })
  }
  return ok
}
