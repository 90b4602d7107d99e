import { defineConfig } from "vitest/config"

// Tests import packages by their published names; the "@paved/source" export condition maps
// those names to `src/` so the suites run against the code as written, without a build step.
const conditions = ["@paved/source", "import", "module", "node", "default"]

export default defineConfig({
  resolve: { conditions },
  // Vitest also hands ssr.resolve.conditions to the worker's `node --conditions`; "import" there
  // makes Node's require() pick ESM builds of CommonJS packages (pg -> pg-pool breaks), so the
  // worker gets only conditions that are safe for require().
  ssr: { resolve: { conditions: ["@paved/source", "node", "default"], externalConditions: ["@paved/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.{ts,tsx}", "examples/**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"]
  }
})
