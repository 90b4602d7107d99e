/**
 * Walking directories for files and reading files as text: the one implementation, used on the
 * loader's thread (`discover.ts`, `yamlSource.ts`) and on the scan worker (`scanWorker.ts`).
 *
 * It is written as one self-contained function, {@link scanner}, that refers to nothing but its
 * parameters and JavaScript's globals, so that the scan worker runs this very code from its
 * source text (`scanner.toString()`, evaluated in the worker): no second copy to drift, and no
 * module for a worker thread to load (the worker is up in ~40 ms, from the package's dist, the
 * CLI's bundle or TypeScript sources alike). Keep it that way: an import used inside it would
 * be undefined in the worker (the scan worker's test loads a catalog through the worker).
 *
 * The walk is synchronous on purpose: one `readdir` per directory with file types, no `stat`
 * per file, and no thread-pool round trip per call (a sequential `await readdir` walk of 10k
 * directories spent most of its time idle). Symbolic links are never followed inside a walk:
 * a link is neither a directory nor a regular file in a `Dirent`. Reading is synchronous too
 * (open, fstat, read, close), with the size checked before reading, strict UTF-8, and no
 * blocking on a FIFO or device (`O_NONBLOCK`).
 */
import type * as NodeFs from "node:fs"
import type { FileIssue } from "./yamlSource.js"

/** The outcome of reading a file as text. */
export type ReadText =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Failed"; readonly issue: FileIssue }

/** A walk in progress: the directories still to list, deepest last (a stack). */
export interface WalkState {
  readonly pending: Array<string>
  /** Files accepted so far. */
  files: number
  /** Directory entries met so far. */
  entries: number
}

/** What {@link scanner} gives. */
export interface Scanner {
  /** Directories a walk never enters (besides every directory whose name starts with a dot). */
  readonly skippedDirectories: ReadonlySet<string>
  /** Whether a file name ends in `.yaml` or `.yml`. */
  readonly isYamlName: (name: string) => boolean
  /**
   * Lists directories from `state.pending` until none is left or `limit` files were accepted,
   * calling `onFile` for each regular file `accept` takes. `prune` says whether a directory
   * may be skipped; `stop`, asked after each directory, ends the walk early (the rest stays in
   * `state.pending`, for another walk to go on with).
   */
  readonly walk: (
    state: WalkState,
    accept: (file: string, name: string) => boolean,
    limit: number,
    onFile: (file: string) => void,
    prune?: (directory: string) => boolean,
    stop?: () => boolean
  ) => void
  /** Reads a file as strict UTF-8 after checking its size against `maxBytes`. */
  readonly readText: (file: string, maxBytes: number) => ReadText
}

/** Builds the walk and the reader over `fs`, with `sep` between path segments. Self-contained (see above). */
export function scanner(fs: typeof NodeFs, sep: string): Scanner {
  const skippedDirectories: ReadonlySet<string> = new Set(["node_modules", ".git", ".paved", "dist"])
  const yamlName = /\.ya?ml$/i
  const decoder = new TextDecoder("utf-8", { fatal: true })
  const openFlags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0)
  const never = (): boolean => false

  const walk: Scanner["walk"] = (state, accept, limit, onFile, prune = never, stop = never) => {
    const pending = state.pending
    while (pending.length > 0 && state.files < limit) {
      const current = pending.pop()!
      let entries: Array<NodeFs.Dirent>
      try {
        entries = fs.readdirSync(current, { withFileTypes: true })
      } catch {
        continue
      }
      state.entries += entries.length
      for (const entry of entries) {
        const name = entry.name
        const full = current.endsWith(sep) ? current + name : current + sep + name
        if (entry.isDirectory()) {
          if (!skippedDirectories.has(name) && name.charCodeAt(0) !== 46 /* . */ && !prune(full)) pending.push(full)
        } else if (entry.isFile() && state.files < limit && accept(full, name)) {
          state.files++
          onFile(full)
        }
      }
      if (stop()) return
    }
  }

  const readText = (file: string, maxBytes: number): ReadText => {
    let fd: number | undefined
    try {
      fd = fs.openSync(file, openFlags)
      const stat = fs.fstatSync(fd)
      if (stat.isDirectory()) return { _tag: "Failed", issue: { rule: "file/not-a-file", message: `${file} is a directory, not a file; point at a YAML file inside it` } }
      if (!stat.isFile()) return { _tag: "Failed", issue: { rule: "file/not-a-file", message: `${file} is not a regular file (a FIFO, socket or device); point at a YAML file` } }
      if (stat.size > maxBytes) {
        return {
          _tag: "Failed",
          issue: { rule: "file/too-large", message: `The file is ${stat.size} bytes, above the limit of ${maxBytes}; split it, or raise LoadOptions.maxFileBytes` }
        }
      }
      // One byte more than the size tells a file that grew while it was read. A read that brings
      // the file to the size it had needs no second read to see its end (one system call fewer
      // per file); a read short of it (a network file system may return less) reads on.
      const buffer = Buffer.allocUnsafe(stat.size + 1)
      let length = 0
      while (length < buffer.length) {
        const n = fs.readSync(fd, buffer, length, buffer.length - length, null)
        length += n
        if (n === 0 || length === stat.size) break
      }
      if (length > stat.size && length > maxBytes) {
        return { _tag: "Failed", issue: { rule: "file/too-large", message: `The file grew above the limit of ${maxBytes} bytes while it was read; split it, or raise LoadOptions.maxFileBytes` } }
      }
      try {
        const text = decoder.decode(buffer.subarray(0, Math.min(length, stat.size)))
        return { _tag: "Text", text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text }
      } catch {
        return { _tag: "Failed", issue: { rule: "file/encoding", message: "The file is not valid UTF-8; save it as UTF-8" } }
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code === "ENOENT" || code === "ENOTDIR") return { _tag: "Missing" }
      return { _tag: "Failed", issue: { rule: "file/unreadable", message: `Cannot read the file (${String(code ?? error)}); check its permissions` } }
    } finally {
      if (fd !== undefined) fs.closeSync(fd)
    }
  }

  return { skippedDirectories, isYamlName: (name) => yamlName.test(name), walk, readText }
}
