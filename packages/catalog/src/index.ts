/**
 * @paved/catalog: Backstage-compatible entities, references, validation, relations, store,
 * queries, graph and scorecards.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Entity from "./Entity.js"
/** @since 0.1.0 */
export * as EntityRef from "./EntityRef.js"
