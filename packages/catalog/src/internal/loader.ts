/**
 * The file loader behind `Catalog.load`: inputs to files, files to documents, documents to
 * validated entities, Location entities to more files (cycle-safe, inside the root), then
 * relations and integrity over everything accepted. Every failure is recorded as a problem;
 * nothing here rejects.
 *
 * Containment: every file is read only after its real path (symbolic links resolved) is found
 * inside the real path of its root, whichever way it was reached (an input, a directory walk, a
 * Location target or a Location glob), so a link inside a catalog repository never makes the
 * loader read, or quote, a file outside it.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as path from "node:path"
import type { LoadProgress } from "../Catalog.js"
import type { CatalogSourceError, ReadResult, Source } from "../CatalogSource.js"
import type { Entity } from "../Entity.js"
import * as Integrity from "../Integrity.js"
import type { Registry } from "../KindRegistry.js"
import { type Problem, sort as sortProblems } from "../Problem.js"
import * as Relations from "../Relations.js"
import { globBase, isGlob } from "./discover.js"
import {
  type Accepted,
  acceptDocuments,
  catalogApiVersions,
  declaresEntity,
  fileProblem,
  type LocationMet,
  needsPlaceholders,
  type PlaceholdersResolved,
  type Position,
  readDocuments,
  type Sink
} from "./entityFile.js"
import { isInside, resolvePlaceholders } from "./placeholders.js"
import { pathToString } from "./validateEntity.js"
import { pathKeys, positionAt } from "./yamlSource.js"

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
  /** Where files are listed and read (`CatalogSource`; the file system by default). */
  readonly source: Source
  /** Called after each file is read (see `LoadOptions.onProgress`). */
  readonly onProgress?: ((progress: LoadProgress) => void) | undefined
}

/** What loading produced. */
export interface Loaded {
  readonly entities: ReadonlyArray<Accepted>
  readonly problems: ReadonlyArray<Problem>
  readonly sources: ReadonlyArray<{ readonly file: string; readonly location: string; readonly ok: boolean }>
  /** YAML files found in directories that hold no catalog entity (Kubernetes, CI, OpenAPI, ...). */
  readonly skipped: ReadonlyArray<string>
}

/** Where a Location asked for a file: where to report a missing or escaping target. */
interface Via {
  readonly file: string
  readonly where: () => Position
  readonly ref: string
  readonly path: string
  readonly required: boolean
}

interface Job {
  readonly file: string
  readonly root: string
  /** Set when a Location asked for this file (a plain target, or a file its glob matched). */
  readonly via?: Via
  /** Found by walking this directory input: read only if its documents are catalog entities. */
  readonly discovered?: Walked
}

/** A directory input and what its walk found. */
interface Walked {
  readonly input: string
  readonly file: string
  yaml: number
  read: number
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i

const KIND_LOCATION = /^["']?kind["']?[ \t]*:[ \t]*["']?Location["']?[ \t]*(?:#.*)?$/m

/** The directory's top-level `catalog-info.yaml`/`.yml` when it declares a Location (a source that fails here says so again when the directory is listed). */
const locationEntry = (source: Source, dir: string, maxBytes: number): Effect.Effect<string | undefined> => {
  const files = [path.join(dir, "catalog-info.yaml"), path.join(dir, "catalog-info.yml")]
  return source.read(files, maxBytes).pipe(
    Effect.map((reads) => files.find((_, i) => {
      const read = reads[i]
      return read !== undefined && read._tag === "Text" && KIND_LOCATION.test(read.text)
    })),
    Effect.orElseSucceed(() => undefined)
  )
}

/**
 * Lets the event loop turn once (`setImmediate`): timers, signals and worker messages are seen.
 * A fiber that resumes on microtasks only would starve them.
 */
const turn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const immediate = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(immediate))
})

/** Batches asked of the source ahead of the one being parsed. */
const READ_AHEAD = 8

/** A problem for a source that could not answer about a path. */
const sourceFailed = (file: string, error: CatalogSourceError): Problem => ({ severity: "error", file, rule: "source/failed", message: `${error.message}; check the source, then load again` })

/**
 * Loads files, directories and globs. An `Effect` over the source's effects: files are read in
 * batches of `concurrency` (one `source.read` each) and the fiber yields after every batch, so
 * interrupting it stops the load between two batches.
 */
export const loadFiles = (inputs: ReadonlyArray<string>, settings: Settings): Effect.Effect<Loaded> => Effect.suspend(() => {
  const problems: Array<Problem> = []
  const accepted: Array<Accepted> = []
  const sources = new Map<string, boolean>()
  const skipped: Array<string> = []
  const seen = new Set<string>()
  const isCatalogApiVersion = catalogApiVersions(settings.registry)
  const source = settings.source
  const realRoots = new Map<string, string>()
  const realRoot = (root: string): Effect.Effect<string, CatalogSourceError> => {
    const known = realRoots.get(root)
    if (known !== undefined) return Effect.succeed(known)
    return Effect.map(source.realPath(root), (real) => {
      realRoots.set(root, real ?? root)
      return real ?? root
    })
  }
  let queue: Array<Job> = []
  const walks: Array<Walked> = []
  /** Whether a file is new and within `maxFiles`: to be loaded. */
  const admit = (job: Job): boolean => {
    if (seen.has(job.file)) return false
    if (seen.size >= settings.maxFiles) {
      if (seen.size === settings.maxFiles) problems.push({ severity: "error", file: job.file, rule: "input/too-many-files", message: `More than ${settings.maxFiles} files; the rest were skipped. Raise LoadOptions.maxFiles to read them` })
      seen.add(job.file)
      return false
    }
    seen.add(job.file)
    return true
  }
  const enqueue = (job: Job) => {
    if (admit(job)) queue.push(job)
  }

  const addInput = (input: string): Effect.Effect<void, CatalogSourceError> => Effect.gen(function*() {
    const absolute = path.resolve(input)
    if (isGlob(input)) {
      const root = settings.root ?? path.resolve(globBase(input))
      const files = yield* source.glob(absolute, settings.maxFiles)
      if (files.length === 0) problems.push({ severity: "error", file: absolute, rule: "input/no-match", message: `No file matches ${input}; check the pattern (quote it so that the shell does not expand it)` })
      for (const file of files) enqueue({ file, root })
      return
    }
    const real = yield* source.realPath(absolute)
    if (real === undefined) {
      problems.push({ severity: "error", file: absolute, rule: "input/not-found", message: `${input} does not exist; pass a catalog file, a directory or a glob` })
      return
    }
    if ((yield* source.kind(absolute)) === "directory") {
      const root = settings.root ?? absolute
      // A catalog whose top-level catalog-info.yaml is a Location says itself what it holds (as
      // Backstage reads a registered repository): read from there, not every YAML file below,
      // which may hold snapshots or copies the Location leaves out on purpose.
      const entry = yield* locationEntry(source, absolute, settings.maxFileBytes)
      if (entry !== undefined) {
        enqueue({ file: entry, root })
        return
      }
      const walked: Walked = { input, file: absolute, yaml: 0, read: 0 }
      if (source.scan !== undefined) yield* Effect.scoped(loadScanned(source.scan, walked, root))
      else {
        const files = yield* source.yamlFiles(absolute, settings.maxFiles)
        walked.yaml = files.length
        for (const file of files) enqueue({ file, root, discovered: walked })
      }
      // A walk that failed has its problem (source/failed) and no other.
      walks.push(walked)
    } else if (settings.root !== undefined) enqueue({ file: absolute, root: settings.root })
    // A file named on the command line through a link: its directory is the one it really lives in.
    else enqueue(real === absolute ? { file: absolute, root: path.dirname(absolute) } : { file: real, root: path.dirname(real) })
  })

  const escape = (job: Job, via: Via) => {
    const where = via.where()
    problems.push({ severity: "error", file: via.file, line: where.line, column: where.column, path: via.path, ref: via.ref, rule: "location/escape", message: `The target ${job.file} resolves, through a symbolic link, outside the root directory ${job.root}; copy the file into the root instead` })
  }

  /**
   * Whether a job's file may be read. A file found by walking a directory input is contained by
   * construction: the walk starts at the root itself and never follows a link (a link is
   * neither a directory nor a file in a Dirent). Every other file — a Location target, a file a
   * Location glob matched — is checked.
   */
  const contained = (job: Job): Effect.Effect<boolean> => {
    if (job.discovered !== undefined) return Effect.succeed(true)
    return Effect.gen(function*() {
      const real = yield* source.realPath(job.file)
      if (real === undefined || isInside(yield* realRoot(job.root), real)) return true
      if (job.via !== undefined) escape(job, job.via)
      else problems.push({ severity: "error", file: job.file, rule: "location/escape", message: `${job.file} resolves, through a symbolic link, outside the root directory ${job.root}; it was not read. Copy the file into the root instead` })
      return false
    }).pipe(Effect.catchAll((error) => Effect.sync(() => {
      problems.push(sourceFailed(job.file, error))
      sources.set(job.file, false)
      return false
    })))
  }

  /** Locations met while reading a file, followed once the file is done. */
  const locations: Array<LocationMet> = []
  const sink: Sink = { problems, accepted, locations }

  /**
   * Everything done with a file once it is read: synchronous, unless a document holds a
   * placeholder, when the effect that resolves them (through the source) is returned.
   */
  function loadFile(job: Job, read: ReadResult): Effect.Effect<void> | undefined {
    if (job.discovered !== undefined && read._tag !== "Missing") job.discovered.read++
    if (read._tag === "Missing") {
      if (job.via === undefined) problems.push({ severity: "error", file: job.file, rule: "input/not-found", message: `${job.file} does not exist` })
      else if (job.via.required) {
        const where = job.via.where()
        problems.push({ severity: "error", file: job.via.file, line: where.line, column: where.column, path: job.via.path, ref: job.via.ref, rule: "location/not-found", message: `The target ${job.file} does not exist; fix the target, or set spec.presence: optional` })
      }
      return undefined
    }
    if (read._tag === "Failed") {
      if (job.discovered !== undefined && read.issue.rule !== "file/too-large" && read.issue.rule !== "file/unreadable") {
        job.discovered.read--
        skipped.push(job.file)
        return undefined
      }
      problems.push({ severity: "error", file: job.file, line: 1, column: 1, rule: read.issue.rule, message: read.issue.message })
      sources.set(job.file, false)
      return undefined
    }
    if (job.discovered !== undefined && !declaresEntity(read.text, isCatalogApiVersion)) {
      job.discovered.read--
      skipped.push(job.file)
      return undefined
    }
    const { documents, issues } = readDocuments(read.text, settings)
    for (const issue of issues) problems.push(fileProblem(job.file, issue))
    const ok = issues.length === 0
    if (!documents.some(needsPlaceholders)) {
      sources.set(job.file, acceptDocuments(job.file, documents, ok, undefined, settings.registry, sink))
      return undefined
    }
    return Effect.gen(function*() {
      const resolved: Array<PlaceholdersResolved | undefined> = []
      for (const d of documents) {
        resolved.push(needsPlaceholders(d)
          ? yield* resolvePlaceholders(d.value, job.file, { root: job.root, maxFileBytes: settings.maxFileBytes, maxAliasCount: settings.maxAliasCount, source })
          : undefined)
      }
      sources.set(job.file, acceptDocuments(job.file, documents, ok, resolved, settings.registry, sink))
    })
  }

  const followLocation = (entity: Entity, ref: string, job: Job, position: (p: ReadonlyArray<PropertyKey>) => Position): Effect.Effect<void> => Effect.gen(function*() {
    const spec = entity.spec ?? {}
    const required = spec.presence !== "optional"
    const type = typeof spec.type === "string" ? spec.type : "file"
    const targets: Array<[string, ReadonlyArray<PropertyKey>]> = []
    if (typeof spec.target === "string") targets.push([spec.target, ["spec", "target"]])
    if (Array.isArray(spec.targets)) spec.targets.forEach((t, i) => typeof t === "string" && targets.push([t, ["spec", "targets", i]]))
    for (const [target, p] of targets) {
      const at = () => {
        const pos = position(p)
        return { file: job.file, line: pos.line, column: pos.column, path: pathToString(p), ref }
      }
      // Backstage resolves a relative `url` target against the location's own URL; for a local
      // location file that is its directory, as for `file`.
      if (REMOTE.test(target) || (type !== "file" && type !== "url")) {
        problems.push({ severity: "warning", ...at(), rule: "location/remote", message: `The target ${target} is not a local file and is not read while loading files; vendor it, or point at a file path` })
        continue
      }
      const resolved = path.resolve(path.dirname(job.file), target)
      if (!isInside(job.root, resolved)) {
        problems.push({ severity: "error", ...at(), rule: "location/escape", message: `The target ${target} resolves to ${resolved}, outside the root directory ${job.root}; keep targets inside the root, or set LoadOptions.root` })
        continue
      }
      const via: Via = { file: job.file, where: () => position(p), ref, path: pathToString(p), required }
      if (isGlob(target)) {
        const listed = yield* Effect.either(Effect.gen(function*() {
          // The glob's fixed part must really lie inside the root before anything below it is listed.
          const base = yield* source.realPath(globBase(resolved))
          if (base !== undefined && !isInside(yield* realRoot(job.root), base)) return "escape" as const
          return base === undefined ? [] : yield* source.glob(resolved, settings.maxFiles)
        }))
        if (listed._tag === "Left") {
          problems.push({ severity: "error", ...at(), rule: "source/failed", message: `${listed.left.message}; check the source, then load again` })
          continue
        }
        if (listed.right === "escape") {
          problems.push({ severity: "error", ...at(), rule: "location/escape", message: `The target ${target} starts in ${globBase(resolved)}, which resolves through a symbolic link outside the root directory ${job.root}; nothing was read there. Copy the files into the root instead` })
          continue
        }
        const files = listed.right
        if (files.length === 0 && required) problems.push({ severity: "error", ...at(), rule: "location/not-found", message: `No file matches ${target}; fix the pattern, or set spec.presence: optional` })
        for (const file of files) enqueue({ file, root: job.root, via })
        continue
      }
      enqueue({ file: resolved, root: job.root, via })
    }
  })

  // Progress costs nothing when nobody listens.
  let done = 0
  const onProgress = settings.onProgress === undefined ? undefined : (file: string) => {
    done++
    settings.onProgress!({ files: done, total: seen.size, entities: accepted.length, skipped: skipped.length, file })
  }

  /** What a file the source gave no result for reads as. */
  const noResult: ReadResult = { _tag: "Failed", issue: { rule: "file/unreadable", message: `Cannot read the file: the catalog source (${source.name}) gave no result for it` } }

  /** Reads one batch (a single `source.read`) of the files that may be read. */
  const readBatch = (jobs: ReadonlyArray<Job>): Effect.Effect<{ readonly readable: ReadonlyArray<Job>; readonly reads: ReadonlyArray<ReadResult> }> => Effect.gen(function*() {
    const readable: Array<Job> = []
    for (const job of jobs) {
      if (job.discovered !== undefined || (yield* contained(job))) readable.push(job)
      else onProgress?.(job.file)
    }
    const reads = yield* source.read(readable.map((j) => j.file), settings.maxFileBytes).pipe(
      Effect.catchAll((error) => Effect.succeed(readable.map((): ReadResult => ({ _tag: "Failed", issue: { rule: "file/unreadable", message: `Cannot read the file: ${error.message}` } }))))
    )
    return { readable, reads }
  })

  /**
   * Loads one file that was read, then follows the Locations it declares: synchronous for a
   * plain file, else the effect that resolves its placeholders and follows its Locations.
   */
  const loadOne = (job: Job, read: ReadResult): Effect.Effect<void> | undefined => {
    const pending = loadFile(job, read)
    if (pending === undefined && locations.length === 0) {
      onProgress?.(job.file)
      return undefined
    }
    return Effect.gen(function*() {
      if (pending !== undefined) yield* pending
      while (locations.length > 0) {
        const l = locations.shift()!
        yield* followLocation(l.entity, l.ref, job, l.locate)
      }
      onProgress?.(job.file)
    })
  }

  /** Loads the files of a batch that was read, in order. */
  const loadBatch = ({ readable, reads }: { readonly readable: ReadonlyArray<Job>; readonly reads: ReadonlyArray<ReadResult> }): Effect.Effect<void> => Effect.gen(function*() {
    for (let i = 0; i < readable.length; i++) {
      const pending = loadOne(readable[i]!, reads[i] ?? noResult)
      if (pending !== undefined) yield* pending
    }
  })

  /** One round of batches, read by the source ahead of the one parsed here. */
  const loadRound = (batches: ReadonlyArray<ReadonlyArray<Job>>): Effect.Effect<void> => Effect.gen(function*() {
    // The next batches are asked for before this one is parsed, so a source that reads elsewhere
    // (a network) reads while this thread parses. Both fibers are children of this one: an
    // interrupt stops them too.
    const ahead: Array<Fiber.Fiber<Effect.Effect.Success<ReturnType<typeof readBatch>>>> = []
    let asked = 0
    for (let b = 0; b < batches.length; b++) {
      while (asked < batches.length && asked <= b + READ_AHEAD) ahead.push(yield* Effect.fork(readBatch(batches[asked++]!)))
      const read = yield* Fiber.join(ahead.shift()!)
      yield* loadBatch(read)
      // A source read synchronously never suspends, and a fiber resumed on microtasks starves
      // the event loop: let it turn, so that a timeout or a signal (Ctrl-C) interrupts here.
      yield* turn
    }
  })

  /**
   * Loads a directory input through the source's scan: each batch as it comes, its files
   * admitted in the order found (so `maxFiles` cuts the same files on every run).
   */
  const loadScanned = (scan: NonNullable<Source["scan"]>, walked: Walked, root: string): Effect.Effect<void, CatalogSourceError, Scope.Scope> => Effect.gen(function*() {
    const scanning = yield* scan(walked.file, { limit: settings.maxFiles, maxBytes: settings.maxFileBytes, batch: Math.max(1, settings.concurrency) })
    while (true) {
      const batch = yield* scanning.next
      if (batch === undefined) return
      walked.yaml += batch.files.length
      const readable: Array<Job> = []
      const reads: Array<ReadResult> = []
      for (let i = 0; i < batch.files.length; i++) {
        const job: Job = { file: batch.files[i]!, root, discovered: walked }
        if (!admit(job)) continue
        readable.push(job)
        reads.push(batch.reads[i] ?? noResult)
      }
      yield* loadBatch({ readable, reads })
      yield* turn
    }
  })

  return Effect.gen(function*() {
    for (const input of inputs) {
      yield* addInput(input).pipe(Effect.catchAll((error) => Effect.sync(() => problems.push(sourceFailed(path.resolve(input), error)))))
    }
    const size = Math.max(1, settings.concurrency)
    while (queue.length > 0) {
      const batches: Array<ReadonlyArray<Job>> = []
      for (let i = 0; i < queue.length; i += size) batches.push(queue.slice(i, i + size))
      queue = []
      yield* loadRound(batches)
    }

    for (const w of walks) {
      if (w.read > 0) continue
      problems.push({
        severity: "error",
        file: w.file,
        rule: "input/no-match",
        message: w.yaml === 0
          ? `No YAML file under ${w.input}; pass a directory that holds catalog files (*.yaml, *.yml), the files themselves, or a glob`
          : `None of the ${w.yaml} YAML files under ${w.input} declares a catalog entity (apiVersion backstage.io/*, scaffolder.backstage.io/* or a registered kind's); pass the files themselves to validate them anyway`
      })
    }
    return finish(accepted, problems, sources, skipped, settings)
  })
})

const byFileThenDocument = (a: Accepted, b: Accepted) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.document - b.document)

const finish = (
  accepted: Array<Accepted>,
  problems: Array<Problem>,
  sources: Map<string, boolean>,
  skipped: Array<string>,
  settings: Settings
): Loaded => {
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
  // A literal, not `{ ...a, entity }`: V8 gives each object made by a spread its own hidden class.
  const entities = unique.map((a, i): Accepted => ({
    entity: withRelations[i]!, ref: a.ref, file: a.file, line: a.line, column: a.column, location: a.location, document: a.document, positions: a.positions
  }))
  if (settings.integrity !== false) {
    const found = Integrity.check(withRelations, { policy: settings.integrity, registry: settings.registry })
    // Integrity problems repeat a few paths (`spec.owner`, `spec.dependsOn[0]`) over many entities.
    const keysByPath = new Map<string, ReadonlyArray<string>>()
    for (const p of found) problems.push(positioned(p, firstByRef, keysByPath))
  }
  return {
    entities,
    // Files are read concurrently; sorting makes the report the same on every run.
    problems: sortProblems(problems),
    sources: [...sources.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([file, ok]) => ({ file, location: `file:${file}`, ok })),
    skipped: skipped.sort()
  }
}

/**
 * Adds file, line and column to a problem found over the whole set, from positions kept at
 * parse time. Integrity's problems are fresh objects of its own, so they are located in place:
 * `{ ...p, file, line, column }` would give each of ~10,000 problems a hidden class of its own.
 */
const positioned = (p: Problem, byRef: ReadonlyMap<string, Accepted>, keysByPath: Map<string, ReadonlyArray<string>>): Problem => {
  const origin = p.ref === undefined ? undefined : byRef.get(p.ref)
  if (origin === undefined) return p
  const start = { line: origin.line, column: origin.column }
  let pos = start
  if (p.path !== undefined) {
    let keys = keysByPath.get(p.path)
    if (keys === undefined) keysByPath.set(p.path, (keys = pathKeys(splitPath(p.path))))
    pos = positionAt(origin.positions, keys, start)
  }
  const located = p as { -readonly [K in keyof Problem]: Problem[K] }
  located.file = origin.file
  located.line = pos.line
  located.column = pos.column
  return p
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
