/**
 * @paved/observe: telemetry tied to the catalog — OTel wiring from catalog metadata, an
 * embedded OTLP/HTTP receiver, a span store, trace search, RED, service map and dependency drift.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Observe from "./Observe.js"
/** @since 0.1.0 */
export * as Span from "./Span.js"
/** @since 0.1.0 */
export * as SpanStore from "./SpanStore.js"
/** @since 0.1.0 */
export * as Receiver from "./Receiver.js"
/** @since 0.1.0 */
export * as Drift from "./Drift.js"
/** @since 0.1.0 */
export * as TeamView from "./TeamView.js"
/** @since 0.1.0 */
export * as Otlp from "./Otlp.js"
/** @since 0.2.0 */
export * as Metric from "./Metric.js"
/** @since 0.2.0 */
export * as GoldenSignals from "./GoldenSignals.js"
/** @since 0.2.0 */
export * as TraceLogs from "./TraceLogs.js"
