/**
 * A short burst of real traffic through the demo's storefront: page views and purchases, a few
 * at a time, so that every service and database shows up in the traces.
 */
import * as Effect from "effect/Effect"

/** What the burst did. */
export interface Burst {
  readonly requests: number
  readonly failures: number
  readonly ordersPlaced: number
}

const request = (url: string, init?: RequestInit) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
    await response.arrayBuffer()
    return response.status
  }).pipe(Effect.orElseSucceed(() => 0))

/** Sends `rounds` page views and a purchase every third round to the storefront at `baseUrl`. */
export const burst = (baseUrl: string, rounds: number): Effect.Effect<Burst> =>
  Effect.gen(function*() {
    const books = ["b1", "b2", "b3", "b4"]
    const statuses = yield* Effect.forEach(
      Array.from({ length: rounds }, (_, i) => i),
      (i) =>
        i % 3 === 2
          ? request(`${baseUrl}/buy/${books[i % books.length]}`, { method: "POST" }).pipe(Effect.map((status) => ({ status, order: true })))
          : request(`${baseUrl}/`).pipe(Effect.map((status) => ({ status, order: false }))),
      { concurrency: 4 }
    )
    return {
      requests: statuses.length,
      failures: statuses.filter((s) => s.status === 0 || s.status >= 400).length,
      ordersPlaced: statuses.filter((s) => s.order && s.status === 201).length
    }
  })
