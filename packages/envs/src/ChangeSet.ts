/**
 * Change sets: the files a change touches (given as a list, or read from git as `base..head`)
 * and the catalog components they belong to.
 *
 * A file belongs to a component when it lies under the component's
 * `backstage.io/source-location` (`dir:` or a repository `url:`), under the directory of its
 * `catalog-info.yaml`, or is its workload file. When several components claim a file, the most
 * specific directory wins, so a repository-level `catalog-info.yaml` does not swallow everything.
 *
 * @since 0.1.0
 */
import type { Entity, EntityRef } from "@paved/catalog"
import * as Request from "@paved/provision/Request"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import * as path from "node:path"
import { InvalidSpec } from "./Environment.js"

/**
 * What this package needs of a loaded catalog entity: the entity (with relations when the
 * catalog computed them), its canonical ref and the absolute path of the file it came from.
 * `@paved/catalog`'s `LoadedEntity` has this shape.
 *
 * @since 0.1.0
 */
export interface CatalogEntry {
  readonly entity: Entity.Entity
  readonly ref: EntityRef.EntityRef | string
  readonly file: string
}

/**
 * The annotation naming a component's Score workload file, relative to its `catalog-info.yaml`.
 * Without it, `score.yaml` next to the catalog file is used.
 *
 * @since 0.1.0
 */
export const WORKLOAD_ANNOTATION = Request.workloadAnnotation

const SOURCE_LOCATION = "backstage.io/source-location"

/**
 * The workload file of a component: the `paved.dev/workload` annotation, or `score.yaml` next to
 * its catalog file.
 *
 * @since 0.1.0
 */
export const workloadFile = (entry: CatalogEntry): string => Request.workloadFileOf(entry.entity, entry.file)

/**
 * The directories a component owns: its source location (when it is local to the repository)
 * and the directory of its catalog file.
 *
 * @since 0.1.0
 */
export const componentDirectories = (entry: CatalogEntry, repositoryRoot: string): ReadonlyArray<string> => {
  const dirs = [path.dirname(entry.file)]
  const location = entry.entity.metadata.annotations?.[SOURCE_LOCATION]
  if (location !== undefined) {
    if (location.startsWith("dir:")) {
      dirs.push(path.resolve(path.dirname(entry.file), location.slice(4)))
    } else if (location.startsWith("url:")) {
      // Repository URLs name a path after /tree/<ref>/ or /blob/<ref>/ (GitHub, GitLab, Gitea).
      const match = /\/(?:-\/)?(?:tree|blob)\/[^/]+\/(.*?)\/?$/.exec(location)
      if (match !== null) dirs.push(path.resolve(repositoryRoot, match[1]!))
    }
  }
  return dirs
}

const isComponent = (entry: CatalogEntry): boolean => entry.entity.kind.toLowerCase() === "component"

const within = (file: string, dir: string): boolean => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)

/**
 * The components the given files belong to. `files` are relative to `repositoryRoot` (as git
 * prints them) or absolute. Files that belong to no component are returned in `unmatched`.
 *
 * @since 0.1.0
 */
export const changedComponents = (
  entries: ReadonlyArray<CatalogEntry>,
  files: ReadonlyArray<string>,
  repositoryRoot: string
): { readonly components: ReadonlyArray<string>; readonly unmatched: ReadonlyArray<string> } => {
  const components = entries.filter(isComponent)
  const claims = components.map((entry) => ({
    ref: String(entry.ref),
    workload: workloadFile(entry),
    dirs: componentDirectories(entry, repositoryRoot)
  }))
  const changed = new Set<string>()
  const unmatched: Array<string> = []
  for (const file of files) {
    const absolute = path.resolve(repositoryRoot, file)
    let best: { ref: string; depth: number } | undefined
    for (const claim of claims) {
      if (claim.workload === absolute) {
        best = { ref: claim.ref, depth: Number.MAX_SAFE_INTEGER }
        break
      }
      for (const dir of claim.dirs) {
        if (within(absolute, dir) && (best === undefined || dir.length > best.depth)) best = { ref: claim.ref, depth: dir.length }
      }
    }
    if (best === undefined) unmatched.push(file)
    else changed.add(best.ref)
  }
  return { components: [...changed].sort(), unmatched }
}

/**
 * The files changed between two revisions (`base..head`, or `base...head` for the changes since
 * the merge base), read with `git diff --name-only` in `repositoryRoot`.
 *
 * @since 0.1.0
 */
export const filesFromGitRange = (
  repositoryRoot: string,
  range: string
): Effect.Effect<ReadonlyArray<string>, InvalidSpec> =>
  Effect.async<ReadonlyArray<string>, InvalidSpec>((resume) => {
    if (!/^[^\s.][^\s]*\.\.\.?[^\s]+$/.test(range)) {
      resume(Effect.fail(new InvalidSpec({ reason: `git range "${range}" is not of the form base..head` })))
      return
    }
    const child = execFile("git", ["diff", "--name-only", range, "--"], { cwd: repositoryRoot, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        resume(Effect.fail(new InvalidSpec({ reason: `git diff --name-only ${range} failed in ${repositoryRoot}: ${stderr.trim() || error.message}` })))
      } else {
        resume(Effect.succeed(stdout.split("\n").map((l) => l.trim()).filter((l) => l.length > 0)))
      }
    })
    return Effect.sync(() => child.kill())
  })

/**
 * The top directory of the git repository containing `directory` (`git rev-parse
 * --show-toplevel`).
 *
 * @since 0.1.0
 */
export const repositoryRoot = (directory: string): Effect.Effect<string, InvalidSpec> =>
  Effect.async<string, InvalidSpec>((resume) => {
    const child = execFile("git", ["rev-parse", "--show-toplevel"], { cwd: directory }, (error, stdout, stderr) => {
      if (error !== null) resume(Effect.fail(new InvalidSpec({ reason: `${directory} is not inside a git repository: ${stderr.trim() || error.message}` })))
      else resume(Effect.succeed(stdout.trim()))
    })
    return Effect.sync(() => child.kill())
  })
