/**
 * @paved/envs: environments and preview environments for change sets — cross-service,
 * provisioned, observed, and leaving nothing behind.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ChangeSet from "./ChangeSet.js"
/** @since 0.1.0 */
export * as Diff from "./Diff.js"
/** @since 0.1.0 */
export * as Environment from "./Environment.js"
/** @since 0.1.0 */
export * as Environments from "./Environments.js"
/** @since 0.1.0 */
export * as EnvStore from "./EnvStore.js"
/** @since 0.1.0 */
export * as Manifests from "./Manifests.js"
/** @since 0.2.0 */
export * as NodeImage from "./NodeImage.js"
/** @since 0.2.0 */
export * as Processes from "./Processes.js"
/** @since 0.1.0 */
export * as RunSet from "./RunSet.js"
/** @since 0.2.0 */
export * as ServiceRuntime from "./ServiceRuntime.js"
