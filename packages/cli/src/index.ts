/**
 * The `paved` command line as a library: run it in-process (tests, wrappers) with `run`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Output from "./Output.js"
/** @since 0.1.0 */
export { groups, rootHelp, run, version } from "./main.js"
/** @since 0.1.0 */
export * as Lists from "./Lists.js"
