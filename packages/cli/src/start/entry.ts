/**
 * The entry point of the start-up bundle (`dist/paved.cjs`, built by `bundle/startBundle.ts`):
 * the command line of `main.ts`, which `bin.ts` runs through `codeCache.ts`.
 *
 * @since 0.1.0
 */
export { run } from "../main.js"
