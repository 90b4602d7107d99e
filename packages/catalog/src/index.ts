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
/** @since 0.1.0 */
export * as CatalogView from "./CatalogView.js"
/** @since 0.1.0 */
export * as Facts from "./Facts.js"
/** @since 0.1.0 */
export * as Rule from "./Rule.js"
/** @since 0.1.0 */
export * as BuiltinRules from "./BuiltinRules.js"
/** @since 0.1.0 */
export * as Scorecard from "./Scorecard.js"
/** @since 0.1.0 */
export * as OwnershipHealth from "./OwnershipHealth.js"
/** @since 0.1.0 */
export * as ScoreStore from "./ScoreStore.js"
