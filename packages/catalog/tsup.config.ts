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
