/**
 * The start-up bundle of `paved`: the whole command line as one CommonJS file (`dist/paved.cjs`)
 * that `dist/bin.js` compiles with `vm.Script` and a V8 code cache (`src/start/codeCache.ts`),
 * plus the code cache itself, produced here by running `paved catalog validate` once.
 *
 * Why CommonJS: on Node 20 an ES module cannot be compiled from a code cache, and a code cache
 * made after a run (`script.createCachedData()`) also holds every function that run compiled
 * lazily, which is most of what `catalog validate` spends compiling.
 *
 * What is not bundled stays as it is in the ES module build (`tsup.config.ts`): drivers load
 * on first use, cloud SDKs are `require`d or imported with `import()`. External packages that are ES modules (Ink: its
 * yoga-layout has a top-level await, so it can never be `require`d) are loaded by `bin.js` with
 * a real `import()` before the bundle runs a command group that reaches them (`paved.json`
 * lists which); the bundle reads them from that table.
 *
 * `import.meta.url` of a Paved source module is the URL of the ES module chunk holding the
 * same module, so `new Worker(new URL(import.meta.url))` and `createRequire(import.meta.url)`
 * behave as in the ES module build (a worker runs that chunk as an ES module).
 */
import { build, type Metafile, type Plugin } from "esbuild"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"

const requireHere = createRequire(import.meta.url)

/** The global through which `bin.js` hands ES module externals to the bundle. */
export const preloadedKey = "@paved/cli/preloaded"

// An external package that is an ES module (and so may not survive `require`).
const isEsmPackage = (name: string, from: string): boolean => {
  const root = name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0]!
  let dir = from
  while (true) {
    const manifest = path.join(dir, "node_modules", root, "package.json")
    if (fs.existsSync(manifest)) return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { type?: string }).type === "module"
    const up = path.dirname(dir)
    if (up === dir) return false
    dir = up
  }
}

const esmExternals = (isExternal: (name: string) => boolean): Plugin => ({
  name: "paved-esm-externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.namespace === "paved-esm" || args.kind === "dynamic-import" || !isExternal(args.path)) return undefined
      if (!isEsmPackage(args.path, args.resolveDir)) return undefined
      return { path: args.path, namespace: "paved-esm" }
    })
    // Named imports read the namespace `bin.js` loaded; without one, `require` (Node >= 20.19
    // loads an ES module that has no top-level await).
    b.onLoad({ filter: /.*/, namespace: "paved-esm" }, (args) => ({
      contents: `const m = globalThis[Symbol.for(${JSON.stringify(preloadedKey)})]?.[${JSON.stringify(args.path)}]\n` +
        `module.exports = m === undefined ? require(${JSON.stringify(args.path)}) : { __esModule: true, ...m }`,
      loader: "js"
    }))
  }
})

// `import.meta.url` of each Paved source module: its chunk in the ES module build.
const moduleUrls = (esm: Metafile, cwd: string): Plugin => {
  const chunkOf = new Map<string, string>()
  for (const [output, info] of Object.entries(esm.outputs)) {
    for (const input of Object.keys(info.inputs)) chunkOf.set(path.resolve(cwd, input), path.basename(output))
  }
  return {
    name: "paved-module-urls",
    setup(b) {
      b.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.tsx?$/ }, (args) => {
        const text = fs.readFileSync(args.path, "utf8")
        if (!text.includes("import.meta.url")) return undefined
        const chunk = chunkOf.get(args.path)
        if (chunk === undefined) return undefined
        return {
          contents: text.replaceAll("import.meta.url", `__pavedChunkUrl(${JSON.stringify(chunk)})`),
          loader: args.path.endsWith("x") ? "tsx" : "ts"
        }
      })
    }
  }
}

// Every module an input reaches through imports of any kind.
const reachable = (meta: Metafile, from: string): Set<string> => {
  const seen = new Set<string>()
  const stack = [from]
  while (stack.length > 0) {
    const next = stack.pop()!
    if (seen.has(next)) continue
    seen.add(next)
    for (const i of meta.inputs[next]?.imports ?? []) if (!i.external) stack.push(i.path)
  }
  return seen
}

export interface StartBundleOptions {
  readonly outDir: string
  readonly external: ReadonlyArray<string>
  readonly plugins: ReadonlyArray<Plugin>
  readonly conditions: ReadonlyArray<string>
  readonly esmMetafile: Metafile
}

/**
 * Builds `paved.cjs` and `paved.json` (the ES module externals each command group needs, and
 * the name of the code cache), then trains the code cache on `paved catalog validate`.
 */
export const buildStartBundle = async (options: StartBundleOptions): Promise<void> => {
  const cwd = process.cwd()
  const outDir = path.resolve(options.outDir)
  const outfile = path.join(outDir, "paved.cjs")
  const external = new Set(options.external)
  const isExternal = (name: string) => [...external].some((e) => e.endsWith("/*") ? name.startsWith(e.slice(0, -1)) : name === e || name.startsWith(`${e}/`))
  const result = await build({
    entryPoints: [path.join(cwd, "src/start/entry.ts")],
    outfile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    conditions: [...options.conditions],
    external: [...options.external, ...options.external.filter((e) => !e.endsWith("/*")).map((e) => `${e}/*`)],
    plugins: [...options.plugins, esmExternals(isExternal), moduleUrls(options.esmMetafile, cwd)],
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: "warning",
    define: { "import.meta.url": "__pavedBundleUrl" },
    banner: {
      js: "var __pavedBundleUrl = require(\"node:url\").pathToFileURL(__filename).href, " +
        "__pavedChunkUrl = (c) => new URL(c, __pavedBundleUrl).href;"
    }
  })
  // `import()` in a `vm.Script` needs `importModuleDynamically`, whose only form without
  // --experimental-vm-modules prints an ExperimentalWarning on Node 20; so the dynamic imports
  // left in the bundle (externals: drivers, Pulumi, template modules) call `__pavedImport`,
  // the `import()` of `codeCache.ts`, passed in by its wrapper. Every `import(` of the output
  // is one (esbuild prints no other; a string holding the text would only change that string).
  fs.writeFileSync(outfile, fs.readFileSync(outfile, "utf8").replace(/(?<![\w$.])import\(/g, "__pavedImport("))
  const meta = result.metafile
  const preload: Record<string, Array<string>> = {}
  for (const input of Object.keys(meta.inputs)) {
    const group = /^src\/commands\/([a-z0-9-]+)\.ts$/.exec(input)?.[1]
    if (group === undefined) continue
    const esm = [...reachable(meta, input)].filter((p) => p.startsWith("paved-esm:")).map((p) => p.slice("paved-esm:".length))
    if (esm.length > 0) preload[group] = esm.sort()
  }
  fs.writeFileSync(path.join(outDir, "paved.json"), JSON.stringify({ preload }) + "\n")
  train(outDir)
}

// One run of `paved catalog validate` whose code cache `bin.js` writes next to the bundle.
const train = (outDir: string): void => {
  const started = Date.now() - 1000
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "paved-train-"))
  try {
    const file = path.join(scratch, "catalog-info.yaml")
    fs.writeFileSync(file, [
      "apiVersion: backstage.io/v1alpha1", "kind: Component", "metadata:", "  name: cart", "spec:", "  type: service",
      "  lifecycle: production", "  owner: user:default/ada", "---", "apiVersion: backstage.io/v1alpha1", "kind: User",
      "metadata:", "  name: ada", "spec: {}", ""
    ].join("\n"))
    const env = { ...process.env, PAVED_CODE_CACHE_TRAIN: "1", NO_COLOR: "1" }
    delete env["NODE_OPTIONS"]
    const r = spawnSync(process.execPath, [path.join(outDir, "bin.js"), "catalog", "validate", file], { cwd: scratch, env, encoding: "utf8" })
    const made = fs.readdirSync(outDir).some((n) => n.endsWith(".cache") && fs.statSync(path.join(outDir, n)).mtimeMs >= started)
    if ((r.status !== 0 && r.status !== 1) || !made) throw new Error(`the training run of paved made no code cache (exit ${r.status}): ${r.stderr}`)
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}

/** The package names the CLI's manifest lists, for the externals of the bundle. */
export const dependencies = (): ReadonlyArray<string> =>
  Object.keys((requireHere(path.join(process.cwd(), "package.json")) as { dependencies?: Record<string, string> }).dependencies ?? {})
