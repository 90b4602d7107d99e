/**
 * `Portal.serve` over a store that changes: the new entity's page appears without a restart;
 * responses are gzip-compressed when asked, carry a CSP, and unknown or escaping paths are 404.
 */
import { describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogStore } from "@paved/catalog"
import { Pages, Portal } from "@paved/portal"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as zlib from "node:zlib"

const component = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  description: The ${name} service.
spec:
  type: service
  lifecycle: production
  owner: group:default/team-a
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
`

const fetchEffect = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const res = await fetch(url, { headers })
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) }
  })

describe("Portal.serve", () => {
  it.scopedLive("re-renders when the store changes, gzip, CSP, 404s", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-portal-serve-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const file = path.join(dir, "catalog-info.yaml")
      fs.writeFileSync(file, component("first"))
      const store = yield* CatalogStore.CatalogStore
      yield* store.ingest(yield* Catalog.load([file]))

      const server = yield* Portal.serve({ pollInterval: "100 millis" })
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      const second = server.url + Pages.pathOfEntity("component:default/second")
      expect((yield* fetchEffect(second)).status).toBe(404)

      const index = yield* fetchEffect(server.url, { "accept-encoding": "gzip" })
      expect(index.status).toBe(200)
      expect(index.headers.get("content-security-policy")).toContain("script-src 'self'")
      expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8")
      // fetch decodes gzip itself; the header says it was sent compressed.
      expect(index.headers.get("content-encoding")).toBe("gzip")
      expect(index.body.toString()).toContain("first")
      expect(zlib.gzipSync(index.body).length).toBeLessThan(index.body.length)

      fs.writeFileSync(file, component("first") + "---\n" + component("second").split("---")[0])
      yield* store.ingest(yield* Catalog.load([file]))
      let status = 0
      for (let i = 0; i < 100 && status !== 200; i++) {
        yield* Effect.sleep("100 millis")
        status = (yield* fetchEffect(second)).status
      }
      expect(status).toBe(200)
      expect((yield* fetchEffect(server.url + "index.html")).body.toString()).toContain("second")

      expect((yield* fetchEffect(server.url + "..%2f..%2fetc%2fpasswd")).status).toBe(404)
      expect((yield* fetchEffect(server.url + "nope.html")).status).toBe(404)
    }).pipe(Effect.provide(CatalogStore.layerMemory)), 60_000)
})
