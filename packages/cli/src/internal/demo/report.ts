/**
 * What `paved demo` reports: one document with a section per step, and the findings — the
 * problems the demo organisation's catalog, telemetry and templates show.
 */

/** A problem the demo found, with what to do about it. */
export interface Finding {
  readonly kind: "undeclared-dependency" | "unobserved-dependency" | "unknown-service" | "owner-removed" | "dangling-owner" | "behind-template" | "catalog-error"
  readonly subject: string
  readonly detail: string
  readonly fix: string
}

/** How long a step took. */
export interface StepTiming {
  readonly step: string
  readonly ms: number
}

/** The whole report (`--format json` prints exactly this). */
export interface DemoReport {
  readonly catalog: {
    readonly directory: string
    readonly entities: number
    readonly byKind: Readonly<Record<string, number>>
    readonly errors: number
    readonly warnings: number
    readonly ingested: { readonly created: number; readonly updated: number; readonly unchanged: number }
  }
  readonly scorecards: {
    readonly scored: number
    readonly levels: Readonly<Record<string, number>>
    readonly owners: ReadonlyArray<{ readonly owner: string | null; readonly entities: number; readonly points: string }>
  }
  readonly ownership: ReadonlyArray<{ readonly entity: string; readonly problem: string; readonly owner: string | null; readonly suggestion: string | null; readonly why: string }>
  readonly golden: ReadonlyArray<{ readonly ref: string; readonly template: string; readonly version: string; readonly latest: string; readonly upToDate: boolean }>
  readonly environment: {
    readonly name: string
    readonly type: string
    readonly run: ReadonlyArray<{ readonly ref: string; readonly reason: string }>
    readonly skipped: ReadonlyArray<{ readonly ref: string; readonly reason: string }>
    readonly resources: ReadonlyArray<{ readonly key: string; readonly type: string; readonly class: string; readonly name: string }>
    readonly services: ReadonlyArray<{ readonly ref: string; readonly url: string | undefined }>
    readonly telemetry: string | undefined
  }
  readonly traffic: { readonly requests: number; readonly failures: number; readonly ordersPlaced: number }
  readonly telemetry: {
    readonly spans: number
    readonly traces: number
    readonly red: ReadonlyArray<{ readonly service: string; readonly requests: number; readonly errorRatio: number; readonly p50Ms: number; readonly p95Ms: number; readonly p99Ms: number }>
    readonly serviceMap: ReadonlyArray<{ readonly source: string; readonly target: string; readonly calls: number; readonly via: string }>
    /** Per service: requests counted by its own `http.server.request.duration` histogram, and its runtime metrics. */
    readonly metrics: ReadonlyArray<{ readonly service: string; readonly httpServerRequests: number; readonly memoryMiB: number | null; readonly eventLoopDelayMs: number | null }>
    /** The log records of the trace with the most spans. */
    readonly traceLogs: { readonly traceId: string | null; readonly logs: ReadonlyArray<{ readonly service: string; readonly severity: string; readonly message: string }> }
  }
  readonly teardown: {
    readonly processesLeft: number
    readonly portsLeft: number
    readonly kept: boolean
    /** With `--runtime docker`: what still carries the environment's label after teardown. */
    readonly docker?: { readonly containers: number; readonly networks: number; readonly volumes: number }
  }
  readonly findings: ReadonlyArray<Finding>
  readonly timings: ReadonlyArray<StepTiming>
  readonly durationMs: number
}
