/**
 * Keys as the reducer sees them, independent of the terminal library (the container converts
 * Ink's key reports).
 */

/**
 * A key press, independent of the terminal library.
 *
 * @since 0.1.0
 */
export interface Key {
  readonly name:
    | "char"
    | "up"
    | "down"
    | "left"
    | "right"
    | "pageup"
    | "pagedown"
    | "home"
    | "end"
    | "enter"
    | "escape"
    | "tab"
    | "backspace"
  /** The typed text for `char`. */
  readonly text: string
  readonly ctrl: boolean
}

/**
 * A printable key.
 *
 * @since 0.1.0
 */
export const char = (text: string, ctrl = false): Key => ({ name: "char", text, ctrl })

/**
 * A named key.
 *
 * @since 0.1.0
 */
export const named = (name: Exclude<Key["name"], "char">): Key => ({ name, text: "", ctrl: false })
