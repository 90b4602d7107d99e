/**
 * Hostile catalog values never become markup or script: the classic payloads in titles,
 * descriptions, links, annotations, labels, API definitions and a team's display name are
 * rendered, then every page is opened in Chromium (served as plain files, no CSP) with a
 * `window.__pavedXss` flag that any payload would set; it stays unset, and no link on any page
 * has a `javascript:` (or any non-http(s)/mailto) target.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogStore } from "@paved/catalog"
import { Pages, Portal, Site } from "@paved/portal"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Browser } from "playwright-core"
import { chromiumAvailable, launch, serveDirectory } from "./support.js"

const FLAG = "window.__pavedXss=1"
const PAYLOADS = [
  `<script>${FLAG}</script>`,
  `<img src=x onerror="${FLAG}">`,
  `"><svg onload=${FLAG}>`,
  `'><iframe srcdoc="<script>parent.__pavedXss=1</script>">`,
  `</title><script>${FLAG}</script>`,
  `</script><script>${FLAG}</script>`,
  `<a href="javascript:${FLAG}">click</a>`,
  `{{constructor.constructor('${FLAG}')()}}`,
  `<details open ontoggle=${FLAG}>`,
  "\u2028\u2029<script>" + FLAG + "</script>"
]
const HOSTILE_URLS = [
  `javascript:${FLAG}`,
  `JaVaScRiPt:${FLAG}`,
  ` javascript:${FLAG}`,
  `java\tscript:${FLAG}`,
  `data:text/html,<script>${FLAG}</script>`,
  `vbscript:msgbox(1)`,
  `javascript://%0a${FLAG}`
]

const yamlString = (s: string) => JSON.stringify(s)

const hostileCatalog = (): string => {
  const docs: Array<string> = []
  PAYLOADS.forEach((payload, i) => {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: hostile-${i}
  title: ${yamlString(payload)}
  description: ${yamlString(payload)}
  labels:
    tier: "x${i}"
  annotations:
    example.com/payload: ${yamlString(payload)}
    backstage.io/source-location: ${yamlString("url:" + HOSTILE_URLS[i % HOSTILE_URLS.length])}
  links:
${HOSTILE_URLS.map((u) => `    - url: ${yamlString(u)}\n      title: ${yamlString(payload)}`).join("\n")}
    - url: https://example.com/ok
      title: ${yamlString(payload)}
spec:
  type: ${yamlString("service")}
  lifecycle: ${yamlString(payload)}
  owner: group:default/hostile-team
  system: ${yamlString("hostile-system")}
  providesApis: [hostile-api-${i}]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: hostile-api-${i}
  description: ${yamlString(payload)}
spec:
  type: ${i % 2 === 0 ? "openapi" : "graphql"}
  lifecycle: production
  owner: group:default/hostile-team
  definition: ${yamlString(i % 2 === 0 ? `openapi: 3.0.3\ninfo: { title: ${yamlString(payload)}, version: "1", description: ${yamlString(payload)} }\npaths:\n  /x:\n    get:\n      summary: ${yamlString(payload)}\n      responses: { "200": { description: ${yamlString(payload)} } }\n` : payload)}`)
  })
  docs.push(`apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: hostile-team
  title: ${yamlString(PAYLOADS[0]!)}
  description: ${yamlString(PAYLOADS[1]!)}
spec:
  type: team
  profile:
    displayName: ${yamlString(PAYLOADS[2]!)}
    email: ${yamlString("javascript:" + FLAG)}
  children: []`)
  return docs.join("\n---\n") + "\n"
}

const available = chromiumAvailable()
let dir: string
let browser: Browser

describe.runIf(available)("portal XSS", () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-portal-xss-"))
    fs.writeFileSync(path.join(dir, "catalog-info.yaml"), hostileCatalog())
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("no payload runs and no unsafe link exists on any page", async () => {
    const out = path.join(dir, "site")
    const site = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* CatalogStore.CatalogStore
      const loaded = yield* Catalog.load([path.join(dir, "catalog-info.yaml")])
      const errors = loaded.problems.filter((p) => p.severity === "error")
      expect(errors.map((p) => p.message)).toEqual([])
      yield* store.ingest(loaded)
      const data = yield* Site.collect()
      expect(data.entities.length).toBe(PAYLOADS.length * 2 + 1)
      yield* Portal.writeSite(Pages.make(data), out)
      return Pages.make(data)
    }).pipe(Effect.provide(CatalogStore.layerMemory)))

    // In the markup itself: no payload element survives as markup.
    for (const p of site.paths.filter((p) => p.endsWith(".html"))) {
      const html = site.page(p)!
      expect(html.match(/<script>[^<]*__pavedXss|<img src=x|<svg onload|<iframe|<details open|href="\s*(javascript|data|vbscript):/i), p).toBeNull()
    }

    const server = await serveDirectory(out)
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const dialogs: Array<string> = []
      page.on("dialog", (d) => (dialogs.push(d.message()), void d.dismiss()))
      for (const p of site.paths.filter((p) => p.endsWith(".html"))) {
        await page.goto(server.url + p)
        // Let the search script run (it renders rows and facets from the index).
        await page.waitForLoadState("load")
        const state = await page.evaluate(() => {
          const w = globalThis as unknown as { __pavedXss?: unknown; document: { querySelectorAll: (s: string) => ArrayLike<{ getAttribute: (n: string) => string | null }> } }
          const hrefs = Array.from(w.document.querySelectorAll("a[href]")).map((a) => a.getAttribute("href") ?? "")
          const svgHrefs = Array.from(w.document.querySelectorAll("a[*|href]")).map((a) => a.getAttribute("href") ?? a.getAttribute("xlink:href") ?? "")
          return { flag: w.__pavedXss, hrefs: [...hrefs, ...svgHrefs] }
        })
        expect(state.flag, `a payload ran on ${p}`).toBeUndefined()
        for (const href of state.hrefs) {
          // Relative links inside the site, or absolute http(s)/mailto.
          expect(href, `unsafe link on ${p}`).toMatch(/^(https?:\/\/|mailto:|[a-z0-9._/-]+\.html(\?[^:]*)?$|(\.\.\/)*[a-z0-9._/-]+\.html|#)/i)
          expect(href.replace(/\s/g, "").toLowerCase()).not.toContain("javascript:")
        }
      }
      // The search script inserts values as text: search for a payload and check again.
      await page.goto(server.url + "index.html?q=" + encodeURIComponent("<img"))
      await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById: (i: string) => { textContent: string } } }).document.getElementById("count").textContent.includes("of"))
      expect(await page.evaluate(() => (globalThis as unknown as { __pavedXss?: unknown }).__pavedXss)).toBeUndefined()
      expect(await page.locator("#rows tr").count()).toBeGreaterThan(0)
      expect(dialogs).toEqual([])
      // The hostile titles are shown as text, exactly as written.
      await page.goto(server.url + "entity/component/default/hostile-1.html")
      expect(await page.locator("h1").innerText()).toBe(PAYLOADS[1])
      expect(await page.locator("#links").locator("..").innerText()).toContain("not linked: only http, https and mailto links are allowed")
    } finally {
      await context.close()
      await server.close()
    }
  }, 180_000)
})
