/**
 * Reading and writing a service's files without ever following a symbolic link.
 *
 * Every operation takes the service directory (the root) and a template-relative POSIX path. The
 * root is resolved once with `realpath` (the person named it; it may be a link). Below it, each
 * parent directory is checked with `lstat` and refused when it is a link or not a directory; the
 * real path of the deepest existing parent must lie inside the real root; the file itself must be
 * absent or a regular file, and is opened with `O_NOFOLLOW` so a link swapped in after the check
 * fails the open instead of being followed. Directories that do not exist are created one level at
 * a time, each checked again after it is made.
 *
 * The calls are synchronous: a check reads thousands of small files, and one synchronous pass per
 * service is several times faster than a thread-pool round trip per file.
 */
import { type PlatformError, SystemError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import * as nodeFs from "node:fs"
import * as nodePath from "node:path"
import { UnsafeFileError } from "../ServiceFiles.js"

/** Directories that are never part of a service's own files. */
const ignored = new Set(["node_modules", ".git", "dist", ".paved"])

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_TRUNC, O_WRONLY } = nodeFs.constants

/** Thrown inside the synchronous helpers, turned into {@link UnsafeFileError} at the edge. */
class Refusal {
  constructor(readonly path: string, readonly reason: string) {}
}

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

const lstatOrUndefined = (file: string): nodeFs.Stats | undefined => {
  try {
    return nodeFs.lstatSync(file)
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined
    throw error
  }
}

const isInside = (root: string, target: string): boolean => {
  const rel = nodePath.relative(root, target)
  return rel === "" || (!rel.startsWith("..") && !nodePath.isAbsolute(rel))
}

/** The service directory's real path (it must exist). */
const realRoot = (dir: string): string => nodeFs.realpathSync(nodePath.resolve(dir))

interface Inspection {
  readonly file: string
  /** Whether the file exists (as a regular file). */
  readonly exists: boolean
  /** How many leading segments of the path exist as real directories. */
  readonly existingParents: number
}

/**
 * Checks `rel` under the real root `root` without following links: refuses a link or a
 * non-directory among its parents, a parent whose real path leaves the root, and a file that is a
 * link or not a regular file.
 */
const inspect = (root: string, rel: string): Inspection => {
  const segments = rel.split("/")
  let current = root
  let existingParents = 0
  for (let i = 0; i < segments.length - 1; i++) {
    const next = nodePath.join(current, segments[i]!)
    const info = lstatOrUndefined(next)
    if (info === undefined) break
    const shown = segments.slice(0, i + 1).join("/")
    if (info.isSymbolicLink()) throw new Refusal(rel, `its parent directory ${shown} is a symbolic link`)
    if (!info.isDirectory()) throw new Refusal(rel, `its parent ${shown} is not a directory`)
    current = next
    existingParents++
  }
  if (!isInside(root, nodeFs.realpathSync(current))) {
    throw new Refusal(rel, `its parent directory resolves outside ${root}`)
  }
  const file = nodePath.join(root, ...segments)
  if (existingParents < segments.length - 1) return { file, exists: false, existingParents }
  const info = lstatOrUndefined(file)
  if (info === undefined) return { file, exists: false, existingParents }
  if (info.isSymbolicLink()) throw new Refusal(rel, `${rel} is a symbolic link`)
  if (!info.isFile()) throw new Refusal(rel, `${rel} is not a regular file`)
  return { file, exists: true, existingParents }
}

const readNoFollow = (rel: string, file: string): string => {
  let fd: number
  try {
    fd = nodeFs.openSync(file, O_RDONLY | O_NOFOLLOW)
  } catch (error) {
    if (codeOf(error) === "ELOOP") throw new Refusal(rel, `${rel} is a symbolic link`)
    throw error
  }
  try {
    return nodeFs.readFileSync(fd, "utf8")
  } finally {
    nodeFs.closeSync(fd)
  }
}

const ensureParents = (root: string, rel: string, existingParents: number): void => {
  const segments = rel.split("/").slice(0, -1)
  let current = nodePath.join(root, ...segments.slice(0, existingParents))
  for (let i = existingParents; i < segments.length; i++) {
    current = nodePath.join(current, segments[i]!)
    try {
      nodeFs.mkdirSync(current)
    } catch (error) {
      if (codeOf(error) !== "EEXIST") throw error
    }
    const info = nodeFs.lstatSync(current)
    if (info.isSymbolicLink() || !info.isDirectory()) {
      throw new Refusal(rel, `its parent directory ${segments.slice(0, i + 1).join("/")} is not a real directory`)
    }
  }
  const expected = nodePath.join(root, ...segments)
  if (nodeFs.realpathSync(expected) !== expected) {
    throw new Refusal(rel, `its parent directory resolves outside ${root}`)
  }
}

const writeNoFollow = (root: string, rel: string, content: string, exclusive: boolean): void => {
  const found = inspect(root, rel)
  ensureParents(root, rel, found.existingParents)
  let fd: number
  try {
    fd = nodeFs.openSync(found.file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | (exclusive ? O_EXCL : 0), 0o666)
  } catch (error) {
    if (codeOf(error) === "ELOOP") throw new Refusal(rel, `${rel} is a symbolic link`)
    if (codeOf(error) === "EEXIST") throw new Refusal(rel, `${rel} appeared while it was being generated`)
    throw error
  }
  try {
    nodeFs.writeFileSync(fd, content)
  } finally {
    nodeFs.closeSync(fd)
  }
}

const attempt = <A>(dir: string, method: string, f: () => A): Effect.Effect<A, UnsafeFileError | PlatformError> =>
  Effect.try({
    try: f,
    catch: (cause): UnsafeFileError | PlatformError =>
      cause instanceof Refusal
        ? new UnsafeFileError({ dir, path: cause.path, reason: cause.reason })
        : new SystemError({
          reason: codeOf(cause) === "ENOENT" ? "NotFound" : codeOf(cause) === "EACCES" ? "PermissionDenied" : "Unknown",
          module: "FileSystem",
          method,
          pathOrDescriptor: dir,
          description: cause instanceof Error ? cause.message : String(cause)
        })
  })

/** What one path holds, as a check sees it. */
export type Probe =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Present"; readonly text: string }
  | { readonly _tag: "Refused"; readonly reason: string }

/**
 * Reads many files of one service: each is `Missing`, `Present` or `Refused` (a link, or under
 * one), so one bad path never hides the others.
 */
export const probeMany = (dir: string, rels: ReadonlyArray<string>): Effect.Effect<Array<Probe>, UnsafeFileError | PlatformError> =>
  attempt(dir, "readFile", () => {
    const root = realRoot(dir)
    return rels.map((rel): Probe => {
      try {
        const found = inspect(root, rel)
        return found.exists ? { _tag: "Present", text: readNoFollow(rel, found.file) } : { _tag: "Missing" }
      } catch (error) {
        if (error instanceof Refusal) return { _tag: "Refused", reason: error.reason }
        throw error
      }
    })
  })

/** Reads one file, `undefined` when it does not exist; refuses links. */
export const readOptional = (dir: string, rel: string): Effect.Effect<string | undefined, UnsafeFileError | PlatformError> =>
  attempt(dir, "readFile", () => {
    const root = realRoot(dir)
    const found = inspect(root, rel)
    return found.exists ? readNoFollow(rel, found.file) : undefined
  })

/** Refuses the first of `rels` that is a link, under one, or not a regular file. */
export const guardAll = (dir: string, rels: Iterable<string>): Effect.Effect<void, UnsafeFileError | PlatformError> =>
  attempt(dir, "lstat", () => {
    const root = realRoot(dir)
    for (const rel of rels) inspect(root, rel)
  })

/** Which of `rels` exist as regular files; refuses links like {@link guardAll}. */
export const existing = (dir: string, rels: Iterable<string>): Effect.Effect<Array<string>, UnsafeFileError | PlatformError> =>
  attempt(dir, "lstat", () => {
    const root = realRoot(dir)
    return [...rels].filter((rel) => inspect(root, rel).exists)
  })

/**
 * Every regular file of a service (relative POSIX paths), skipping build output and
 * dependencies. Links are neither followed nor read: they are listed in `links`.
 */
export const readTree = (
  dir: string
): Effect.Effect<{ readonly files: Record<string, string>; readonly links: ReadonlyArray<string> }, UnsafeFileError | PlatformError> =>
  attempt(dir, "readDirectory", () => {
    const root = realRoot(dir)
    const files: Record<string, string> = {}
    const links: Array<string> = []
    const walk = (rel: string) => {
      const entries = nodeFs.readdirSync(rel === "" ? root : nodePath.join(root, rel), { withFileTypes: true })
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (ignored.has(entry.name)) continue
        const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`
        if (entry.isSymbolicLink()) links.push(childRel)
        else if (entry.isDirectory()) walk(childRel)
        else if (entry.isFile()) files[childRel] = readNoFollow(childRel, nodePath.join(root, childRel))
      }
    }
    walk("")
    return { files, links }
  })

/**
 * Writes a file, creating its directories, without following links. With `exclusive`, the file
 * must not exist (scaffolding never overwrites).
 */
export const writeFile = (
  dir: string,
  rel: string,
  content: string,
  options: { readonly exclusive?: boolean } = {}
): Effect.Effect<void, UnsafeFileError | PlatformError> =>
  attempt(dir, "writeFile", () => writeNoFollow(realRoot(dir), rel, content, options.exclusive === true))

/** Removes a file if it exists; refuses links like {@link guardAll}. */
export const removeFile = (dir: string, rel: string): Effect.Effect<void, UnsafeFileError | PlatformError> =>
  attempt(dir, "remove", () => {
    const found = inspect(realRoot(dir), rel)
    if (found.exists) nodeFs.unlinkSync(found.file)
  })
