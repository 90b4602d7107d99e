/**
 * Loading walked catalog files on the second core, opt-in (`PAVED_CATALOG_WORKER=on`). A
 * directory walk of the file system that meets 1,000 entries or more starts one worker thread
 * (`warm`), so the worker loads its modules while the walk goes on; the loader then claims it
 * (`claim`) and gives it batches from the back of its list while it loads batches from the front
 * itself, until they meet. The worker reads, parses and validates each file with the loader's
 * own code (`entityFile.ts`) and sends back, per batch, the problems and accepted entities (with
 * the positions integrity needs) as plain objects; the loader adds them to its own and runs
 * integrity once over everything.
 *
 * Opt-in because it has not been measured faster: the worker needs ~0.28 s of CPU to load its
 * modules (Effect and the kinds' schemas, 670 KB of chunks, no code cache), is up only as the
 * walk ends, and adds ~0.4-0.6 CPU s to a 10,000-file load; on the shared two-core machine at
 * load 3-4 `paved catalog validate` took as long with it as without (see the README's benchmark).
 *
 * Only files a walk found, only with the built-in kinds (a registry holds schemas, which cannot
 * cross threads) and only from the file system source (`CatalogSource.fileSystem`): any other
 * source is read through its own effects. A file the worker cannot finish alone (missing,
 * unreadable, a placeholder, a Location to follow) goes back as what was read, and the loader
 * loads it as it would have. If the worker cannot start or dies, the loader loads its batches.
 *
 * The worker runs this same module (`new Worker(new URL(import.meta.url))`, told apart by
 * `workerData`), so it works from the package's dist and from the chunk the CLI bundles it into;
 * from TypeScript sources only under `tsx` (the tests, the benches), whose loader the worker
 * registers first. It is unreferenced (it never keeps a process alive), stopped when the load
 * ends or is interrupted, and stopped after a second when no load claims it.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { defaultRegistry } from "../KindRegistry.js"
import type { Problem } from "../Problem.js"
import { type Accepted, catalogApiVersions, type FileLimits, loadWalked, type Sink, type WalkedOutcome } from "./entityFile.js"
import { readTextSync } from "./yamlSource.js"

const MARK = "@paved/catalog/parser"

interface Request {
  readonly index: number
  readonly files: ReadonlyArray<string>
  readonly limits: FileLimits
}

/** A batch loaded on the worker: one outcome per file, and what the loaded files gave. */
export interface Parsed {
  readonly index: number
  readonly outcomes: ReadonlyArray<WalkedOutcome>
  readonly problems: ReadonlyArray<Problem>
  readonly accepted: ReadonlyArray<Accepted>
}

if (!isMainThread && parentPort !== null && (workerData as Record<string, unknown> | null)?.[MARK] === true) {
  const port = parentPort
  const isCatalogApiVersion = catalogApiVersions(defaultRegistry)
  port.on("message", ({ index, files, limits }: Request) => {
    const sink: Sink = { problems: [], accepted: [], locations: [] }
    const outcomes = files.map((file) => loadWalked(file, readTextSync(file, limits.maxFileBytes), limits, defaultRegistry, isCatalogApiVersion, sink))
    port.postMessage({ index, outcomes, problems: sink.problems, accepted: sink.accepted } satisfies Parsed)
  })
  port.postMessage({ ready: true })
}

/** Below this many entries met by a walk, a worker costs more than it saves. */
export const WORKER_THRESHOLD = 1000

/** Batches the worker holds at once: one it parses, more queued so that it never waits. */
const OUTSTANDING = 3

/** A started parse worker. */
export interface Parser {
  /**
   * Gives the worker batches from `take` (`undefined` when none is left for it) until it is
   * stopped; `done` receives each parsed batch, or `undefined` for every batch taken but not
   * parsed (the worker died).
   */
  readonly share: (take: () => Request | undefined, done: (index: number, parsed: Parsed | undefined) => void) => void
  /** Stops the worker; what it had not sent back is given to `done` as not parsed. */
  readonly stop: () => void
}

interface Started {
  readonly worker: Worker
  ready: boolean
  take: (() => Request | undefined) | undefined
  done: ((index: number, parsed: Parsed | undefined) => void) | undefined
  readonly outstanding: Set<number>
  idle: ReturnType<typeof setTimeout> | undefined
}

let warming: Started | undefined

let enabled: boolean | undefined

// Asked after every directory of a large walk, so the environment is read once.
const usable = (): boolean =>
  (enabled ??= process.env.PAVED_CATALOG_WORKER === "on" &&
    (import.meta.url.endsWith(".js") || process.execArgv.some((a) => a.includes("tsx"))))

const feed = (s: Started) => {
  if (!s.ready || s.take === undefined) return
  while (s.outstanding.size < OUTSTANDING) {
    const request = s.take()
    if (request === undefined) return
    s.outstanding.add(request.index)
    s.worker.postMessage(request)
  }
}

const halt = (s: Started) => {
  if (warming === s) warming = undefined
  if (s.idle !== undefined) clearTimeout(s.idle)
  s.take = undefined
  const lost = [...s.outstanding]
  s.outstanding.clear()
  for (const index of lost) s.done?.(index, undefined)
  s.done = undefined
  void s.worker.terminate()
}

/** Starts the parse worker for a walk that has met `entries` entries, when that many are worth one. */
export const warm = (entries: number): void => {
  // A walk still going on: the second without a claim counts from its last directory.
  if (warming !== undefined) return void warming.idle?.refresh()
  if (entries < WORKER_THRESHOLD || !usable()) return
  try {
    const worker = import.meta.url.endsWith(".ts")
      // From TypeScript sources under tsx, whose loader hooks a worker does not inherit on Node 20.
      ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}) })`, { eval: true, workerData: { [MARK]: true } })
      : new Worker(new URL(import.meta.url), { workerData: { [MARK]: true } })
    const s: Started = { worker, ready: false, take: undefined, done: undefined, outstanding: new Set(), idle: undefined }
    worker.unref()
    worker.on("message", (m: { ready?: boolean } & Partial<Parsed>) => {
      if (m.ready === true) {
        s.ready = true
        return feed(s)
      }
      const parsed = m as Parsed
      if (!s.outstanding.delete(parsed.index)) return
      s.done?.(parsed.index, parsed)
      feed(s)
    })
    worker.on("error", () => halt(s))
    worker.on("exit", () => halt(s))
    // Nobody claimed it (a small catalog after all, another source, custom kinds): stop it.
    s.idle = setTimeout(() => halt(s), 1000)
    s.idle.unref()
    warming = s
  } catch {
    warming = undefined
  }
}

/** The worker a walk started, for one load to use; stopped when the scope closes. */
export const claim: Effect.Effect<Parser | undefined, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync((): Parser | undefined => {
    const s = warming
    if (s === undefined) return undefined
    warming = undefined
    if (s.idle !== undefined) clearTimeout(s.idle)
    return {
      share: (take, done) => {
        s.take = take
        s.done = done
        feed(s)
      },
      stop: () => halt(s)
    }
  }),
  (parser) => Effect.sync(() => parser?.stop())
)
