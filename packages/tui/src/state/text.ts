/**
 * Terminal text measurement: display width (wide East Asian characters and emoji take two
 * cells, combining marks none) and truncation with an ellipsis, so that no line the TUI draws
 * is wider than the terminal.
 */

const ELLIPSIS = "…"

const isZeroWidth = (cp: number): boolean =>
  (cp >= 0x300 && cp <= 0x36f) || // combining diacritical marks
  (cp >= 0x200b && cp <= 0x200f) || // zero-width space, joiners, marks
  (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
  (cp >= 0x20d0 && cp <= 0x20ff) ||
  cp < 0x20 ||
  (cp >= 0x7f && cp < 0xa0)

const isWide = (cp: number): boolean =>
  (cp >= 0x1100 && cp <= 0x115f) ||
  (cp >= 0x2e80 && cp <= 0x303e) ||
  (cp >= 0x3041 && cp <= 0x33ff) ||
  (cp >= 0x3400 && cp <= 0x4dbf) ||
  (cp >= 0x4e00 && cp <= 0x9fff) ||
  (cp >= 0xa000 && cp <= 0xa4cf) ||
  (cp >= 0xac00 && cp <= 0xd7a3) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0xfe30 && cp <= 0xfe4f) ||
  (cp >= 0xff00 && cp <= 0xff60) ||
  (cp >= 0xffe0 && cp <= 0xffe6) ||
  (cp >= 0x1f300 && cp <= 0x1f64f) ||
  (cp >= 0x1f900 && cp <= 0x1f9ff) ||
  (cp >= 0x20000 && cp <= 0x3fffd)

/** The number of terminal cells one code point takes. */
export const codePointWidth = (cp: number): number => (isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1)

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;?]*[ -/]*[@-~]/g

/** The number of terminal cells a string takes (ANSI escapes take none). */
export const displayWidth = (text: string): number => {
  let width = 0
  for (const ch of text.replace(ansi, "")) width += codePointWidth(ch.codePointAt(0)!)
  return width
}

// C0 controls (tab and line breaks are handled before), DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u001f\u007f-\u009f]/g

/**
 * Replaces tabs and line breaks by spaces, so a value from a file stays on one line, and every
 * other control character by a visible stand-in (ESC becomes `␛`, BEL `␇`, a C1 control
 * `\x9b`), so escape sequences in data (span names sent over OTLP, catalog fields) are shown,
 * never obeyed by the terminal.
 */
export const oneLine = (text: string): string =>
  text.replace(/[\t\r\n]+/g, " ").replace(controls, (c) => {
    const code = c.charCodeAt(0)
    if (code < 0x20) return String.fromCharCode(0x2400 + code)
    if (code === 0x7f) return "\u2421"
    return `\\x${code.toString(16)}`
  })

/**
 * Cuts `text` to at most `width` cells; when something is cut, the last cell is an ellipsis.
 */
export const truncate = (text: string, width: number): string => {
  if (width <= 0) return ""
  const flat = oneLine(text)
  // Fast path: plain ASCII text measures as its length.
  if (/^[\x20-\x7e]*$/.test(flat)) return flat.length <= width ? flat : flat.slice(0, width - 1) + ELLIPSIS
  if (displayWidth(flat) <= width) return flat
  let out = ""
  let used = 0
  for (const ch of flat) {
    const w = codePointWidth(ch.codePointAt(0)!)
    if (used + w > width - 1) break
    out += ch
    used += w
  }
  return out + ELLIPSIS
}

/** Truncates to `width` cells and pads with spaces to exactly `width` cells. */
export const fit = (text: string, width: number): string => {
  const cut = truncate(text, width)
  const pad = width - displayWidth(cut)
  return pad > 0 ? cut + " ".repeat(pad) : cut
}

/** Formats a count with thousands separators (`100,000`). */
export const count = (n: number): string => n.toLocaleString("en-US")
