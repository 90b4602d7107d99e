/**
 * The two ways to publish the portal: `build` writes the static site to a directory (for CI to
 * publish anywhere), `serve` serves the same pages live on 127.0.0.1 and re-renders them when
 * the catalog store changes. Both read through {@link Site.collect}, so they need the
 * `CatalogStore` and use whatever other Paved services the context provides.
 *
 * @since 0.1.0
 */
import { CatalogStore } from "@paved/catalog"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import * as zlib from "node:zlib"
import * as Pages from "./Pages.js"
import * as Site from "./Site.js"

/**
 * What a build wrote.
 *
 * @since 0.1.0
 */
export interface BuildReport {
  readonly out: string
  readonly pages: number
  readonly bytes: number
  readonly entities: number
  readonly durationMs: number
}

/**
 * Options of {@link build}: the output directory (created; files of an earlier build are
 * overwritten, nothing else is removed) and what to collect.
 *
 * @since 0.1.0
 */
export interface BuildOptions extends Site.CollectOptions {
  readonly out: string
}

const ioError = (operation: string) => (cause: unknown) =>
  new Site.PortalError({ operation, detail: cause instanceof Error ? cause.message : String(cause), cause })

/**
 * Writes every page of the site under `out`.
 *
 * @since 0.1.0
 */
export const writeSite = (site: Pages.Site, out: string): Effect.Effect<{ readonly pages: number; readonly bytes: number }, Site.PortalError> =>
  Effect.try({
    try: () => {
      const root = path.resolve(out)
      const dirs = new Set<string>()
      let bytes = 0
      for (const p of site.paths) {
        const content = site.render(p)
        if (content === undefined) continue
        const file = path.join(root, ...p.split("/"))
        const dir = path.dirname(file)
        if (!dirs.has(dir)) {
          fs.mkdirSync(dir, { recursive: true })
          dirs.add(dir)
        }
        fs.writeFileSync(file, content)
        bytes += Buffer.byteLength(content)
      }
      return { pages: site.paths.length, bytes }
    },
    catch: ioError(`writing the site to ${out} (check that the directory is writable)`)
  })

/**
 * Collects the data and writes the static site.
 *
 * @since 0.1.0
 */
export const build = (options: BuildOptions): Effect.Effect<BuildReport, Site.PortalError, CatalogStore.CatalogStore> =>
  Effect.gen(function*() {
    const started = Date.now()
    const data = yield* Site.collect(options)
    const written = yield* writeSite(Pages.make(data), options.out)
    return { out: path.resolve(options.out), ...written, entities: data.entities.length, durationMs: Date.now() - started }
  })

/**
 * Options of {@link serve}: port (default 0: any free port), host (default and recommended
 * 127.0.0.1), how often to look for store changes (default 2 s) and to refresh telemetry
 * (default 30 s), and what to collect.
 *
 * @since 0.1.0
 */
export interface ServeOptions extends Site.CollectOptions {
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly pollInterval?: Duration.DurationInput | undefined
  readonly refreshInterval?: Duration.DurationInput | undefined
  /** Called after each re-render (the first one included). */
  readonly onRender?: ((site: Pages.Site) => void) | undefined
}

/**
 * A running portal server.
 *
 * @since 0.1.0
 */
export interface Server {
  readonly url: string
  readonly port: number
  /** The site currently served. */
  readonly current: () => Pages.Site
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
}

/** What says the store changed: its newest history entry, entity count and newest score run. */
const storeVersion = Effect.gen(function*() {
  const store = yield* CatalogStore.CatalogStore
  const latest = yield* store.history({ limit: 1 })
  const count = yield* store.count
  return `${latest[0]?.id ?? 0}@${latest[0]?.at ?? ""}#${count}`
})

/**
 * Serves the site on `host:port` for the life of the scope. The pages are re-rendered when the
 * catalog store's history or size changes, and at least every `refreshInterval` (telemetry and
 * environments move on their own). The server is closed (open connections too) when the scope
 * ends.
 *
 * @since 0.1.0
 */
export const serve = (
  options: ServeOptions = {}
): Effect.Effect<Server, Site.PortalError, CatalogStore.CatalogStore | Scope.Scope> =>
  Effect.gen(function*() {
    let version = yield* storeVersion.pipe(Effect.mapError(ioError("reading the store's version")))
    let site = Pages.make(yield* Site.collect(options))
    let renderedAt = Date.now()
    options.onRender?.(site)
    const gzipCache = new Map<string, Buffer>()

    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end()
        return
      }
      let p: string
      try {
        p = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname).replace(/^\/+/, "")
      } catch {
        res.writeHead(400).end()
        return
      }
      if (p === "" || p.endsWith("/")) p += "index.html"
      const current = site
      const body = current.page(p)
      if (body === undefined) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS }).end("Not found\n")
        return
      }
      const headers: Record<string, string> = { "content-type": Pages.contentType(p), "cache-control": "no-cache", ...SECURITY_HEADERS }
      if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
        const key = `${current.generatedAt}:${p}`
        let gz = gzipCache.get(key)
        if (gz === undefined) {
          gz = zlib.gzipSync(body)
          gzipCache.set(key, gz)
        }
        res.writeHead(200, { ...headers, "content-encoding": "gzip", "content-length": String(gz.length), vary: "accept-encoding" })
        res.end(req.method === "HEAD" ? undefined : gz)
      } else {
        res.writeHead(200, { ...headers, "content-length": String(Buffer.byteLength(body)) })
        res.end(req.method === "HEAD" ? undefined : body)
      }
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server, Site.PortalError>((resume) => {
        const s = http.createServer(handler)
        s.once("error", (e) => resume(Effect.fail(ioError(`listening on ${options.host ?? "127.0.0.1"}:${options.port ?? 0} (is the port free?)`)(e))))
        s.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resume(Effect.succeed(s)))
      }),
      (s) =>
        Effect.async<void>((resume) => {
          s.close(() => resume(Effect.void))
          s.closeAllConnections()
        }).pipe(Effect.timeout(Duration.seconds(5)), Effect.ignore)
    )

    const refreshEvery = Duration.toMillis(Duration.decode(options.refreshInterval ?? "30 seconds"))
    const refresh = Effect.gen(function*() {
      const now = yield* storeVersion
      if (now === version && Date.now() - renderedAt < refreshEvery) return
      const data = yield* Site.collect(options)
      version = now
      site = Pages.make(data)
      renderedAt = Date.now()
      gzipCache.clear()
      options.onRender?.(site)
    }).pipe(
      // A store that is briefly locked or mid-migration is read again on the next tick.
      Effect.catchAll((e) => Effect.logWarning(`portal: keeping the previous pages: ${e.message}`))
    )
    yield* Effect.forkScoped(Effect.repeat(refresh, Schedule.spaced(options.pollInterval ?? "2 seconds")))

    const port = (server.address() as AddressInfo).port
    return { url: `http://${options.host ?? "127.0.0.1"}:${port}/`, port, current: () => site }
  })
