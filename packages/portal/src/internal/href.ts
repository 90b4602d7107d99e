/**
 * Where each page lives and which link targets may reach the markup. Pages link to each other
 * with relative URLs, so the site works from any folder of any host (and from `file://`).
 */

/** The only schemes a catalog value may link to. */
const ALLOWED_SCHEMES = new Set(["http:", "https:", "mailto:"])

/**
 * The link target for a URL written in the catalog, or undefined when it must not become a
 * link: anything but an absolute http(s) or mailto URL (javascript:, data:, vbscript:,
 * relative paths, protocol-relative URLs, URLs with control characters).
 */
export const safeHref = (raw: unknown): string | undefined => {
  if (typeof raw !== "string") return undefined
  const text = raw.trim()
  // Browsers strip tabs and newlines inside URLs ("java\tscript:"), so refuse any control character.
  // eslint-disable-next-line no-control-regex
  if (text.length === 0 || /[\u0000-\u001f\u007f\\]/.test(text)) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) return undefined
  if (url.protocol !== "mailto:" && !/^https?:\/\//i.test(text)) return undefined
  return url.href
}

/** The parts of a canonical ref `kind:namespace/name`. */
export const refParts = (ref: string): { readonly kind: string; readonly namespace: string; readonly name: string } => {
  const colon = ref.indexOf(":")
  const slash = ref.indexOf("/", colon + 1)
  return {
    kind: ref.slice(0, colon),
    namespace: slash < 0 ? "default" : ref.slice(colon + 1, slash),
    name: slash < 0 ? ref.slice(colon + 1) : ref.slice(slash + 1)
  }
}

const segment = (s: string) => encodeURIComponent(s.toLowerCase())

/** The site path of an entity's page (the client script computes the same). */
export const entityPath = (ref: string): string => {
  const p = refParts(ref)
  return `entity/${segment(p.kind)}/${segment(p.namespace)}/${segment(p.name)}.html`
}

/** The prefix that leads from a page at `path` back to the site root. */
export const rootOf = (path: string): string => "../".repeat(path.split("/").length - 1)

/** A short label for a ref: the name, with the namespace when it is not `default`. */
export const shortRef = (ref: string): string => {
  const p = refParts(ref)
  return p.namespace === "default" ? p.name : `${p.namespace}/${p.name}`
}
