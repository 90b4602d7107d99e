/**
 * Turning inputs (files, directories, globs) into file lists on the file system. Directories
 * yield every `*.yaml` / `*.yml` below them (the loader then keeps those whose documents are
 * catalog entities); globs support `*`, `**` and `?`. The walk and the reader are `scanner.ts`'s
 * (see there why they are synchronous, and why links are never followed inside a walk).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { scanner } from "./scanner.js"

/** The walk and the reader on this thread. */
export const local = scanner(fs, path.sep)

/** Directories a walk never enters (besides every directory whose name starts with a dot). */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = local.skippedDirectories

/** Whether an input is a glob pattern. */
export const isGlob = (input: string): boolean => /[*?[]/.test(input)

/** The directory a glob starts from: every segment before the first one with a wildcard. */
export const globBase = (pattern: string): string => {
  const segments = pattern.split(/[/\\]/)
  const fixed: Array<string> = []
  for (const s of segments) {
    if (isGlob(s)) break
    fixed.push(s)
  }
  const base = fixed.join("/")
  return base === "" ? (pattern.startsWith("/") ? "/" : ".") : base
}

const escapeRegex = (s: string) => s.replace(/[.+^${}()|\\]/g, "\\$&")

/** Compiles a glob (`**` any depth, `*` within a segment, `?` one character) to a regex over absolute paths. */
export const globRegex = (absolutePattern: string): RegExp => {
  let out = ""
  const p = absolutePattern.split(path.sep).join("/")
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === "*" && p[i + 1] === "*") {
      const slash = p[i + 2] === "/"
      out += slash ? "(?:.*/)?" : ".*"
      i += slash ? 2 : 1
    } else if (c === "*") out += "[^/]*"
    else if (c === "?") out += "[^/]"
    else if (c === "[") {
      const end = p.indexOf("]", i)
      if (end === -1) out += "\\["
      else {
        out += p.slice(i, end + 1)
        i = end
      }
    } else out += escapeRegex(c)
  }
  return new RegExp(`^${out}$`)
}

/**
 * Walks a directory (bounded by `limit` files), giving the regular files that `accept` takes, in
 * sorted order. `prune` says whether a directory whose path cannot match may be skipped.
 */
export const walk = (
  dir: string,
  accept: (file: string, name: string) => boolean,
  limit: number,
  prune?: (directory: string) => boolean
): Array<string> => {
  const found: Array<string> = []
  local.walk({ pending: [dir], files: 0, entries: 0 }, accept, limit, (file) => found.push(file), prune)
  return found.sort()
}

/** Every `*.yaml` / `*.yml` file under a directory. */
export const yamlFilesIn = (dir: string, limit: number): Array<string> => walk(dir, (_f, name) => local.isYamlName(name), limit)

/** The real path of a file, or `undefined` when it does not exist (one `realpath` system call). */
export const realPath = (file: string): string | undefined => {
  try {
    return fs.realpathSync.native(file)
  } catch {
    return undefined
  }
}

/** Every file matching an absolute glob. */
export const globFiles = (absolutePattern: string, limit: number): Array<string> => {
  const regex = globRegex(absolutePattern)
  const base = globBase(absolutePattern)
  const anyDepth = absolutePattern.includes("**")
  const depth = absolutePattern.split("/").length
  // Without `**`, a directory deeper than the pattern can never hold a match.
  return walk(base, (file) => regex.test(file.split(path.sep).join("/")), limit, (d) => !anyDepth && d.split(path.sep).length >= depth)
}

/** Whether a path is a directory (links followed, as `stat` does); `false` when nothing is there. */
export const isDirectory = (file: string): boolean => {
  try {
    return fs.statSync(file).isDirectory()
  } catch {
    return false
  }
}

/** Whether a file name ends in `.yaml` or `.yml`. */
export const isYamlFile = (file: string): boolean => local.isYamlName(file)
