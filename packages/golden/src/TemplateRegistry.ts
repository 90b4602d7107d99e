/**
 * The templates a command can use: every version of every template, from the built-in set, a
 * directory of template modules, or an npm package that exports templates.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { resolvePackageEntry } from "./internal/resolvePackage.js"
import * as NodeHttpService from "./NodeHttpService.js"
import * as Template from "./Template.js"

/**
 * No template with that name (or that version) is registered.
 *
 * @since 0.1.0
 */
export class TemplateNotFound extends Data.TaggedError("TemplateNotFound")<{
  readonly name: string
  readonly version?: string | undefined
  readonly known: ReadonlyArray<string>
}> {
  override get message(): string {
    const what = this.version === undefined ? `"${this.name}"` : `"${this.name}" at version ${this.version}`
    return `No template ${what}; known templates: ${this.known.join(", ") || "(none)"}. ` +
      `Add templates with --templates DIR or --template-package NAME`
  }
}

/**
 * Two registered templates share a name and version, or a definition is invalid.
 *
 * @since 0.1.0
 */
export class RegistryError extends Data.TaggedError("RegistryError")<{ readonly reason: string }> {
  override get message(): string {
    return `Template registry: ${this.reason}`
  }
}

/**
 * A template directory or package could not be imported.
 *
 * @since 0.1.0
 */
export class TemplateLoadError extends Data.TaggedError("TemplateLoadError")<{
  readonly source: string
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Cannot load templates from ${this.source}: ${reason}`
  }
}

/**
 * The registry service.
 *
 * @since 0.1.0
 */
export class TemplateRegistry extends Context.Tag("@paved/golden/TemplateRegistry")<TemplateRegistry, {
  /** Every version of every template, grouped by name, oldest version first. */
  readonly all: ReadonlyArray<Template.Template>
  /** The versions of one template, oldest first (empty when unknown). */
  readonly versions: (name: string) => ReadonlyArray<Template.Template>
  /** The newest version of a template. */
  readonly latest: (name: string) => Effect.Effect<Template.Template, TemplateNotFound>
  /** One exact version of a template. */
  readonly get: (name: string, version: string) => Effect.Effect<Template.Template, TemplateNotFound>
}>() {}

/**
 * Builds a registry over the given templates; fails on an invalid definition or a duplicate
 * name and version.
 *
 * @since 0.1.0
 */
export const make = (templates: Iterable<Template.Template>): Effect.Effect<TemplateRegistry["Type"], RegistryError> =>
  Effect.gen(function*() {
    const byName = new Map<string, Array<Template.Template>>()
    for (const t of templates) {
      const invalid = Template.validateDefinition(t.name, t.version)
      if (invalid !== undefined) return yield* new RegistryError({ reason: invalid.message })
      const list = byName.get(t.name) ?? []
      if (list.some((x) => x.version === t.version)) {
        if (list.some((x) => x === t)) continue
        return yield* new RegistryError({ reason: `template ${t.name}@${t.version} is registered twice` })
      }
      list.push(t)
      byName.set(t.name, list)
    }
    for (const list of byName.values()) list.sort((a, b) => Template.compareVersions(a.version, b.version))
    const names = [...byName.keys()].sort()
    const versions = (name: string) => byName.get(name) ?? []
    return {
      all: names.flatMap(versions),
      versions,
      latest: (name) => {
        const list = versions(name)
        return list.length === 0 ? Effect.fail(new TemplateNotFound({ name, known: names })) : Effect.succeed(list[list.length - 1]!)
      },
      get: (name, version) => {
        const found = versions(name).find((t) => t.version === version)
        return found === undefined
          ? Effect.fail(new TemplateNotFound({ name, version, known: names }))
          : Effect.succeed(found)
      }
    }
  })

/**
 * A registry over the given templates.
 *
 * @since 0.1.0
 */
export const layer = (templates: Iterable<Template.Template>): Layer.Layer<TemplateRegistry, RegistryError> =>
  Layer.effect(TemplateRegistry, make(templates))

/**
 * The templates shipped with Paved (every version of `node-http-service`).
 *
 * @since 0.1.0
 */
export const builtin: ReadonlyArray<Template.Template> = NodeHttpService.versions

/**
 * A registry over the built-in templates.
 *
 * @since 0.1.0
 */
export const layerBuiltin: Layer.Layer<TemplateRegistry, RegistryError> = layer(builtin)

const templatesOf = (module: Record<string, unknown>): ReadonlyArray<Template.Template> => [
  ...new Set(Object.values(module).flatMap((value) =>
    Template.isTemplate(value) ? [value] : Array.isArray(value) ? value.filter(Template.isTemplate) : []
  ))
]

const importTemplates = (source: string, url: string) =>
  Effect.tryPromise({
    try: () => import(url) as Promise<Record<string, unknown>>,
    catch: (cause) => new TemplateLoadError({ source, cause })
  }).pipe(Effect.map(templatesOf))

/**
 * Imports every `.js`/`.mjs` module in a directory (and `<dir>/<name>/index.js`) and collects the
 * templates they export (as named exports, the default export, or arrays of templates).
 *
 * @since 0.1.0
 */
export const loadDirectory = (dir: string): Effect.Effect<ReadonlyArray<Template.Template>, TemplateLoadError> =>
  Effect.gen(function*() {
    const root = path.resolve(dir)
    const entries = yield* Effect.try({
      try: () => fs.readdirSync(root, { withFileTypes: true }),
      catch: (cause) => new TemplateLoadError({ source: root, cause })
    })
    const modules = entries.flatMap((e) => {
      if (e.isFile() && /\.(m?js)$/.test(e.name)) return [path.join(root, e.name)]
      if (e.isDirectory()) {
        const index = ["index.mjs", "index.js"].map((f) => path.join(root, e.name, f)).find((f) => fs.existsSync(f))
        return index === undefined ? [] : [index]
      }
      return []
    }).sort()
    const loaded = yield* Effect.forEach(modules, (file) => importTemplates(file, pathToFileURL(file).href))
    return loaded.flat()
  })

/**
 * Imports an npm package or one of its subpaths (resolved from `fromDir`, default the working
 * directory, with the `import` conditions) and collects the templates it exports.
 *
 * @since 0.1.0
 */
export const loadPackage = (
  specifier: string,
  fromDir: string = process.cwd()
): Effect.Effect<ReadonlyArray<Template.Template>, TemplateLoadError> =>
  Either.match(resolvePackageEntry(specifier, fromDir), {
    onLeft: (reason) => Effect.fail(new TemplateLoadError({ source: specifier, cause: reason })),
    onRight: (file) => importTemplates(specifier, pathToFileURL(file).href)
  })

/**
 * A registry over the built-in templates plus those loaded from directories and packages.
 *
 * @since 0.1.0
 */
export const layerFrom = (sources: {
  readonly directories?: ReadonlyArray<string>
  readonly packages?: ReadonlyArray<string>
  readonly fromDir?: string
}): Layer.Layer<TemplateRegistry, RegistryError | TemplateLoadError> =>
  Layer.effect(
    TemplateRegistry,
    Effect.gen(function*() {
      const dirs = yield* Effect.forEach(sources.directories ?? [], loadDirectory)
      const pkgs = yield* Effect.forEach(sources.packages ?? [], (p) => loadPackage(p, sources.fromDir))
      return yield* make([...builtin, ...dirs.flat(), ...pkgs.flat()])
    })
  )
