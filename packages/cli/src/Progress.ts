/**
 * Progress of long work on stderr, only when stderr is a terminal: one line rewritten in place
 * with the count and the current item, then a final summary with the time taken. When stderr is
 * not a terminal (CI logs, pipes) it prints nothing, so logs stay clean.
 *
 * @since 0.1.0
 */
import { visible } from "./Output.js"

/**
 * A progress reporter for one piece of work.
 *
 * @since 0.1.0
 */
export interface Progress {
  /**
   * Whether anything is drawn (stderr is a terminal). Callers pass a library's `onProgress`
   * hook only when it is, so work without a terminal pays nothing.
   *
   * @since 0.2.0
   */
  readonly active: boolean
  /** Sets the total once it is known. */
  readonly total: (n: number) => void
  /** Shows `item` as the current one and counts it. */
  readonly step: (item: string) => void
  /**
   * Shows `item` as the current one without counting it (a phase such as "writing 300
   * entities"), drawn at once.
   *
   * @since 0.2.0
   */
  readonly show: (item: string) => void
  /** Clears the line and prints `summary` with the time taken. */
  readonly done: (summary: string) => void
}

/**
 * A reporter labelled `label` on `stream` (default stderr); inert unless `stream` is a terminal.
 *
 * @since 0.1.0
 */
export const make = (label: string, options: { readonly total?: number; readonly stream?: NodeJS.WriteStream } = {}): Progress => {
  const stream = options.stream ?? process.stderr
  const started = Date.now()
  let total = options.total ?? 0
  let count = 0
  let last = 0
  const active = stream.isTTY === true
  const width = () => Math.max(20, (stream.columns ?? 80) - 1)
  const draw = (item: string, force = false) => {
    const now = Date.now()
    if (!force && now - last < 50 && count !== total) return
    last = now
    const text = `${label} [${count}${total > 0 ? `/${total}` : ""}] ${visible(item)}`
    stream.write(`\r\u001b[2K${text.length > width() ? text.slice(0, width() - 1) + "…" : text}`)
  }
  return {
    active,
    total: (n) => {
      total = n
    },
    step: (item) => {
      count++
      if (active) draw(item)
    },
    show: (item) => {
      if (active) draw(item, true)
    },
    done: (summary) => {
      if (!active) return
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      stream.write(`\r\u001b[2K${label}: ${summary} in ${seconds} s\n`)
    }
  }
}
