/**
 * Where catalog files come from. `Catalog.load` lists and reads entity files through the
 * `CatalogSource` in its context: `layerFileSystem` (the default when none is provided) reads
 * the local disk; `layerMemory` serves files held in memory (tests, generated catalogs); a Git
 * source (files at a commit of a repository) is one more layer of the same shape.
 *
 * The operations are synchronous on purpose: the loader calls them once per file on its hot path
 * (10,000 files in well under a second), where an effect per file would cost more than the read.
 * A source whose files live elsewhere (a Git object store, an archive, a remote API) fetches
 * what it serves when its layer is built, in a scoped layer that releases it afterwards.
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
import * as Layer from "effect/Layer"
import * as path from "node:path"
import * as discover from "./internal/discover.js"
import { readTextSync } from "./internal/yamlSource.js"

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
 * The operations a catalog source offers. Paths are absolute, in the platform's form; lists
 * are sorted and hold at most `limit` files.
 *
 * @since 0.2.0
 */
export interface Source {
  /** A name for messages and spans (`file system`, `memory`, `git <url>@<commit>`). */
  readonly name: string
  /** What is at a path. */
  readonly kind: (path: string) => "file" | "directory" | "missing"
  /** The path with symbolic links resolved, or `undefined` when nothing is there. */
  readonly realPath: (path: string) => string | undefined
  /** The `*.yaml`/`*.yml` files below a directory (not below `.`-directories, `node_modules`, `.git`, `.paved`, `dist`). */
  readonly yamlFiles: (directory: string, limit: number) => ReadonlyArray<string>
  /** The files matching an absolute glob (`*`, `**`, `?`, `[...]`). */
  readonly glob: (absolutePattern: string, limit: number) => ReadonlyArray<string>
  /** A file's text, refused above `maxBytes`. */
  readonly read: (file: string, maxBytes: number) => ReadResult
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
 * @since 0.2.0
 */
export const fileSystem: Source = {
  name: "file system",
  kind: (p) => (discover.realPath(p) === undefined ? "missing" : discover.isDirectory(p) ? "directory" : "file"),
  realPath: discover.realPath,
  yamlFiles: discover.yamlFilesIn,
  glob: discover.globFiles,
  read: readTextSync
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
export const memory = (files: Readonly<Record<string, string>>): Source => {
  const texts = new Map(Object.entries(files).map(([file, text]) => [path.resolve(file), text]))
  const sorted = [...texts.keys()].sort()
  const below = (directory: string) => {
    const prefix = directory.endsWith(path.sep) ? directory : directory + path.sep
    return sorted.filter((f) => f.startsWith(prefix))
  }
  const visible = (directory: string, file: string) =>
    path.relative(directory, file).split(path.sep).slice(0, -1).every((d) => !discover.SKIPPED_DIRECTORIES.has(d) && !d.startsWith("."))
  const kind = (p: string): "file" | "directory" | "missing" => {
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
 * Serves the files given from memory ({@link memory}).
 *
 * @since 0.2.0
 */
export const layerMemory = (files: Readonly<Record<string, string>>): Layer.Layer<CatalogSource> => Layer.succeed(CatalogSource, memory(files))
