/**
 * The pieces every page uses: the document frame (skip link, navigation, footer), links to
 * entities, and links to URLs written in the catalog (only http(s) and mailto become links).
 */
import type { ReactNode } from "react"
import { entityPath, safeHref, shortRef } from "../href.js"
import type { Model } from "../model.js"

/** The site's top-level pages, in navigation order. */
export const NAV: ReadonlyArray<readonly [path: string, label: string]> = [
  ["index.html", "Catalog"],
  ["teams.html", "Teams"],
  ["scorecards.html", "Scorecards"],
  ["changes.html", "What changed"]
]

/** The document frame. */
export const Layout = (props: {
  readonly root: string
  readonly path: string
  readonly title: string
  readonly generatedAt: string
  readonly scripts?: ReadonlyArray<string>
  readonly children: ReactNode
}) => (
  <html lang="en">
    <head>
      <meta charSet="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${props.title} · Paved portal`}</title>
      <link rel="stylesheet" href={`${props.root}assets/portal.css`} />
    </head>
    <body>
      <a className="skip" href="#main">Skip to content</a>
      <header className="site">
        <a className="brand" href={`${props.root}index.html`}>Paved portal</a>
        <nav aria-label="Site">
          <ul>
            {NAV.map(([path, label]) => (
              <li key={path}>
                <a href={`${props.root}${path}`} aria-current={path === props.path ? "page" : undefined}>{label}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>{props.children}</main>
      <footer>Generated {props.generatedAt} from the Paved catalog store.</footer>
      {(props.scripts ?? []).map((s) => <script key={s} src={`${props.root}${s}`} defer />)}
    </body>
  </html>
)

/** A link to an entity's page, or the ref as text when the catalog does not hold it. */
export const EntityLink = (props: { readonly model: Model; readonly root: string; readonly entityRef: string; readonly full?: boolean }) => {
  const known = props.model.byRef.has(props.entityRef)
  const label = props.full === true ? props.entityRef : known ? props.model.title(props.entityRef) : shortRef(props.entityRef)
  return known
    ? <a href={props.root + entityPath(props.entityRef)}>{label}</a>
    : <span>{label} <span className="muted">(not in the catalog)</span></span>
}

/** A link to a URL from the catalog; anything but http(s) or mailto is shown as text. */
export const ExternalLink = (props: { readonly url: unknown; readonly children?: ReactNode }) => {
  const href = safeHref(props.url)
  const text = props.children ?? String(props.url)
  return href === undefined
    ? <span>{text} <span className="muted">(not linked: only http, https and mailto links are allowed)</span></span>
    : <a href={href} rel="noopener noreferrer">{text}</a>
}

/** A table that scrolls sideways on narrow screens instead of overflowing the page. */
export const Table = (props: { readonly caption?: string; readonly head: ReadonlyArray<string>; readonly bodyId?: string; readonly children: ReactNode }) => (
  <div className="table-wrap">
    <table>
      {props.caption === undefined ? null : <caption className="muted">{props.caption}</caption>}
      <thead>
        <tr>{props.head.map((h) => <th key={h} scope="col">{h}</th>)}</tr>
      </thead>
      <tbody id={props.bodyId}>{props.children}</tbody>
    </table>
  </div>
)

/** A section whose data could not be read. */
export const Missing = (props: { readonly reason: string }) => <p className="muted">{props.reason}</p>

/** A date-time as written, in a `<time>` element. */
export const Time = (props: { readonly iso: string }) => <time dateTime={props.iso}>{props.iso.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>
