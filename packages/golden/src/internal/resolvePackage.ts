/**
 * Resolving an npm package specifier (`name` or `name/subpath`) from a directory to the file an
 * ES module `import` would load: node_modules lookup upwards, then the `exports` map with the
 * `import`/`node`/`default` conditions (first match in object order, as Node does), then
 * `module`/`main`. `import.meta.resolve` cannot take another base directory on Node 20, and
 * `require.resolve` misses packages that only export for `import`.
 */
import * as Either from "effect/Either"
import * as fs from "node:fs"
import * as path from "node:path"

const conditions = new Set(["import", "node", "default"])

const pick = (entry: unknown): string | undefined => {
  if (typeof entry === "string") return entry
  if (Array.isArray(entry)) {
    for (const e of entry) {
      const found = pick(e)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (typeof entry === "object" && entry !== null) {
    for (const [key, value] of Object.entries(entry)) {
      if (conditions.has(key)) {
        const found = pick(value)
        if (found !== undefined) return found
      }
    }
  }
  return undefined
}

const exportTarget = (exports: unknown, subpath: string): string | undefined => {
  if (exports === undefined || exports === null) return undefined
  const isSubpathMap = typeof exports === "object" && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith("."))
  if (!isSubpathMap) return subpath === "." ? pick(exports) : undefined
  const map = exports as Record<string, unknown>
  if (subpath in map) return pick(map[subpath])
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf("*")
    if (star === -1) continue
    const prefix = key.slice(0, star)
    const suffix = key.slice(star + 1)
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const target = pick(value)
      return target?.replace("*", subpath.slice(prefix.length, subpath.length - suffix.length))
    }
  }
  return undefined
}

/** The absolute file `import(specifier)` would load from `fromDir`, or why there is none. */
export const resolvePackageEntry = (specifier: string, fromDir: string): Either.Either<string, string> => {
  const parts = specifier.split("/")
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!
  const subpath = "." + specifier.slice(name.length)
  let dir = path.resolve(fromDir)
  while (true) {
    const pkgDir = path.join(dir, "node_modules", name)
    const manifest = path.join(pkgDir, "package.json")
    if (fs.existsSync(manifest)) {
      let pkg: { exports?: unknown; module?: unknown; main?: unknown }
      try {
        pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as typeof pkg
      } catch (error) {
        return Either.left(`${manifest} is not valid JSON: ${String(error)}`)
      }
      const fromExports = exportTarget(pkg.exports, subpath)
      if (pkg.exports !== undefined && fromExports === undefined) {
        return Either.left(`package ${name} does not export "${subpath}" for import`)
      }
      const fallback = subpath === "."
        ? (typeof pkg.module === "string" ? pkg.module : typeof pkg.main === "string" ? pkg.main : "index.js")
        : subpath
      return Either.right(path.join(pkgDir, fromExports ?? fallback))
    }
    const parent = path.dirname(dir)
    if (parent === dir) return Either.left(`package ${name} is not installed in ${fromDir} or any parent directory`)
    dir = parent
  }
}
