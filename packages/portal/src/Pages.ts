/**
 * The pages of the portal, rendered from collected {@link Site.SiteData} with React's server
 * renderer (`renderToStaticMarkup`): every catalog value reaches the HTML as escaped text or
 * an escaped attribute, and links to catalog URLs pass through an http(s)/mailto allow-list.
 * Pages render on first request and are kept, so a live server only renders what is visited
 * and a build renders each page once.
 *
 * @since 0.1.0
 */
import { createElement } from "react"
import { renderToStaticMarkup } from "react-dom/server"
import { css, searchScript } from "./internal/assets.js"
import { entityPath } from "./internal/href.js"
import * as Model from "./internal/model.js"
import { EntityPage } from "./internal/pages/entity.js"
import { CampaignPage, CatalogPage, ChangesPage, TeamsPage } from "./internal/pages/overview.js"
import { searchIndexScript } from "./internal/searchIndex.js"
import type { SiteData } from "./Site.js"

/**
 * A rendered site: its paths (relative, `/`-separated) and each page's content by path.
 *
 * @since 0.1.0
 */
export interface Site {
  readonly generatedAt: string
  readonly paths: ReadonlyArray<string>
  /** The content at `path`, or undefined when the site has no such page. */
  readonly page: (path: string) => string | undefined
  /** The same as `page`, without keeping the result (a build writes each page once). */
  readonly render: (path: string) => string | undefined
}

/**
 * The media type of a site path, from its extension.
 *
 * @since 0.1.0
 */
export const contentType = (path: string): string =>
  path.endsWith(".html")
    ? "text/html; charset=utf-8"
    : path.endsWith(".css")
    ? "text/css; charset=utf-8"
    : path.endsWith(".js")
    ? "text/javascript; charset=utf-8"
    : "application/octet-stream"

/**
 * The site path of an entity's page, for a canonical ref (`component:default/orders-api` →
 * `entity/component/default/orders-api.html`).
 *
 * @since 0.1.0
 */
export const pathOfEntity = (ref: string): string => entityPath(ref)

const html = (element: Parameters<typeof renderToStaticMarkup>[0]) => "<!DOCTYPE html>" + renderToStaticMarkup(element)

/**
 * Builds the site over collected data. Nothing renders until a page is asked for.
 *
 * @since 0.1.0
 */
export const make = (data: SiteData): Site => {
  const model = Model.build(data)
  const entityPaths = new Map(data.entities.map((e) => [entityPath(e.ref), e]))
  const fixed: Record<string, () => string> = {
    "index.html": () => html(createElement(CatalogPage, { model })),
    "teams.html": () => html(createElement(TeamsPage, { model })),
    "scorecards.html": () => html(createElement(CampaignPage, { model })),
    "changes.html": () => html(createElement(ChangesPage, { model })),
    "assets/portal.css": () => css,
    "assets/search.js": () => searchScript,
    "assets/search-index.js": () => searchIndexScript(model)
  }
  const render = (path: string): string | undefined => {
    const fixedPage = Object.hasOwn(fixed, path) ? fixed[path] : undefined
    if (fixedPage !== undefined) return fixedPage()
    const stored = entityPaths.get(path)
    return stored === undefined ? undefined : html(createElement(EntityPage, { model, stored }))
  }
  const cache = new Map<string, string>()
  return {
    generatedAt: data.generatedAt,
    paths: [...Object.keys(fixed), ...entityPaths.keys()],
    render,
    page: (path) => {
      const hit = cache.get(path)
      if (hit !== undefined) return hit
      const out = render(path)
      if (out !== undefined) cache.set(path, out)
      return out
    }
  }
}
