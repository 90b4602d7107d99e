/**
 * Where catalog files come from. `Catalog.load` lists and reads entity files through the
 * `CatalogSource` in its context: `layerFileSystem` (the default when none is provided) reads
 * the local disk; `layerMemory` serves files held in memory (tests, generated catalogs); a Git
 * source (files at a commit of a repository) is one more layer of the same shape.
 *
 * Every operation returns an `Effect`, so a source may do I/O of any kind (a `git` process, a
 * network call) and `Catalog.load` can be interrupted between its calls. Reads are
 * batch-oriented: the loader asks for many files in one `read` (see `LoadOptions.concurrency`),
 * which keeps the cost of an effect per call negligible next to the files it reads. A source
 * fails with a {@link CatalogSourceError}; the loader reports it as a located problem
 * (`source/failed`, or `file/unreadable` for a file it could not read), never as a defect.
 * A source written as plain functions is adapted with {@link fromSync}.
 *
 * @example
 * import { Catalog, CatalogSource } from "@paved/catalog"
 * import * as Effect from "effect/Effect"
 *
 * const result = Catalog.load(["/catalog"]).pipe(
 *   Effect.provide(CatalogSource.layerMemory({ "/catalog/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\n..." }))
 * )
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as path from "node:path"
import * as discover from "./internal/discover.js"
import * as scanWorker from "./internal/scanWorker.js"

/**
 * What reading a file gave: its text (strict UTF-8, a leading byte-order mark removed), nothing
 * there, or a failure a person can act on (`file/too-large`, `file/encoding`,
 * `file/not-a-file`, `file/unreadable`).
 *
 * @since 0.2.0
 */
export type ReadResult =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Failed"; readonly issue: { readonly rule: string; readonly message: string } }

/**
 * What is at a path: a file, a directory, or nothing.
 *
 * @since 0.2.0
 */
export type Kind = "file" | "directory" | "missing"

/**
 * A source could not answer (a `git` process died, a network call failed, a directory could
 * not be listed): which source, which operation, on which path, and why. `Catalog.load` turns
 * it into a problem located at that path (`source/failed`; `file/unreadable` for a read), so
 * loading still never fails for bad input.
 *
 * @since 0.2.0
 */
export class CatalogSourceError extends Data.TaggedError("CatalogSourceError")<{
  readonly source: string
  readonly operation: "kind" | "realPath" | "yamlFiles" | "glob" | "read"
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `The catalog source (${this.source}) failed to ${this.operation} ${this.path}: ${this.reason}`
  }
}

/**
 * The operations a catalog source offers, each an `Effect` that may fail with a
 * {@link CatalogSourceError}. Paths are absolute, in the platform's form; lists are sorted and
 * hold at most `limit` files.
 *
 * Migrating a synchronous source written for 0.2.0's first shape (`kind`, `realPath`,
 * `yamlFiles`, `glob` returning values, `read(file, maxBytes)` one file at a time): wrap it in
 * {@link fromSync}, which also catches what its functions throw.
 *
 * @since 0.2.0
 */
export interface Source {
  /** A name for messages and spans (`file system`, `memory`, `git <url>@<commit>`). */
  readonly name: string
  /** What is at a path. */
  readonly kind: (path: string) => Effect.Effect<Kind, CatalogSourceError>
  /** The path with symbolic links resolved, or `undefined` when nothing is there. */
  readonly realPath: (path: string) => Effect.Effect<string | undefined, CatalogSourceError>
  /** The `*.yaml`/`*.yml` files below a directory (not below `.`-directories, `node_modules`, `.git`, `.paved`, `dist`). */
  readonly yamlFiles: (directory: string, limit: number) => Effect.Effect<ReadonlyArray<string>, CatalogSourceError>
  /** The files matching an absolute glob (`*`, `**`, `?`, `[...]`). */
  readonly glob: (absolutePattern: string, limit: number) => Effect.Effect<ReadonlyArray<string>, CatalogSourceError>
  /**
   * The texts of many files, in the order asked (one result per file), each refused above
   * `maxBytes`. A file that cannot be read is a `Failed` result; an error fails the batch.
   */
  readonly read: (files: ReadonlyArray<string>, maxBytes: number) => Effect.Effect<ReadonlyArray<ReadResult>, CatalogSourceError>
  /**
   * Optional: `yamlFiles` and `read` in one pass, for a source that can walk and read at once
   * while the loader parses (the file system does, on a worker thread). It starts a scan of the
   * directory's YAML files (at most `limit`, each read under `maxBytes`) whose `next` gives them
   * in batches of about `batch` files as they are found, in any order, and `undefined` once
   * every file was given. The scope bounds the scan: closing it stops what is left. A source
   * without it is walked with `yamlFiles`, then read with `read`.
   */
  readonly scan?: (directory: string, options: ScanOptions) => Effect.Effect<Scan, CatalogSourceError, Scope.Scope>
}

/**
 * What a {@link Source.scan} is asked for.
 *
 * @since 0.2.0
 */
export interface ScanOptions {
  readonly limit: number
  readonly maxBytes: number
  readonly batch: number
}

/**
 * A scan in progress ({@link Source.scan}): `next` gives the next batch of files with what
 * reading each gave (`reads[i]` for `files[i]`), or `undefined` when the scan is done.
 *
 * @since 0.2.0
 */
export interface Scan {
  readonly next: Effect.Effect<{ readonly files: ReadonlyArray<string>; readonly reads: ReadonlyArray<ReadResult> } | undefined, CatalogSourceError>
}

/**
 * A source written as plain synchronous functions, one file per `read`: what
 * {@link fromSync} adapts.
 *
 * @since 0.2.0
 */
export interface SyncSource {
  readonly name: string
  readonly kind: (path: string) => Kind
  readonly realPath: (path: string) => string | undefined
  readonly yamlFiles: (directory: string, limit: number) => ReadonlyArray<string>
  readonly glob: (absolutePattern: string, limit: number) => ReadonlyArray<string>
  readonly read: (file: string, maxBytes: number) => ReadResult
}

/**
 * Adapts a synchronous source: each operation runs in `Effect.try`, so a function that throws
 * gives a {@link CatalogSourceError} (a located problem), not a defect; `read` reads a batch
 * file by file in one effect.
 *
 * @since 0.2.0
 */
export const fromSync = (sync: SyncSource): Source => {
  const attempt = <A>(operation: CatalogSourceError["operation"], at: string, f: () => A): Effect.Effect<A, CatalogSourceError> =>
    Effect.try({
      try: f,
      catch: (cause) => new CatalogSourceError({ source: sync.name, operation, path: at, reason: cause instanceof Error ? cause.message : String(cause) })
    })
  return {
    name: sync.name,
    kind: (p) => attempt("kind", p, () => sync.kind(p)),
    realPath: (p) => attempt("realPath", p, () => sync.realPath(p)),
    yamlFiles: (directory, limit) => attempt("yamlFiles", directory, () => sync.yamlFiles(directory, limit)),
    glob: (pattern, limit) => attempt("glob", pattern, () => sync.glob(pattern, limit)),
    read: (files, maxBytes) => {
      let at = files[0] ?? ""
      return attempt("read", at, () => files.map((file) => {
        at = file
        return sync.read(file, maxBytes)
      })).pipe(Effect.mapError((e) => (e.path === at ? e : new CatalogSourceError({ ...e, path: at }))))
    }
  }
}

/**
 * The catalog source service.
 *
 * @since 0.2.0
 */
export class CatalogSource extends Context.Tag("@paved/catalog/CatalogSource")<CatalogSource, Source>() {}

/**
 * The local file system: reads without blocking on FIFOs or devices, walks directories without
 * following links, and resolves real paths so the loader can keep Location targets inside their
 * root.
 *
 * It is built on `node:fs`'s synchronous calls, not on `@effect/platform`'s `FileSystem`: a
 * catalog is thousands of small files, and one effect and one thread-pool round trip per
 * `open`/`fstat`/`read`/`close` cost more than the read itself (see docs/decisions.md). Each
 * operation is still an `Effect`, and a batch is one of them, so a load is interrupted between
 * batches. Its `scan` walks a directory on the loader's thread until it has met 1,000 entries,
 * then on a worker thread, which reads the files it finds and sends them back in batches, so
 * that the loader parses on one core while the next files are found and read on another
 * (`PAVED_CATALOG_WORKER=off` keeps it on one thread; see `internal/scanWorker.ts`).
 *
 * @since 0.2.0
 */
export const fileSystem: Source = {
  ...fromSync({
    name: "file system",
    kind: (p) => (discover.realPath(p) === undefined ? "missing" : discover.isDirectory(p) ? "directory" : "file"),
    realPath: discover.realPath,
    yamlFiles: discover.yamlFilesIn,
    glob: discover.globFiles,
    read: discover.local.readText
  }),
  scan: (directory, { limit, maxBytes, batch }) => scanWorker.scan(directory, limit, maxBytes, batch)
}

/**
 * Reads the local file system ({@link fileSystem}); what `Catalog.load` uses when no source is
 * provided.
 *
 * @since 0.2.0
 */
export const layerFileSystem: Layer.Layer<CatalogSource> = Layer.succeed(CatalogSource, fileSystem)

/**
 * A source serving the files given, by absolute path (relative paths are resolved against the
 * working directory). There are no links: a real path is the path itself.
 *
 * @since 0.2.0
 */
export const memory = (files: Readonly<Record<string, string>>): Source => fromSync(memorySync(files))

/**
 * The synchronous functions behind {@link memory}, for a source that spreads them (a Git
 * source naming itself `git <url>@<commit>`) before adapting it with {@link fromSync}.
 *
 * @since 0.2.0
 */
export const memorySync = (files: Readonly<Record<string, string>>): SyncSource => {
  const texts = new Map(Object.entries(files).map(([file, text]) => [path.resolve(file), text]))
  const sorted = [...texts.keys()].sort()
  const below = (directory: string) => {
    const prefix = directory.endsWith(path.sep) ? directory : directory + path.sep
    return sorted.filter((f) => f.startsWith(prefix))
  }
  const visible = (directory: string, file: string) =>
    path.relative(directory, file).split(path.sep).slice(0, -1).every((d) => !discover.SKIPPED_DIRECTORIES.has(d) && !d.startsWith("."))
  const kind = (p: string): Kind => {
    const resolved = path.resolve(p)
    return texts.has(resolved) ? "file" : below(resolved).length > 0 ? "directory" : "missing"
  }
  return {
    name: "memory",
    kind,
    realPath: (p) => (kind(p) === "missing" ? undefined : path.resolve(p)),
    yamlFiles: (directory, limit) => below(path.resolve(directory)).filter((f) => discover.isYamlFile(f) && visible(directory, f)).slice(0, limit),
    glob: (pattern, limit) => {
      const regex = discover.globRegex(pattern)
      return sorted.filter((f) => regex.test(f.split(path.sep).join("/"))).slice(0, limit)
    },
    read: (file, maxBytes) => {
      const text = texts.get(path.resolve(file))
      if (text === undefined) return kind(file) === "directory"
        ? { _tag: "Failed", issue: { rule: "file/not-a-file", message: `${file} is a directory, not a file; point at a YAML file inside it` } }
        : { _tag: "Missing" }
      const bytes = Buffer.byteLength(text)
      return bytes > maxBytes
        ? { _tag: "Failed", issue: { rule: "file/too-large", message: `The file is ${bytes} bytes, above the limit of ${maxBytes}; split it, or raise LoadOptions.maxFileBytes` } }
        : { _tag: "Text", text }
    }
  }
}

/**
 * A layer serving the source given: a hand-written one, or one adapted with {@link fromSync}.
 *
 * @since 0.2.0
 */
export const layer = (source: Source): Layer.Layer<CatalogSource> => Layer.succeed(CatalogSource, source)

/**
 * Serves the files given from memory ({@link memory}).
 *
 * @since 0.2.0
 */
export const layerMemory = (files: Readonly<Record<string, string>>): Layer.Layer<CatalogSource> => Layer.succeed(CatalogSource, memory(files))
