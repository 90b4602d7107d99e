import { defineConfig } from "vitest/config"

// Tests import packages by their published names; the "@paved/source" export condition maps
// those names to `src/` so the suites run against the code as written, without a build step.
const conditions = ["@paved/source", "import", "module", "node", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@paved/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.{ts,tsx}", "examples/**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"]
  }
})
