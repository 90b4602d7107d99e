/**
 * Turning inputs (files, directories, globs) into file lists. Directories yield every
 * `catalog-info.yaml` / `catalog-info.yml` below them; globs support `*`, `**` and `?`.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"

const SKIP = new Set(["node_modules", ".git", ".paved", "dist"])
const CATALOG_FILE = /^catalog-info\.ya?ml$/

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

/** Walks a directory (bounded by `limit` files), yielding files that match `accept`. */
export const walk = async (
  dir: string,
  accept: (file: string, name: string) => boolean,
  limit: number
): Promise<Array<string>> => {
  const found: Array<string> = []
  const pending = [dir]
  while (pending.length > 0 && found.length < limit) {
    const current = pending.pop()!
    let entries: Array<import("node:fs").Dirent>
    try {
      entries = await fs.readdir(current, { withFileTypes: true })
    } catch {
      continue
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const full = path.join(current, entry.name)
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith(".")) pending.push(full)
      } else if (entry.isFile() && accept(full, entry.name) && found.length < limit) found.push(full)
    }
  }
  return found.sort()
}

/** Every catalog file under a directory. */
export const catalogFilesIn = (dir: string, limit: number) => walk(dir, (_f, name) => CATALOG_FILE.test(name), limit)

/** Every file matching an absolute glob. */
export const globFiles = async (absolutePattern: string, limit: number): Promise<Array<string>> => {
  const regex = globRegex(absolutePattern)
  const base = globBase(absolutePattern)
  return walk(base, (file) => regex.test(file.split(path.sep).join("/")), limit)
}
