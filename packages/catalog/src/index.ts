/**
 * @paved/catalog: Backstage-compatible entities, references, validation, relations, store,
 * queries, graph and scorecards.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Catalog from "./Catalog.js"
/** @since 0.2.0 */
export * as CatalogSource from "./CatalogSource.js"
/** @since 0.1.0 */
export * as CatalogStore from "./CatalogStore.js"
/** @since 0.2.0 */
export * as Database from "./Database.js"
/** @since 0.1.0 */
export * as Entity from "./Entity.js"
/** @since 0.1.0 */
export * as EntityRef from "./EntityRef.js"
/** @since 0.1.0 */
export * as FieldFormat from "./FieldFormat.js"
/** @since 0.1.0 */
export * as Graph from "./Graph.js"
/** @since 0.1.0 */
export * as History from "./History.js"
/** @since 0.1.0 */
export * as Ingest from "./Ingest.js"
/** @since 0.1.0 */
export * as Integrity from "./Integrity.js"
/** @since 0.1.0 */
export * as KindRegistry from "./KindRegistry.js"
/** @since 0.1.0 */
export * as Kinds from "./Kinds.js"
/** @since 0.1.0 */
export * as Problem from "./Problem.js"
/** @since 0.1.0 */
export * as Query from "./Query.js"
/** @since 0.1.0 */
export * as Relations from "./Relations.js"
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
export * as ProjectConfig from "./ProjectConfig.js"
/** @since 0.2.0 */
export * as Yaml from "./Yaml.js"
