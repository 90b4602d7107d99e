/**
 * @paved/tui: the Paved terminal UI, a thin keyboard-first Ink view over the Paved packages.
 * The state (reducers, the catalog search index) is pure and usable without Ink.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Tui from "./Tui.js"
/** @since 0.1.0 */
export * as AppState from "./state/app.js"
/** @since 0.1.0 */
export * as CatalogIndex from "./state/catalogIndex.js"
