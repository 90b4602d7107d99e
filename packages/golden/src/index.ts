/**
 * @paved/golden: golden-path templates as code, scaffolding, template conformance, 3-way
 * updates with typed migrations, and CI pipelines generated from the catalog and the workload.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Template from "./Template.js"
/** @since 0.1.0 */
export * as TemplateRegistry from "./TemplateRegistry.js"
/** @since 0.1.0 */
export * as NodeHttpService from "./NodeHttpService.js"
/** @since 0.1.0 */
export * as Manifest from "./Manifest.js"
/** @since 0.1.0 */
export * as ServiceFiles from "./ServiceFiles.js"
/** @since 0.1.0 */
export * as Scaffold from "./Scaffold.js"
/** @since 0.1.0 */
export * as Conformance from "./Conformance.js"
/** @since 0.1.0 */
export * as Merge from "./Merge.js"
/** @since 0.1.0 */
export * as Update from "./Update.js"
/** @since 0.1.0 */
export * as Pipeline from "./Pipeline.js"
/** @since 0.1.0 */
export * as BackstageTemplate from "./BackstageTemplate.js"
/** @since 0.2.0 */
export * as BackstageAction from "./BackstageAction.js"
/** @since 0.1.0 */
export * as Currency from "./Currency.js"
