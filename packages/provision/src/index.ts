/**
 * @paved/provision: resource requests (Score workloads, catalog Resource entities, a typed
 * API), organisational standards, plan / apply / drift / destroy with a journaled state store,
 * and the local and Pulumi backends.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as EmbeddedPostgres from "./EmbeddedPostgres.js"
/** @since 0.1.0 */
export * as EnvironmentName from "./EnvironmentName.js"
/** @since 0.1.0 */
export * as PhysicalName from "./PhysicalName.js"
/** @since 0.1.0 */
export * as OptionalDependency from "./OptionalDependency.js"
/** @since 0.1.0 */
export * as Placeholder from "./Placeholder.js"
/** @since 0.1.0 */
export * as Plan from "./Plan.js"
/** @since 0.1.0 */
export * as Problem from "./Problem.js"
/** @since 0.1.0 */
export * as Provision from "./Provision.js"
/** @since 0.1.0 */
export * as Provisioner from "./Provisioner.js"
/** @since 0.1.0 */
export * as PulumiBackend from "./PulumiBackend.js"
/** @since 0.1.0 */
export * as Request from "./Request.js"
/** @since 0.1.0 */
export * as ResourceType from "./ResourceType.js"
/** @since 0.1.0 */
export * as S3Endpoint from "./S3Endpoint.js"
/** @since 0.2.0 */
export * as ServiceTypes from "./ServiceTypes.js"
/** @since 0.1.0 */
export * as SecretBox from "./SecretBox.js"
/** @since 0.1.0 */
export * as Standards from "./Standards.js"
/** @since 0.1.0 */
export * as StateStore from "./StateStore.js"
/** @since 0.1.0 */
export * as Workload from "./Workload.js"
