/**
 * The portal in a real browser (Debian's Chromium through playwright-core), against the static
 * site served from disk and against `paved portal serve`: search, facets and deep links, an
 * entity, a relation and back, the team page, the demo organisation's three flaws where a
 * developer looks, reading without JavaScript, keyboard use, and screenshots at 360 and
 * 1440 px (written to test/artifacts/).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { CatalogStore, type CatalogView } from "@paved/catalog"
import { TemplateRegistry } from "@paved/golden"
import { SpanStore } from "@paved/observe"
import { Portal } from "@paved/portal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Browser, Page } from "playwright-core"
import { pavedBin } from "../../../testing/cli.js"
import { artifacts, beforeReorg, chromiumAvailable, launch, seedDemoStore, serveDirectory } from "./support.js"

const available = chromiumAvailable()

let dir: string
let db: string
let previous: CatalogView.CatalogView
let browser: Browser

const startCli = (args: ReadonlyArray<string>): Promise<{ child: ChildProcess; url: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pavedBin, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } })
    let out = ""
    let err = ""
    const timer = setTimeout(() => reject(new Error(`paved portal serve printed no URL in 60 s: ${err}`)), 60_000)
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      // One JSON document on stdout (possibly pretty-printed over several lines).
      let parsed: { url?: string } | undefined
      try {
        parsed = JSON.parse(out) as { url?: string }
      } catch {
        parsed = undefined
      }
      if (parsed?.url !== undefined) {
        clearTimeout(timer)
        resolve({ child, url: parsed.url })
      }
    })
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()))
    child.on("exit", (code) => reject(new Error(`paved portal serve exited with ${code}: ${err}`)))
  })

const rowsText = (page: Page) => page.locator("#rows tr").allInnerTexts()

/** The journey a developer takes, the same against both ways of publishing. */
const journey = async (base: string, label: string) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const errors: Array<string> = []
  page.on("pageerror", (e) => errors.push(e.message))
  await page.goto(base + "index.html")
  await expect(page.locator("h1").innerText()).resolves.toBe("Catalog")

  // Keyboard: the first Tab reaches the skip link, "/" focuses the search box.
  await page.keyboard.press("Tab")
  expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { className: string } } }).document.activeElement.className)).toBe("skip")
  await page.keyboard.press("/")
  expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe("q")

  // Instant search, with the query in the URL.
  await page.keyboard.type("orders")
  await page.waitForFunction(() => (globalThis as unknown as { location: { search: string } }).location.search.includes("q=orders"))
  const found = await rowsText(page)
  expect(found.length).toBeGreaterThan(0)
  expect(found.every((r) => r.toLowerCase().includes("orders"))).toBe(true)
  expect(found.some((r) => r.includes("orders-api"))).toBe(true)

  // Facets: kind=api narrows to APIs; the deep link restores the same filter.
  await page.fill("#q", "")
  await page.check('#facets input[name="kind"][value="api"]')
  await page.waitForFunction(() => (globalThis as unknown as { location: { search: string } }).location.search.includes("kind=api"))
  const apis = await rowsText(page)
  expect(apis.length).toBe(4)
  expect(apis.every((r) => r.split("\t")[1] === "api")).toBe(true)
  const deepLink = page.url()
  await page.goto(deepLink)
  expect(await page.isChecked('#facets input[name="kind"][value="api"]')).toBe(true)
  expect((await rowsText(page)).length).toBe(4)
  await page.screenshot({ path: path.join(artifacts, `${label}-catalog-1440.png`), fullPage: true })

  // Open an entity from the results, follow a relation, and come back.
  await page.goto(base + "index.html?q=orders-api")
  await page.getByRole("link", { name: "orders-api", exact: true }).first().click()
  await page.waitForURL(/entity\/component\/default\/orders-api\.html$/)
  expect(await page.locator("h1").innerText()).toBe("orders-api")
  // Flaw 2: behind its template, in the golden-path section.
  const golden = await page.locator("#golden").locator("..").innerText()
  expect(golden).toContain("Behind its template")
  expect(golden).toContain("1.0.0")
  await page.screenshot({ path: path.join(artifacts, `${label}-entity-1440.png`), fullPage: true })
  await page.locator("table a[href$='api/default/orders-http.html']").first().click()
  await page.waitForURL(/entity\/api\/default\/orders-http\.html$/)
  expect(await page.locator("#definition").locator("..").innerText()).toMatch(/Operations/)
  await page.goBack()
  await page.waitForURL(/orders-api\.html$/)
  expect(await page.locator("h1").innerText()).toBe("orders-api")

  // Flaw 1: search-indexer's owner was removed in the reorg, on its page, with the fix.
  await page.goto(base + "entity/component/default/search-indexer.html")
  const owner = await page.locator("#owner").locator("..").innerText()
  expect(owner).toContain("owner-removed")
  expect(owner).toContain("Fix: set spec.owner to group:default/catalog-team")

  // Flaw 3: the storefront calls catalog-api without declaring it, on its page.
  await page.goto(base + "entity/component/default/storefront.html")
  const telemetry = await page.locator("#telemetry").locator("..").innerText()
  expect(telemetry).toContain("Undeclared dependency")
  expect(telemetry).toContain("component:default/catalog-api")
  expect(await page.locator("svg.graph").innerHTML()).toContain("calls (undeclared): catalog-api")

  // The team page: what commerce owns, its findings and scorecard summary.
  await page.goto(base + "teams.html")
  await page.locator("main a[href$='entity/group/default/commerce.html']").first().click()
  await page.waitForURL(/entity\/group\/default\/commerce\.html$/)
  const team = await page.locator("main").innerText()
  expect(team).toContain("Owns (")
  expect(team).toContain("orders-api")
  expect(team).toContain("Scorecard summary")

  // The campaign and change pages render.
  await page.goto(base + "scorecards.html")
  expect(await page.locator("h1").innerText()).toContain("Scorecard campaign")
  await page.goto(base + "changes.html")
  expect(await page.locator("main").innerText()).toContain("created")
  expect(errors).toEqual([])
  await context.close()

  // 360 px: readable, nothing wider than the screen.
  const narrow = await browser.newContext({ viewport: { width: 360, height: 740 } })
  const small = await narrow.newPage()
  for (const [name, p] of [["catalog", "index.html"], ["entity", "entity/component/default/storefront.html"]] as const) {
    await small.goto(base + p)
    const width = await small.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(361)
    await small.screenshot({ path: path.join(artifacts, `${label}-${name}-360.png`), fullPage: true })
  }
  await narrow.close()

  // Without JavaScript: every entity listed, entity pages readable.
  const nojs = await browser.newContext({ javaScriptEnabled: false })
  const plain = await nojs.newPage()
  await plain.goto(base + "index.html")
  expect(await plain.locator("tbody tr").count()).toBeGreaterThan(20)
  expect(await plain.isVisible("#q")).toBe(false)
  await plain.goto(base + "entity/component/default/search-indexer.html")
  expect(await plain.locator("#owner").locator("..").innerText()).toContain("owner-removed")
  await nojs.close()
}

describe.runIf(available)("portal in Chromium", () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-portal-browser-"))
    db = path.join(dir, "paved.db")
    fs.mkdirSync(artifacts, { recursive: true })
    previous = await Effect.runPromise(seedDemoStore(db))
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("the static site, served from disk", async () => {
    const out = path.join(dir, "site")
    const report = await Effect.runPromise(
      Portal.build({ out, previous }).pipe(
        Effect.provide(Layer.mergeAll(CatalogStore.layerSqlite({ filename: db }), SpanStore.layerSqlite({ filename: db }), TemplateRegistry.layerBuiltin))
      )
    )
    expect(report.entities).toBeGreaterThan(20)
    const server = await serveDirectory(out)
    try {
      await journey(server.url, "static")
    } finally {
      await server.close()
    }
  }, 180_000)

  it("paved portal serve", async () => {
    const { child, url } = await startCli(["portal", "serve", "--db", db, "--port", "0", "--previous", beforeReorg, "--format", "json"])
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      await journey(url, "serve")
    } finally {
      child.kill("SIGTERM")
      await new Promise((r) => child.once("exit", r))
    }
  }, 180_000)
})
