/**
 * Reading catalog files on the second core, opt-in (`PAVED_CATALOG_READER=worker`). A large
 * load (1,000 files or more found by a walk) starts one worker thread; while it starts, batches
 * are read on the main thread, and once it is up each batch is read there, so the kernel time
 * of open/fstat/read/close (about 0.4 s for 10,000 files) overlaps the parsing and validation
 * of the batches before (the loader asks for the next batches before it parses one).
 *
 * Opt-in because it has not been measured faster yet: on the shared two-core machine at load
 * 6-10 the second core was busy, and the best of four `paved catalog validate` runs over 10,000
 * files was 2.45 s with the worker against 2.60 s without, the medians the other way round.
 *
 * The worker runs this same module (`new Worker(new URL(import.meta.url))`, told apart by
 * `workerData`), so it works from the package's dist and from the chunk the CLI bundles it
 * into (checked: the CLI's opens happen on the worker thread, output identical). It reads with
 * the same `readTextSync` (size limit, strict UTF-8, `O_NONBLOCK`), is unreferenced (it never
 * keeps a process alive) and is stopped after a second without work. Anything wrong with it (it
 * cannot start, it dies) and reads go back to the main thread. From TypeScript sources (tests,
 * `tsx`) it never starts.
 */
import * as Effect from "effect/Effect"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { type ReadText, readTextSync } from "./yamlSource.js"

const MARK = "@paved/catalog/reader"

interface Request {
  readonly id: number
  readonly files: ReadonlyArray<string>
  readonly maxBytes: number
}

if (!isMainThread && parentPort !== null && (workerData as Record<string, unknown> | null)?.[MARK] === true) {
  const port = parentPort
  port.on("message", (request: Request) => {
    port.postMessage({ id: request.id, results: request.files.map((file) => readTextSync(file, request.maxBytes)) })
  })
  port.postMessage({ ready: true })
}

/** Below this many files a worker costs more than it saves. */
export const WORKER_THRESHOLD = 1000

interface Reader {
  readonly worker: Worker
  ready: boolean
  next: number
  readonly pending: Map<number, (results: ReadonlyArray<ReadText> | undefined) => void>
  idle: ReturnType<typeof setTimeout> | undefined
}

let reader: Reader | undefined

const usable = (): boolean => import.meta.url.endsWith(".js") && process.env.PAVED_CATALOG_READER === "worker"

const stop = (r: Reader) => {
  if (reader === r) reader = undefined
  if (r.idle !== undefined) clearTimeout(r.idle)
  for (const resume of r.pending.values()) resume(undefined)
  r.pending.clear()
  void r.worker.terminate()
}

const idleLater = (r: Reader) => {
  if (r.idle !== undefined) clearTimeout(r.idle)
  r.idle = setTimeout(() => r.pending.size === 0 && stop(r), 1000)
  r.idle.unref()
}

/** Starts the reader worker for a load of `files` files, when that many are worth one. */
export const warm = (files: number): void => {
  if (reader !== undefined || files < WORKER_THRESHOLD || !usable()) return
  try {
    const worker = new Worker(new URL(import.meta.url), { workerData: { [MARK]: true } })
    const r: Reader = { worker, ready: false, next: 0, pending: new Map(), idle: undefined }
    worker.unref()
    worker.on("message", (m: { ready?: boolean; id?: number; results?: ReadonlyArray<ReadText> }) => {
      if (m.ready === true) {
        r.ready = true
        idleLater(r)
        return
      }
      const resume = r.pending.get(m.id!)
      r.pending.delete(m.id!)
      resume?.(m.results)
      if (r.pending.size === 0) idleLater(r)
    })
    worker.on("error", () => stop(r))
    worker.on("exit", () => stop(r))
    reader = r
  } catch {
    reader = undefined
  }
}

/**
 * Lets the event loop turn once (`setImmediate`): timers, signals and worker messages are seen.
 * A fiber that resumes on microtasks only would starve them.
 */
export const turn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const immediate = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(immediate))
})

/**
 * Reads a batch: on the worker when it is up, else here. A batch the worker could not finish
 * (it died, or was stopped) is read here.
 */
export const readBatch = (files: ReadonlyArray<string>, maxBytes: number): Effect.Effect<ReadonlyArray<ReadText>> => {
  const r = reader
  if (r === undefined) return Effect.sync(() => files.map((file) => readTextSync(file, maxBytes)))
  // While the worker starts, read here, then let the event loop turn once (`setImmediate`): the
  // fiber otherwise resumes on microtasks only, and the worker's "ready" would wait for the end.
  if (!r.ready) return Effect.zipLeft(Effect.sync(() => files.map((file) => readTextSync(file, maxBytes))), turn)
  return Effect.async<ReadonlyArray<ReadText> | undefined>((resume) => {
    const id = r.next++
    if (r.idle !== undefined) clearTimeout(r.idle)
    r.pending.set(id, (results) => resume(Effect.succeed(results)))
    r.worker.postMessage({ id, files, maxBytes } satisfies Request)
    // Interrupted: the worker finishes the batch (its files are closed as it goes); the answer is dropped.
    return Effect.sync(() => {
      r.pending.delete(id)
      if (r.pending.size === 0) idleLater(r)
    })
  }).pipe(Effect.map((results) => results ?? files.map((file) => readTextSync(file, maxBytes))))
}
