/**
 * @paved/portal: the catalog as web pages, a static site from CI or the same pages served
 * live from a local store.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Site from "./Site.js"
/** @since 0.1.0 */
export * as Pages from "./Pages.js"
/** @since 0.1.0 */
export * as Portal from "./Portal.js"
