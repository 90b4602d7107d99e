/**
 * Scanning a directory of the file system for YAML files, the walk and the reads moving to a
 * worker thread when the directory is large, so that the loader parses files on its thread while
 * the next ones are found and read on the second core (the `scan` of `CatalogSource.fileSystem`).
 *
 * The walk starts here, on the loader's thread, a batch at a time: the loader parses each batch
 * found and read here while the worker starts. Once the walk has met 1,000 directory entries it
 * starts the worker, and as soon as the worker is up (a flag in shared memory, asked after each
 * directory, so no time is lost waiting for it) it hands the worker the files found and not
 * read yet and the directories not listed yet. The worker reads those files, walks those
 * directories in the same order (so it finds the files this thread would have), reads each file
 * it accepts and sends files and texts back in batches, while this thread parses the batches
 * before. A walk that ends before the worker is up never uses it.
 *
 * The worker runs `scanner.ts`'s very code from its source text (no module to load, no code
 * cache to miss: it is up in ~40 ms wherever the package runs from). It is unreferenced (it
 * never keeps a process alive) and terminated when the scan's scope closes (the scan is done or
 * interrupted). If it cannot start or dies, this thread walks what was handed to it again and
 * reads every file it had not sent yet: the scan gives the same files either way.
 * `PAVED_CATALOG_WORKER=off` keeps every scan on the loader's thread.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as NodeFs from "node:fs"
import * as threads from "node:worker_threads"
import type { Scan } from "../CatalogSource.js"
import { local } from "./discover.js"
import { type ReadText, scanner, type WalkState } from "./scanner.js"

/** Files a scan found, with what reading each gave, in the same order. */
interface Scanned {
  readonly files: ReadonlyArray<string>
  readonly reads: ReadonlyArray<ReadText>
}

/** Directory entries a walk meets before a worker is worth starting. */
const WORKER_THRESHOLD = 1000

interface Request {
  /** Files found before the worker was up, to read first. */
  readonly files: ReadonlyArray<string>
  readonly pending: ReadonlyArray<string>
  readonly limit: number
  readonly maxBytes: number
  readonly batch: number
}

type Message = Scanned | { readonly done: true }

/**
 * The worker's side, self-contained like `scanner` (it runs from its source text): says it is up,
 * then walks what it is handed, reading each YAML file it accepts, in batches.
 */
function workerMain(makeScanner: typeof scanner, nodeFs: typeof NodeFs, sep: string, workers: typeof threads): void {
  const port = workers.parentPort!
  const scan = makeScanner(nodeFs, sep)
  Atomics.store(new Int32Array((workers.workerData as { ready: SharedArrayBuffer }).ready), 0, 1)
  port.once("message", (request: Request) => {
    const state = { pending: [...request.pending], files: 0, entries: 0 }
    let files: Array<string> = []
    let reads: Array<ReadText> = []
    const read = (file: string) => {
      files.push(file)
      reads.push(scan.readText(file, request.maxBytes))
      if (files.length < request.batch) return
      port.postMessage({ files, reads })
      files = []
      reads = []
    }
    for (const file of request.files) read(file)
    scan.walk(state, (_file, name) => scan.isYamlName(name), request.limit, read)
    if (files.length > 0) port.postMessage({ files, reads })
    port.postMessage({ done: true })
  })
}

const source = `(${workerMain.toString()})((${scanner.toString()}), require("node:fs"), require("node:path").sep, require("node:worker_threads"))`

// Asked once per scan that meets enough entries.
const usable = (): boolean => process.env.PAVED_CATALOG_WORKER !== "off"

/** A started worker, what it sent, and who waits for it. */
interface Helper {
  readonly worker: threads.Worker
  readonly ready: Int32Array
  readonly queue: Array<Message | "failed">
  wake: (() => void) | undefined
}

const start = (): Helper | undefined => {
  try {
    const ready = new Int32Array(new SharedArrayBuffer(4))
    const worker = new threads.Worker(source, { eval: true, workerData: { ready: ready.buffer } })
    worker.unref()
    const helper: Helper = { worker, ready, queue: [], wake: undefined }
    const push = (m: Message | "failed") => {
      helper.queue.push(m)
      const wake = helper.wake
      helper.wake = undefined
      wake?.()
    }
    worker.on("message", (m: Message) => push(m))
    worker.on("error", () => push("failed"))
    worker.on("exit", () => push("failed"))
    return helper
  } catch {
    return undefined
  }
}

const isYaml = (_file: string, name: string) => local.isYamlName(name)

/**
 * Scans `directory` for `*.yaml`/`*.yml` files (at most `limit`, the files
 * `discover.yamlFilesIn` finds), each read under `maxBytes`, in batches of `batch` files. The
 * worker, if one started, is terminated when the scope closes.
 */
export const scan = (directory: string, limit: number, maxBytes: number, batch: number): Effect.Effect<Scan, never, Scope.Scope> =>
  Effect.gen(function*() {
    const state: WalkState = { pending: [directory], files: 0, entries: 0 }
    /** Files found here and not read yet. */
    let mine: Array<string> = []
    let worker: Helper | undefined
    let tried = false
    /** What the worker was handed; `finished` once it is done, or failed and was taken over. */
    let handed: Request | undefined
    let finished = false
    /** Files the worker sent: the first ones of what it was handed, in the order it goes through them. */
    let delivered = 0
    yield* Effect.addFinalizer(() => Effect.sync(() => void worker?.worker.terminate()))

    const up = (): boolean => worker !== undefined && Atomics.load(worker.ready, 0) === 1
    // Asked after each directory: a batch is found, or the worker is up to take the rest.
    const enough = (): boolean => {
      if (!tried && state.entries >= WORKER_THRESHOLD && usable()) {
        tried = true
        worker = start()
      }
      return mine.length >= batch || up()
    }

    /**
     * The worker failed: go through what it was handed here, in its order (its files, then the
     * walk of its directories), and read what comes after the files it had sent.
     */
    const takeOver = (request: Request) => {
      const rest = [...request.files]
      local.walk({ pending: [...request.pending], files: 0, entries: 0 }, isYaml, request.limit, (file) => rest.push(file))
      mine = rest.slice(delivered)
      finished = true
    }

    const fromWorker = (h: Helper, request: Request): Effect.Effect<Scanned | undefined> => Effect.suspend(() => {
      const m = h.queue.shift()
      if (m === undefined) {
        return Effect.flatMap(Effect.async<void>((resume) => {
          h.wake = () => resume(Effect.void)
          return Effect.sync(() => void (h.wake = undefined))
        }), () => fromWorker(h, request))
      }
      if (m === "failed") {
        takeOver(request)
        return take
      }
      if ("done" in m) {
        finished = true
        return take
      }
      delivered += m.files.length
      return Effect.succeed(m)
    })

    const take: Effect.Effect<Scanned | undefined> = Effect.suspend(() => {
      if (handed === undefined && up() && (state.pending.length > 0 || mine.length > 0)) {
        handed = { files: mine, pending: state.pending.splice(0), limit: limit - state.files, maxBytes, batch }
        mine = []
        worker!.worker.postMessage(handed)
      }
      if (handed !== undefined && !finished) return fromWorker(worker!, handed)
      if (mine.length < batch && state.pending.length > 0) local.walk(state, isYaml, limit, (file) => mine.push(file), undefined, enough)
      if (mine.length === 0) return Effect.succeed(undefined)
      const files = mine.splice(0, batch)
      return Effect.succeed({ files, reads: files.map((file) => local.readText(file, maxBytes)) })
    })
    return { next: take } satisfies Scan
  })
