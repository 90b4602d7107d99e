/* eslint-disable no-control-regex */
import { describe, expect, it } from "@effect/vitest"
import { oneLine, truncate } from "../src/state/text.js"

describe("Text.oneLine against terminal escapes", () => {
  it("shows ESC, BEL, DEL and C1 controls from data instead of sending them to the terminal", () => {
    const hostile = "GET /x\u001b]0;PWNED-TERMINAL-TITLE\u0007\u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2K\u009b31m\u007f"
    const shown = oneLine(hostile)
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    expect(shown).toBe("GET /x␛]0;PWNED-TERMINAL-TITLE␇␛]52;c;cm0gLXJmIH4K␇␛[2K\\x9b31m\u2421")
    expect(truncate(hostile, 12)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
  })

  it("still turns tabs and line breaks into spaces", () => {
    expect(oneLine("a\tb\r\nc")).toBe("a b c")
  })
})
