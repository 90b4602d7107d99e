/**
 * The one tsup configuration every package builds with: ESM for Node 20, one entry per public
 * module (`src/*.ts(x)`), shared chunks for `src/internal/`. Declarations come from `tsc`.
 */
import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/*.ts", "src/*.tsx"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  splitting: true,
  clean: true,
  dts: false,
  sourcemap: false
})
