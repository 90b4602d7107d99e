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

  /**
   * Reads a length-delimited field's length and steps over it, returning where its bytes start
   * (they end at `this.pos`); -1 after a failure. No tuple per field: a span has a dozen of them.
   */
  private field(): number {
    const length = this.varint()
    if (this.failed || this.pos + length > this.end) {
      this.fail()
      return -1
    }
    const start = this.pos
    this.pos += length
    return start
  }

  /** A sub-reader over a length-delimited field; its failure is copied back by {@link join}. */
  message(): ProtoReader {
    const start = this.field()
    return start < 0 ? new ProtoReader(this.buf, 0, 0) : new ProtoReader(this.buf, start, this.pos)
  }

  join(child: ProtoReader): void {
    if (child.failed) this.fail()
  }

  /** A string, NUL characters replaced by U+FFFD (see `cleanText` in otlpModel). */
  string(): string {
    const start = this.field()
    return start < 0 || this.pos === start ? "" : text(this.buf, start, this.pos)
  }

  hex(): string {
    const start = this.field()
    return start < 0 || this.pos === start ? "" : slices(this.buf).hexSlice(start, this.pos)
  }

  base64(): string {
    const start = this.field()
    return start < 0 || this.pos === start ? "" : this.buf.toString("base64", start, this.pos)
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
        this.field()
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

/**
 * Buffer's own slicing methods, which `toString(encoding, start, end)` reaches only after
 * checking its arguments and looking the encoding up: on the ingest path that dispatch cost
 * more than the decoding itself. Present on every Buffer since Node 0.x, though not in the types.
 */
interface Slices {
  utf8Slice(start: number, end: number): string
  latin1Slice(start: number, end: number): string
  hexSlice(start: number, end: number): string
}
const slices = (buf: Buffer): Slices => buf as unknown as Slices

/** Short ASCII strings are kept here by a hash of their bytes and reused when they come again. */
const INTERNED = 2048
const MAX_INTERNED_LENGTH = 48
const interned: Array<string> = new Array<string>(INTERNED).fill("")

/**
 * UTF-8 text with NUL replaced by U+FFFD. OTLP repeats the same short strings in every span
 * (attribute keys, methods, routes, service names): a short ASCII string is read once, hashed
 * while checked, and the string already made for the same bytes is returned instead of a new
 * one (fewer allocations, and a key V8 has already internalized).
 */
const text = (buf: Buffer, start: number, end: number): string => {
  const length = end - start
  if (length <= MAX_INTERNED_LENGTH) {
    let hash = length
    let i = start
    for (; i < end; i++) {
      const byte = buf[i]!
      if (byte >= 0x80 || byte === 0) break
      hash = Math.imul(hash ^ byte, 16777619)
    }
    if (i === end) {
      const slot = (hash >>> 0) & (INTERNED - 1)
      const known = interned[slot]!
      if (known.length === length && sameAscii(known, buf, start)) return known
      const made = slices(buf).latin1Slice(start, end)
      interned[slot] = made
      return made
    }
  }
  const made = slices(buf).utf8Slice(start, end)
  return made.includes("\u0000") ? made.replaceAll("\u0000", "\uFFFD") : made
}

const sameAscii = (known: string, buf: Buffer, start: number): boolean => {
  for (let i = 0; i < known.length; i++) if (known.charCodeAt(i) !== buf[start + i]) return false
  return true
}
