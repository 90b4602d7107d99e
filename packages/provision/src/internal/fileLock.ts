/**
 * An exclusive lock between processes: a file created with O_EXCL holding the owner's pid, host
 * and a nonce. A lock whose owner (on this host) has died, or that has been held for a minute,
 * is stale and broken; waiting for a live one gives up after 30 seconds.
 */
import * as Effect from "effect/Effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

interface LockOwner {
  readonly pid: number
  readonly host: string
  readonly nonce: string
}

const readLock = (file: string): { readonly owner: LockOwner | undefined; readonly text: string; readonly ageMs: number } | undefined => {
  try {
    const text = fs.readFileSync(file, "utf8")
    const ageMs = Date.now() - fs.statSync(file).mtimeMs
    try {
      return { owner: JSON.parse(text) as LockOwner, text, ageMs }
    } catch {
      return { owner: undefined, text, ageMs }
    }
  } catch {
    return undefined
  }
}

/** Whether a process exists (EPERM: it does, and belongs to someone else). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

// Far longer than any holder needs (a read-modify-write of one small file, or starting one
// process): a lock this old belongs to a holder on another host, or to one that hung.
const STALE_AFTER_MS = 60_000

const breakIfStale = (file: string) => {
  const seen = readLock(file)
  if (seen === undefined) return
  const dead = seen.owner !== undefined && seen.owner.host === os.hostname() && !alive(seen.owner.pid)
  // A lock without readable content is being written right now, unless it is old.
  if (!dead && seen.ageMs < STALE_AFTER_MS) return
  // Move it aside and check that what was moved is the lock judged stale: another process may
  // have broken it and taken a fresh one in between, which then goes back.
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString("hex")}`
  try {
    fs.renameSync(file, aside)
  } catch {
    return
  }
  if (readLock(aside)?.text !== seen.text) {
    try {
      fs.linkSync(aside, file)
    } catch {
      // a third process holds the lock now
    }
  }
  fs.rmSync(aside, { force: true })
}

const tryLock = (file: string, nonce: string): boolean => {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  let fd: number
  try {
    fd = fs.openSync(file, "wx", 0o600)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    breakIfStale(file)
    return false
  }
  try {
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), nonce } satisfies LockOwner))
  } finally {
    fs.closeSync(fd)
  }
  return true
}

const unlock = (file: string, nonce: string) => {
  if (readLock(file)?.owner?.nonce === nonce) fs.rmSync(file, { force: true })
}

// Fibers of one process queue here rather than spin on the file.
const inProcess = new Map<string, Effect.Semaphore>()

/** Runs `effect` holding the lock file `file`; `failure` turns a lock problem into the caller's error. */
export const withLock = <A, E, R, E2>(
  file: string,
  effect: Effect.Effect<A, E, R>,
  failure: (detail: string) => E2
): Effect.Effect<A, E | E2, R> => {
  const key = path.resolve(file)
  let semaphore = inProcess.get(key)
  if (semaphore === undefined) inProcess.set(key, semaphore = Effect.unsafeMakeSemaphore(1))
  const nonce = randomBytes(12).toString("hex")
  const acquire = Effect.gen(function*() {
    const deadline = Date.now() + 30_000
    while (true) {
      const locked = yield* Effect.try({ try: () => tryLock(file, nonce), catch: (e) => failure(`cannot lock ${file}: ${String(e)}`) })
      if (locked) return
      if (Date.now() > deadline) {
        return yield* Effect.fail(failure(`${file} has been held by another process for 30 seconds; if no apply is running, delete it`))
      }
      yield* Effect.sleep(`${5 + Math.floor(Math.random() * 20)} millis`)
    }
  })
  return semaphore.withPermits(1)(Effect.acquireUseRelease(acquire, () => effect, () => Effect.sync(() => unlock(file, nonce))))
}
