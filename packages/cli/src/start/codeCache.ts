/**
 * Loads the start-up bundle (`dist/paved.cjs`, the whole command line as one CommonJS file)
 * through `vm.Script` with a V8 code cache, so a command group's modules are neither parsed nor
 * compiled again on every run: on Node 20 an ES module cannot use a code cache, and a cache made
 * after a run also holds the functions that run compiled lazily.
 *
 * Where a code cache is read from, and the rule that makes it safe:
 *
 * - Next to the bundle (`dist/paved-<sha1>-<v8>-<arch>.cache`), written by the build's training
 *   run. A read-only global install only ever reads it. It is used only when it is a regular
 *   file that neither group nor others can write, owned by the bundle's owner, root or the user.
 * - In the user's cache directory (`$XDG_CACHE_HOME/paved/code-cache`, default `~/.cache/...`;
 *   a directory only the user may write), for a Node version or V8 flags the build did not
 *   train: written once after a run that had no usable cache, owned by the user, mode 0600, and
 *   read before the build's (it exists only where that one was missing or rejected).
 *
 * A cache is named by the SHA-1 of the bundle's bytes, so it is never applied to other source
 * (V8 itself only compares the source length), and by the V8 version, architecture and (in the
 * user's directory) the V8 flags. It is written to a temporary file and renamed into place, so
 * a reader sees a whole cache or none. V8 checks it again (`cachedDataRejected`): a rejected
 * cache is not used, the bundle compiles from source as without one, and a fresh cache replaces
 * it in the user's directory. Every failure to read or write a cache only costs speed.
 * `PAVED_CODE_CACHE=off` turns the cache off (the bundle still runs).
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import * as vm from "node:vm"

/** What the bundle exports: `run` of `main.ts`. */
export interface Bundle {
  readonly run: (argv: ReadonlyArray<string>) => Promise<number>
  /** Writes the code cache of this run where the next run finds it, when it has none. */
  readonly saveCache: () => void
}

interface Manifest {
  /** ES module packages each command group reaches, loaded with `import()` before it runs. */
  readonly preload: Readonly<Record<string, ReadonlyArray<string>>>
}

/** The global through which the bundle reads the ES module packages loaded here. */
const preloadedKey = Symbol.for("@paved/cli/preloaded")

const getuid = (): number | undefined => process.getuid?.()

// A file a cache may be read from: a regular file (not a link) nobody else can write.
const trusted = (file: string, owners: ReadonlyArray<number | undefined>): boolean => {
  try {
    const s = fs.lstatSync(file)
    if (!s.isFile()) return false
    if (getuid() === undefined) return true
    return (s.mode & 0o022) === 0 && owners.includes(s.uid)
  } catch {
    return false
  }
}

const userCacheDir = (): string | undefined => {
  const base = process.env["XDG_CACHE_HOME"] ?? (os.homedir() === "" ? undefined : path.join(os.homedir(), ".cache"))
  return base === undefined || !path.isAbsolute(base) ? undefined : path.join(base, "paved", "code-cache")
}

// The user's cache directory, created private; undefined when it is not the user's alone.
const privateDir = (dir: string): string | undefined => {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const s = fs.lstatSync(dir)
    if (!s.isDirectory()) return undefined
    if (getuid() !== undefined && (s.uid !== getuid() || (s.mode & 0o022) !== 0)) return undefined
    return dir
  } catch {
    return undefined
  }
}

const writeAtomically = (file: string, data: Uint8Array, mode: number): void => {
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`
  try {
    fs.writeFileSync(temporary, data, { flag: "wx", mode })
    fs.renameSync(temporary, file)
  } catch {
    fs.rmSync(temporary, { force: true })
  }
}

const read = (file: string): Buffer | undefined => {
  try {
    return fs.readFileSync(file)
  } catch {
    return undefined
  }
}

/**
 * Loads the bundle next to this file for the command group `group` (`paved <group> ...`), or
 * `undefined` when there is no bundle (then the ES module build runs the command).
 *
 * @since 0.1.0
 */
export const loadBundle = async (distDir: string, group: string): Promise<Bundle | undefined> => {
  const bundleFile = path.join(distDir, "paved.cjs")
  const manifestText = read(path.join(distDir, "paved.json"))
  const bytes = manifestText === undefined ? undefined : read(bundleFile)
  if (manifestText === undefined || bytes === undefined) return undefined
  const manifest = JSON.parse(manifestText.toString("utf8")) as Manifest

  const preloaded: Record<string, unknown> = {}
  for (const name of manifest.preload[group] ?? []) preloaded[name] = await import(name)
  ;(globalThis as Record<symbol, unknown>)[preloadedKey] = preloaded

  const enabled = process.env["PAVED_CODE_CACHE"] !== "off"
  const training = process.env["PAVED_CODE_CACHE_TRAIN"] === "1"
  const name = `paved-${crypto.createHash("sha1").update(bytes).digest("hex").slice(0, 16)}-${process.versions.v8}-${process.arch}`
  const distCache = path.join(distDir, `${name}.cache`)
  const flags = crypto.createHash("sha1").update(JSON.stringify([process.execArgv, process.env["NODE_OPTIONS"] ?? ""])).digest("hex").slice(0, 8)
  const userDir = userCacheDir()
  const userCache = userDir === undefined ? undefined : path.join(userDir, `${name}-${flags}.cache`)

  let cachedData: Buffer | undefined
  if (enabled && !training) {
    let bundleOwner: number | undefined
    try {
      bundleOwner = fs.statSync(bundleFile).uid
    } catch {
      bundleOwner = undefined
    }
    // The user's cache first: it exists only where the build's was missing or rejected.
    if (userCache !== undefined && trusted(userCache, [getuid()])) cachedData = read(userCache)
    if (cachedData === undefined && trusted(distCache, [bundleOwner, 0, getuid()])) cachedData = read(distCache)
  }

  // Node's own wrapper for CommonJS, on the first line so line numbers match, plus the
  // `import()` the bundle's dynamic imports call (see `bundle/startBundle.ts`): this module's,
  // which resolves from dist/ as the bundle would.
  const source = `(function (exports, require, module, __filename, __dirname, __pavedImport) {${bytes.toString("utf8")}\n})`
  const script = new vm.Script(source, { filename: bundleFile, ...(cachedData === undefined ? {} : { cachedData }) })
  const accepted = cachedData !== undefined && script.cachedDataRejected !== true
  const module = { exports: {} as { run: Bundle["run"] } }
  const wrapper = script.runInThisContext() as (...args: ReadonlyArray<unknown>) => void
  const dynamicImport = (specifier: string, options?: ImportCallOptions): Promise<unknown> => import(specifier, options)
  wrapper.call(module.exports, module.exports, createRequire(bundleFile), module, bundleFile, distDir, dynamicImport)

  const saveCache = (): void => {
    if (!enabled || accepted) return
    if (training) return writeAtomically(distCache, script.createCachedData(), 0o644)
    if (userCache === undefined || privateDir(path.dirname(userCache)) === undefined) return
    writeAtomically(userCache, script.createCachedData(), 0o600)
  }
  return { run: module.exports.run, saveCache }
}
