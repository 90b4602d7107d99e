/**
 * A minimal protobuf wire-format reader that never throws: every read checks bounds, and a
 * malformed or truncated message sets `failed` instead, which ends every loop reading it.
 * Hand-written rather than generated because the receiver must survive hostile bytes and needs
 * only a dozen OTLP messages; it is also faster than reflection-based decoding.
 */
export class ProtoReader {
  pos: number
  failed = false
  constructor(readonly buf: Buffer, start = 0, readonly end = buf.length) {
    this.pos = start
  }

  /** Whether there is another field to read in this message. */
  more(): boolean {
    return !this.failed && this.pos < this.end
  }

  fail(): number {
    this.failed = true
    this.pos = this.end
    return 0
  }

  /** A varint as a non-negative number (exact up to 2^53; enough for tags, lengths, enums). */
  varint(): number {
    let result = 0
    let factor = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) return this.fail()
      const byte = this.buf[this.pos++]!
      result += (byte & 0x7f) * factor
      if (byte < 0x80) return result
      factor *= 128
    }
    return this.fail()
  }

  /** A field tag; field number 0 does not exist, so it marks the message as malformed. */
  tag(): number {
    const tag = this.varint()
    return tag < 8 ? this.fail() : tag
  }

  /** A varint read as a signed 64-bit integer (`int64`), as a number. */
  int64(): number {
    const start = this.pos
    const value = this.varint()
    if (this.failed) return 0
    if (this.pos - start < 9) return value
    let big = 0n
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt(this.buf[i]! & 0x7f)
    return Number(BigInt.asIntN(64, big))
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) return this.fail()
    const value = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return value
  }

  /** A fixed64 as a number (nanosecond timestamps: precise to a fraction of a microsecond). */
  fixed64(): number {
    if (this.pos + 8 > this.end) return this.fail()
    const lo = this.buf.readUInt32LE(this.pos)
    const hi = this.buf.readUInt32LE(this.pos + 4)
    this.pos += 8
    return hi * 4294967296 + lo
  }

  double(): number {
    if (this.pos + 8 > this.end) return this.fail()
    const value = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return value
  }

  /** The bounds of a length-delimited field; `[0, 0]` after a failure. */
  span(): readonly [number, number] {
    const length = this.varint()
    if (this.failed || this.pos + length > this.end) {
      this.fail()
      return [0, 0]
    }
    const start = this.pos
    this.pos += length
    return [start, start + length]
  }

  /** A sub-reader over a length-delimited field; its failure is copied back by {@link join}. */
  message(): ProtoReader {
    const [start, end] = this.span()
    return new ProtoReader(this.buf, start, end)
  }

  join(child: ProtoReader): void {
    if (child.failed) this.fail()
  }

  /** A string, NUL characters replaced by U+FFFD (see `cleanText` in otlpModel). */
  string(): string {
    const [start, end] = this.span()
    if (end <= start) return ""
    const text = this.buf.toString("utf8", start, end)
    return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text
  }

  hex(): string {
    const [start, end] = this.span()
    return end > start ? this.buf.toString("hex", start, end) : ""
  }

  base64(): string {
    const [start, end] = this.span()
    return end > start ? this.buf.toString("base64", start, end) : ""
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint()
        return
      case 1:
        if (this.pos + 8 > this.end) this.fail()
        else this.pos += 8
        return
      case 2:
        this.span()
        return
      case 5:
        if (this.pos + 4 > this.end) this.fail()
        else this.pos += 4
        return
      default:
        // Groups (3, 4) are not used by OTLP; 6 and 7 do not exist.
        this.fail()
    }
  }
}
