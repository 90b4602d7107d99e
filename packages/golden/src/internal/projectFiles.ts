/**
 * Reading and writing a service's files through the platform FileSystem.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { type PlatformError, SystemError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as nodeFs from "node:fs"

/** Directories that are never part of a service's own files. */
const ignored = new Set(["node_modules", ".git", "dist", ".paved"])

/**
 * Reads many small files of one directory synchronously, `None` for a missing one. A check reads
 * thousands of small files; doing it in one synchronous pass is several times faster than a
 * thread-pool round trip per file, and each call blocks only for one service's files.
 */
export const readManyOptional = (
  dir: string,
  rels: ReadonlyArray<string>
): Effect.Effect<Array<Option.Option<string>>, PlatformError> =>
  Effect.try({
    try: () =>
      rels.map((rel) => {
        try {
          return Option.some(nodeFs.readFileSync(`${dir}/${rel}`, "utf8"))
        } catch (error) {
          if ((error as { code?: unknown }).code === "ENOENT") return Option.none()
          throw error
        }
      }),
    catch: (cause) =>
      new SystemError({
        reason: "Unknown",
        module: "FileSystem",
        method: "readFile",
        pathOrDescriptor: dir,
        description: cause instanceof Error ? cause.message : String(cause)
      })
  })

/** Every file of a service (relative POSIX paths), skipping build output and dependencies. */
export const readTree = (dir: string): Effect.Effect<Record<string, string>, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const out: Record<string, string> = {}
    const walk = (rel: string): Effect.Effect<void, PlatformError> =>
      Effect.gen(function*() {
        const names = yield* fs.readDirectory(path.join(dir, rel))
        for (const name of names.sort()) {
          if (ignored.has(name)) continue
          const childRel = rel === "" ? name : `${rel}/${name}`
          const info = yield* fs.stat(path.join(dir, childRel))
          if (info.type === "Directory") yield* walk(childRel)
          else if (info.type === "File") out[childRel] = yield* fs.readFileString(path.join(dir, childRel))
        }
      })
    yield* walk("")
    return out
  })

/** Writes a file, creating its directory. */
export const writeFile = (dir: string, rel: string, content: string): Effect.Effect<void, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = path.join(dir, rel)
    yield* fs.makeDirectory(path.dirname(file), { recursive: true })
    yield* fs.writeFileString(file, content)
  })

/** Removes a file if it exists. */
export const removeFile = (dir: string, rel: string): Effect.Effect<void, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.remove(path.join(dir, rel), { force: true })
  })
