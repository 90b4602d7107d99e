/**
 * The file loader behind `Catalog.load`: inputs to files, files to documents, documents to
 * validated entities, Location entities to more files (cycle-safe, inside the root), then
 * relations and integrity over everything accepted. Every failure is recorded as a problem;
 * nothing here rejects.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { Entity } from "../Entity.js"
import * as EntityRef from "../EntityRef.js"
import * as Integrity from "../Integrity.js"
import type { Registry } from "../KindRegistry.js"
import { type Problem, type Severity, sort as sortProblems } from "../Problem.js"
import * as Relations from "../Relations.js"
import { catalogFilesIn, globBase, globFiles, isGlob } from "./discover.js"
import { hasPlaceholder, isInside, isInsideReal, resolvePlaceholders } from "./placeholders.js"
import { pathToString, validateEntity } from "./validateEntity.js"
import { parseFast } from "./fastYaml.js"
import { type FileIssue, locate, parseDocuments, readText } from "./yamlSource.js"

/** Options with every default applied. */
export interface Settings {
  readonly root: string | undefined
  readonly maxFileBytes: number
  readonly maxAliasCount: number
  readonly maxDocuments: number
  readonly maxFiles: number
  readonly concurrency: number
  readonly integrity: Integrity.Policy | false
  readonly registry: Registry
}

/** An accepted entity and where it came from. */
export interface Accepted {
  readonly entity: Entity
  readonly ref: EntityRef.EntityRef
  readonly file: string
  readonly line: number
  readonly column: number
  readonly location: string
  readonly document: number
}

/** What loading produced. */
export interface Loaded {
  readonly entities: ReadonlyArray<Accepted>
  readonly problems: ReadonlyArray<Problem>
  readonly sources: ReadonlyArray<{ readonly file: string; readonly location: string; readonly ok: boolean }>
}

interface Job {
  readonly file: string
  readonly root: string
  /** Set when a Location asked for this file: where to report a missing required target. */
  readonly via?: { readonly file: string; readonly where: () => Position; readonly ref: string; readonly path: string; readonly required: boolean }
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i

interface Position {
  readonly line: number
  readonly column: number
}

/** A document ready for validation, with a way to find the position of a JSON path in it. */
interface Document {
  readonly index: number
  readonly value: unknown
  readonly empty: boolean
  readonly line: number
  readonly column: number
  readonly issues: ReadonlyArray<FileIssue>
  readonly locate: (path: ReadonlyArray<PropertyKey>) => Position
}

/**
 * Reads the documents of a file: on the fast path when the text is plain YAML (positions then
 * come from a full `yaml` parse made only if a problem needs one), with `yaml` otherwise.
 */
const readDocuments = (
  text: string,
  settings: Settings
): { readonly documents: ReadonlyArray<Document>; readonly issues: ReadonlyArray<FileIssue> } => {
  const fast = parseFast(text)
  if (fast !== undefined && fast.length <= settings.maxDocuments) {
    let full: ReturnType<typeof parseDocuments> | undefined
    return {
      issues: [],
      documents: fast.map((d, index) => ({
        index,
        value: d.value,
        empty: d.value === null,
        line: d.line,
        column: d.column,
        issues: [],
        locate: (p) => {
          full ??= parseDocuments(text, settings)
          const doc = full.documents[index]
          return doc === undefined ? { line: d.line, column: d.column } : locate(doc.doc, full.lines, p)
        }
      }))
    }
  }
  const parsed = parseDocuments(text, settings)
  return {
    issues: parsed.issues,
    documents: parsed.documents.map((d) => ({ ...d, locate: (p: ReadonlyArray<PropertyKey>) => locate(d.doc, parsed.lines, p) }))
  }
}

/** Loads files, directories and globs. */
export const loadFiles = async (inputs: ReadonlyArray<string>, settings: Settings): Promise<Loaded> => {
  const problems: Array<Problem> = []
  const accepted: Array<Accepted> = []
  const sources = new Map<string, boolean>()
  const seen = new Set<string>()
  let queue: Array<Job> = []
  const pendingGlobs: Array<Promise<void>> = []
  const enqueue = (job: Job) => {
    if (seen.has(job.file)) return
    if (seen.size >= settings.maxFiles) {
      if (seen.size === settings.maxFiles) problems.push({ severity: "error", file: job.file, rule: "input/too-many-files", message: `More than ${settings.maxFiles} files; the rest were skipped. Raise LoadOptions.maxFiles to read them` })
      seen.add(job.file)
      return
    }
    seen.add(job.file)
    queue.push(job)
  }

  for (const input of inputs) {
    const absolute = path.resolve(input)
    if (isGlob(input)) {
      const root = settings.root ?? path.resolve(globBase(input))
      const files = await globFiles(absolute, settings.maxFiles)
      if (files.length === 0) problems.push({ severity: "warning", file: absolute, rule: "input/no-match", message: `No file matches ${input}; check the pattern` })
      for (const file of files) enqueue({ file, root })
      continue
    }
    const stat = await fs.stat(absolute).catch(() => undefined)
    if (stat === undefined) {
      problems.push({ severity: "error", file: absolute, rule: "input/not-found", message: `${input} does not exist; pass a catalog file, a directory or a glob` })
    } else if (stat.isDirectory()) {
      const root = settings.root ?? absolute
      const files = await catalogFilesIn(absolute, settings.maxFiles)
      if (files.length === 0) problems.push({ severity: "warning", file: absolute, rule: "input/no-match", message: `No catalog-info.yaml under ${input}; pass the files themselves or a glob such as "${input}/**/*.yaml"` })
      for (const file of files) enqueue({ file, root })
    } else enqueue({ file: absolute, root: settings.root ?? path.dirname(absolute) })
  }

  async function loadFile(job: Job): Promise<void> {
    if (job.via !== undefined && !(await isInsideReal(job.root, job.file))) {
      const where = job.via.where()
      problems.push({ severity: "error", file: job.via.file, line: where.line, column: where.column, path: job.via.path, ref: job.via.ref, rule: "location/escape", message: `The target ${job.file} is a symbolic link to a file outside the root directory ${job.root}; copy the file into the root instead` })
      return
    }
    const read = await readText(job.file, settings.maxFileBytes)
    if (read._tag === "Missing") {
      if (job.via === undefined) problems.push({ severity: "error", file: job.file, rule: "input/not-found", message: `${job.file} does not exist` })
      else if (job.via.required) {
        const where = job.via.where()
        problems.push({ severity: "error", file: job.via.file, line: where.line, column: where.column, path: job.via.path, ref: job.via.ref, rule: "location/not-found", message: `The target ${job.file} does not exist; fix the target, or set spec.presence: optional` })
      }
      return
    }
    const location = `file:${job.file}`
    if (read._tag === "Failed") {
      problems.push({ severity: "error", file: job.file, line: read.issue.line ?? 1, column: read.issue.column ?? 1, rule: read.issue.rule, message: read.issue.message })
      sources.set(job.file, false)
      return
    }
    let ok = true
    const { documents, issues } = readDocuments(read.text, settings)
    for (const issue of issues) {
      problems.push({ severity: "error", file: job.file, line: issue.line ?? 1, column: issue.column ?? 1, rule: issue.rule, message: issue.message })
      ok = false
    }
    for (const document of documents) {
      if (document.issues.length > 0) {
        ok = false
        for (const issue of document.issues) problems.push({ severity: "error", file: job.file, line: issue.line ?? document.line, column: issue.column ?? document.column, rule: issue.rule, message: issue.message })
        continue
      }
      if (document.empty) continue
      const at = (severity: Severity, p: ReadonlyArray<PropertyKey>, rule: string, message: string, ref: string | undefined): Problem => {
        const pos = document.locate(p)
        return { severity, file: job.file, line: pos.line, column: pos.column, ...(p.length > 0 ? { path: pathToString(p) } : {}), ...(ref === undefined ? {} : { ref }), rule, message }
      }
      let value = document.value
      const local: Array<Problem> = []
      const refOf = guessRef(value)
      if (hasPlaceholder(value)) {
        const resolved = await resolvePlaceholders(value, job.file, { root: job.root, maxFileBytes: settings.maxFileBytes, maxAliasCount: settings.maxAliasCount })
        value = resolved.value
        for (const i of resolved.issues) local.push(at(i.severity, i.path, i.rule, i.message, refOf))
      }
      const validated = validateEntity(value, settings.registry)
      for (const i of validated.issues) local.push(at(i.severity, i.path, i.rule, i.message, refOf))
      const entity = validated.entity
      if (entity !== undefined && Relations.hasInvalidRefs(entity, settings.registry)) {
        for (const invalid of Relations.outgoing(entity, settings.registry).invalid) {
          local.push(at("error", invalid.path, "relation/invalid-ref", invalid.message, refOf))
        }
      }
      problems.push(...local)
      if (entity === undefined || local.some((p) => p.severity === "error")) {
        ok = false
        continue
      }
      const ref = EntityRef.of(entity)
      accepted.push({ entity, ref, file: job.file, line: document.line, column: document.column, location, document: document.index })
      if (entity.kind === "Location") followLocation(entity, ref, job, document.locate)
    }
    sources.set(job.file, ok)
  }

  function followLocation(entity: Entity, ref: string, job: Job, position: (p: ReadonlyArray<PropertyKey>) => Position): void {
    const spec = entity.spec ?? {}
    const required = spec.presence !== "optional"
    const targets: Array<[string, ReadonlyArray<PropertyKey>]> = []
    if (typeof spec.target === "string") targets.push([spec.target, ["spec", "target"]])
    if (Array.isArray(spec.targets)) spec.targets.forEach((t, i) => typeof t === "string" && targets.push([t, ["spec", "targets", i]]))
    for (const [target, p] of targets) {
      // Positions cost a second parse when the file was read on the fast path: only on a problem.
      const at = () => {
        const pos = position(p)
        return { file: job.file, line: pos.line, column: pos.column, path: pathToString(p), ref }
      }
      if (REMOTE.test(target) || (typeof spec.type === "string" && spec.type !== "file")) {
        problems.push({ severity: "warning", ...at(), rule: "location/remote", message: `The target ${target} is not a local file and is not read while loading files; vendor it, or point at a file path` })
        continue
      }
      const resolved = path.resolve(path.dirname(job.file), target)
      if (!isInside(job.root, resolved)) {
        problems.push({ severity: "error", ...at(), rule: "location/escape", message: `The target ${target} resolves to ${resolved}, outside the root directory ${job.root}; keep targets inside the root, or set LoadOptions.root` })
        continue
      }
      if (isGlob(target)) {
        pendingGlobs.push(globFiles(resolved, settings.maxFiles).then((files) => {
          if (files.length === 0 && required) problems.push({ severity: "error", ...at(), rule: "location/not-found", message: `No file matches ${target}; fix the pattern, or set spec.presence: optional` })
          for (const file of files) enqueue({ file, root: job.root })
        }))
        continue
      }
      enqueue({ file: resolved, root: job.root, via: { file: job.file, where: () => position(p), ref, path: pathToString(p), required } })
    }
  }
  while (pendingGlobs.length > 0 || queue.length > 0) {
    await Promise.all(pendingGlobs.splice(0))
    const batch = queue
    queue = []
    for (let i = 0; i < batch.length; i += settings.concurrency) {
      await Promise.all(batch.slice(i, i + settings.concurrency).map((job) => loadFile(job)))
    }
  }

  return finish(accepted, problems, sources, settings)
}

const guessRef = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const v = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }
  if (typeof v.kind !== "string" || typeof v.metadata?.name !== "string" || v.metadata.name.length === 0) return undefined
  const namespace = typeof v.metadata.namespace === "string" && v.metadata.namespace.length > 0 ? v.metadata.namespace : EntityRef.DEFAULT_NAMESPACE
  return `${v.kind}:${namespace}/${v.metadata.name}`.toLowerCase()
}

const byFileThenDocument = (a: Accepted, b: Accepted) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.document - b.document)

const finish = async (
  accepted: Array<Accepted>,
  problems: Array<Problem>,
  sources: Map<string, boolean>,
  settings: Settings
): Promise<Loaded> => {
  accepted.sort(byFileThenDocument)
  const unique: Array<Accepted> = []
  const firstByRef = new Map<string, Accepted>()
  for (const a of accepted) {
    const first = firstByRef.get(a.ref)
    if (first === undefined) {
      firstByRef.set(a.ref, a)
      unique.push(a)
      continue
    }
    problems.push({ severity: "error", file: a.file, line: a.line, column: a.column, ref: a.ref, rule: "entity/duplicate", message: `${a.ref} is already defined at ${first.file}:${first.line}; rename one of them or remove the copy` })
    sources.set(a.file, false)
  }
  const withRelations = Relations.attach(unique.map((a) => a.entity), settings.registry)
  const entities = unique.map((a, i) => ({ ...a, entity: withRelations[i]! }))
  if (settings.integrity !== false) {
    const found = Integrity.check(withRelations, { policy: settings.integrity, registry: settings.registry })
    problems.push(...(await positioned(found, firstByRef, settings)))
  }
  return {
    entities,
    // Files are read concurrently; sorting makes the report the same on every run.
    problems: sortProblems(problems),
    sources: [...sources.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([file, ok]) => ({ file, location: `file:${file}`, ok }))
  }
}

/** Adds file, line and column to problems found over the whole set, parsing only the files concerned. */
const positioned = async (found: ReadonlyArray<Problem>, byRef: ReadonlyMap<string, Accepted>, settings: Settings): Promise<Array<Problem>> => {
  const cache = new Map<string, ReturnType<typeof parseDocuments> | undefined>()
  const out: Array<Problem> = []
  for (const p of found) {
    const origin = p.ref === undefined ? undefined : byRef.get(p.ref)
    if (origin === undefined) {
      out.push(p)
      continue
    }
    if (!cache.has(origin.file)) {
      const read = await readText(origin.file, settings.maxFileBytes)
      cache.set(origin.file, read._tag === "Text" ? parseDocuments(read.text, settings) : undefined)
    }
    const parsed = cache.get(origin.file)
    const document = parsed?.documents[origin.document]
    const pos = parsed !== undefined && document !== undefined && p.path !== undefined
      ? locate(document.doc, parsed.lines, splitPath(p.path))
      : { line: origin.line, column: origin.column }
    out.push({ ...p, file: origin.file, line: pos.line, column: pos.column })
  }
  return out
}

/** `spec.dependsOn[2]` → `["spec", "dependsOn", 2]` */
export const splitPath = (p: string): Array<PropertyKey> =>
  p.split(".").flatMap((segment) => {
    const parts: Array<PropertyKey> = []
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(segment)
    if (m === null) return [segment]
    if (m[1]!.length > 0) parts.push(m[1]!)
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]))
    return parts
  })
