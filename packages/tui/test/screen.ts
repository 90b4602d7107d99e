/**
 * Reading an Ink screen in component tests: frames without colour codes, waiting until a frame
 * shows something, and typing one key at a time as a person would.
 */

/** A frame without ANSI colour codes. */
// eslint-disable-next-line no-control-regex
export const strip = (s: string | undefined): string => (s ?? "").replace(/\u001b\[[0-9;]*m/g, "")

/** Polls `read` until `predicate` holds, or fails with the last frame after `timeoutMs`. */
export const waitFor = async (
  read: () => string,
  predicate: (frame: string) => boolean,
  what: string,
  timeoutMs = 5000
): Promise<string> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const frame = read()
    if (predicate(frame)) return frame
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last frame:\n${frame}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Types `keys` one at a time, with a short pause after each. */
export const type = async (stdin: { write: (s: string) => void }, keys: string): Promise<void> => {
  for (const k of keys) {
    stdin.write(k)
    await new Promise((r) => setTimeout(r, 5))
  }
}
