/**
 * Path safety for generated files: a template may only write relative paths inside the output
 * directory, whatever its parameters say.
 */
import * as path from "node:path"

/** Why a template-relative path is unsafe, or `undefined` when it is safe. */
export const unsafeReason = (relative: string): string | undefined => {
  if (relative.length === 0) return "it is empty"
  if (relative.includes("\\")) return "it contains a backslash"
  if (relative.includes("\0")) return "it contains a NUL byte"
  if (path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative)) return "it is absolute"
  const segments = relative.split("/")
  if (segments.some((s) => s === "..")) return "it climbs out of the output directory with '..'"
  if (segments.some((s) => s === "" || s === ".")) return "it has an empty or '.' segment"
  if (segments[0] === ".paved") return "'.paved/' is reserved for Paved's own records"
  return undefined
}

/** Whether `target` lies inside `root` (both resolved). */
export const isInside = (root: string, target: string): boolean => {
  const rel = path.relative(path.resolve(root), path.resolve(target))
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))
}
