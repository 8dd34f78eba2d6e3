// The row format of a table's data stream: the text form LOAD DATA reads, with exact bytes, so one file serves dump, restore and export.
//
// One row per line (LF), fields separated by TAB, NULL written as \N; inside a field only `\`, TAB and LF are escaped
// (as \\, \t, \n), every other byte is copied as the server sent it with character_set_results=binary. A raw LF or TAB
// byte therefore always ends a row or a field. FLOAT and DOUBLE columns are the one exception to "bytes as sent": the
// server's text form rounds them (0.1+0.2 prints as 0.3), so they are read as WKB of POINT(x, 0) — the exact IEEE
// value — and written as the shortest decimal that parses back to the same double.

/** How a column's value arrives from the dump query and becomes field bytes. */
export type ColumnEncoding = 'raw' | 'double';

const TAB = 9;
const LF = 10;
const BACKSLASH = 92;
const NULL_FIELD = Buffer.from('\\N');

/** The exact double inside the WKB of POINT(x, 0): byte order, uint32 type, then x. */
export function doubleFromPointWkb(wkb: Uint8Array): number {
  if (wkb.length < 13) throw new Error(`expected WKB of a point, got ${wkb.length} bytes`);
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  return view.getFloat64(5, wkb[0] === 1);
}

/** Shortest text that parses back to the same double; keeps the sign of -0. */
export function formatDouble(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`MySQL cannot store ${String(x)}`);
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Serialises rows into the data stream format, emitting chunks of about `chunkSize` bytes. */
export class RowEncoder {
  rows = 0;
  bytes = 0;
  private readonly encodings: readonly ColumnEncoding[];
  private readonly chunkSize: number;
  private readonly emit: (chunk: Buffer) => void;
  private buf: Buffer;
  private pos = 0;
  /** Whether every column is copied as sent (no doubles), which lets addPayload copy a whole row at once. */
  private readonly allRaw: boolean;
  /** Scratch for addPayload: start and end of each value in the row (start -1 for NULL). */
  private readonly bounds: number[];

  constructor(encodings: readonly ColumnEncoding[], emit: (chunk: Buffer) => void, chunkSize = 256 * 1024) {
    this.encodings = encodings;
    this.allRaw = encodings.every((e) => e === 'raw');
    this.bounds = new Array<number>(encodings.length * 2).fill(0);
    this.emit = emit;
    this.chunkSize = chunkSize;
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** Appends one row; `values` are the column values in stream order (Buffer as received, or null). */
  add(values: readonly (Uint8Array | null)[]): void {
    if (values.length !== this.encodings.length) {
      throw new Error(`row has ${values.length} values for ${this.encodings.length} columns`);
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i] ?? null;
      if (i > 0) this.writeTab();
      if (v === null) this.writeNull();
      else if (this.encodings[i] === 'double') this.writeDouble(v);
      else this.writeRaw(v, 0, v.length);
    }
    this.endRow();
  }

  /**
   * Appends one row straight from a text-protocol row packet's payload, `packet[start, end)`: each column a
   * length-encoded string, or 0xFB for NULL. Same bytes out as `add` with the decoded values, without a Buffer per
   * field: the dump's hot path, where per-field allocations and native calls used to cost more than the data.
   */
  addPayload(packet: Uint8Array, start: number, end: number): void {
    const row = Buffer.isBuffer(packet) ? packet.subarray(start, end) : Buffer.from(packet.buffer, packet.byteOffset + start, end - start);
    const n = this.encodings.length;
    const bounds = this.bounds;
    // Pass 1: where each value lies. A row whose values all have one-byte lengths, none NULL or double, is "simple".
    let simple = this.allRaw;
    let at = 0;
    for (let i = 0; i < n; i++) {
      if (at >= row.length) throw new Error(`row has ${i} values for ${n} columns`);
      const tag = row[at++] as number;
      let length: number;
      if (tag < 0xfb) length = tag;
      else if (tag === 0xfb) {
        bounds[2 * i] = -1;
        simple = false;
        continue;
      } else if (tag === 0xfc) {
        length = row.readUInt16LE(at);
        at += 2;
      } else if (tag === 0xfd) {
        length = row.readUIntLE(at, 3);
        at += 3;
      } else if (tag === 0xfe) {
        length = row.readUInt32LE(at) + row.readUInt32LE(at + 4) * 2 ** 32;
        at += 8;
      } else {
        throw new Error(`row packet has a length byte 0x${tag.toString(16)} no column starts with`);
      }
      if (tag >= 0xfb) simple = false;
      if (at + length > row.length) throw new Error('row packet ends inside a value');
      bounds[2 * i] = at;
      bounds[2 * i + 1] = at + length;
      at += length;
    }
    if (at !== row.length) throw new Error(`row has more values than its ${n} columns`);
    // Pass 2: the next byte to escape, found by native scans. Length bytes can equal them (a 10-byte date has length
    // byte LF), so a hit before a value's start only means "look again from here".
    let nextBackslash = row.indexOf(BACKSLASH);
    let nextTab = row.indexOf(TAB);
    let nextLf = row.indexOf(LF);
    const clean = (from: number, to: number): boolean => {
      if (nextBackslash !== -1 && nextBackslash < from) nextBackslash = row.indexOf(BACKSLASH, from);
      if (nextTab !== -1 && nextTab < from) nextTab = row.indexOf(TAB, from);
      if (nextLf !== -1 && nextLf < from) nextLf = row.indexOf(LF, from);
      return (nextBackslash === -1 || nextBackslash >= to) && (nextTab === -1 || nextTab >= to) && (nextLf === -1 || nextLf >= to);
    };
    if (simple) {
      for (let i = 0; i < n && simple; i++) simple = clean(bounds[2 * i] as number, bounds[2 * i + 1] as number);
    }
    if (simple && n > 0) {
      // Value, length byte, value…: the length bytes sit exactly where the TABs go, so one copy and n-1 byte writes.
      this.reserve(row.length);
      const base = this.pos - 1;
      this.pos += row.copy(this.buf, this.pos, 1);
      for (let i = 1; i < n; i++) this.buf[base + (bounds[2 * i] as number) - 1] = TAB;
      this.endRow();
      return;
    }
    for (let i = 0; i < n; i++) {
      const from = bounds[2 * i] as number;
      const to = bounds[2 * i + 1] as number;
      if (i > 0) this.writeTab();
      if (from === -1) this.writeNull();
      else if (this.encodings[i] === 'double') this.writeDouble(row.subarray(from, to));
      else if (clean(from, to)) this.writeClean(row, from, to);
      else this.writeEscaped(row, from, to);
    }
    this.endRow();
  }

  private writeTab(): void {
    this.reserve(1);
    this.buf[this.pos++] = TAB;
  }

  /** Copies `src[from, to)` as one field that has nothing to escape. */
  private writeClean(src: Buffer, from: number, to: number): void {
    for (let at = from; at < to; at += this.chunkSize) {
      const upto = Math.min(to, at + this.chunkSize);
      this.reserve(upto - at);
      this.pos += src.copy(this.buf, this.pos, at, upto);
    }
  }

  private writeNull(): void {
    this.reserve(2);
    this.buf[this.pos++] = BACKSLASH;
    this.buf[this.pos++] = 78; // N
  }

  private writeDouble(wkb: Uint8Array): void {
    const text = formatDouble(doubleFromPointWkb(wkb));
    this.reserve(text.length);
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /** Copies `src[from, to)` as one field, escaping the three bytes that would end a field or a row. */
  private writeRaw(src: Uint8Array, from: number, to: number): void {
    // Long values usually have nothing to escape: three native scans and a memcpy beat a byte loop.
    if (to - from >= 32) {
      const b = Buffer.from(src.buffer, src.byteOffset + from, to - from);
      if (b.indexOf(BACKSLASH) === -1 && b.indexOf(TAB) === -1 && b.indexOf(LF) === -1) {
        this.writeClean(b, 0, b.length);
        return;
      }
    }
    this.writeEscaped(src, from, to);
  }

  private writeEscaped(src: Uint8Array, from: number, to: number): void {
    // Large values go in pieces so that memory stays bounded by the chunk size, not the value size.
    const piece = this.chunkSize >> 1;
    for (let at = from; at < to; at += piece) {
      const upto = Math.min(to, at + piece);
      this.reserve((upto - at) * 2);
      const out = this.buf;
      let p = this.pos;
      for (let j = at; j < upto; j++) {
        const b = src[j] as number;
        if (b === BACKSLASH || b === TAB || b === LF) {
          out[p++] = BACKSLASH;
          out[p++] = b === TAB ? 116 : b === LF ? 110 : BACKSLASH;
        } else {
          out[p++] = b;
        }
      }
      this.pos = p;
    }
  }

  private endRow(): void {
    this.reserve(1);
    this.buf[this.pos++] = LF;
    this.rows++;
    if (this.pos >= this.chunkSize) this.flush();
  }

  /** Emits whatever is buffered. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.bytes += chunk.length;
    this.buf = Buffer.allocUnsafe(this.chunkSize);
    this.pos = 0;
    this.emit(chunk);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) {
      // A row may straddle chunks; the stream is a byte stream, so that is fine.
      const chunk = this.buf.subarray(0, this.pos);
      this.bytes += chunk.length;
      this.emit(chunk);
    }
    this.buf = Buffer.allocUnsafe(Math.max(this.chunkSize, n));
    this.pos = 0;
  }
}

/** Undoes the field escapes (the full set LOAD DATA knows, not only the three the encoder writes). */
function unescapeField(raw: Buffer): Buffer {
  if (raw.indexOf(BACKSLASH) === -1) return raw;
  const out = Buffer.allocUnsafe(raw.length);
  let p = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b !== BACKSLASH || i + 1 === raw.length) {
      out[p++] = b;
      continue;
    }
    const e = raw[++i] as number;
    switch (e) {
      case 48: out[p++] = 0; break; // \0
      case 98: out[p++] = 8; break; // \b
      case 110: out[p++] = LF; break; // \n
      case 114: out[p++] = 13; break; // \r
      case 116: out[p++] = TAB; break; // \t
      case 90: out[p++] = 26; break; // \Z
      default: out[p++] = e;
    }
  }
  return out.subarray(0, p);
}

/** Splits one line (without its LF) into field values. */
export function decodeLine(line: Buffer): (Buffer | null)[] {
  const fields: (Buffer | null)[] = [];
  let start = 0;
  for (;;) {
    const tab = line.indexOf(TAB, start);
    const end = tab === -1 ? line.length : tab;
    const raw = line.subarray(start, end);
    fields.push(raw.equals(NULL_FIELD) ? null : unescapeField(raw));
    if (tab === -1) return fields;
    start = tab + 1;
  }
}

/** Yields the lines of a data stream (each without its LF); complains about a last line that has no LF. */
export async function* readLines(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Buffer> {
  // Pieces of a line that spans chunks, joined once its LF arrives (never re-copied per chunk).
  let carry: Buffer[] = [];
  for await (const piece of source) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) break;
      if (carry.length > 0) {
        carry.push(chunk.subarray(start, lf));
        yield Buffer.concat(carry);
        carry = [];
      } else {
        yield chunk.subarray(start, lf);
      }
      start = lf + 1;
    }
    if (start < chunk.length) carry.push(Buffer.from(chunk.subarray(start)));
  }
  if (carry.length > 0) throw new Error('the data stream ends in the middle of a row');
}

/** The bytes of rows [from, to) of a data stream (rows counted from 0), cut at row boundaries; stops reading after `to`. */
export async function* rowRange(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, from: number, to: number): AsyncGenerator<Buffer> {
  if (from >= to) return;
  let row = 0;
  for await (const piece of source) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    if (row < from) {
      let lf = -1;
      while (row < from) {
        lf = chunk.indexOf(LF, lf + 1);
        if (lf === -1) break;
        row++;
      }
      if (row < from) continue;
      start = lf + 1;
    }
    let at = start - 1;
    while (row < to) {
      const lf = chunk.indexOf(LF, at + 1);
      if (lf === -1) break;
      at = lf;
      row++;
    }
    if (row >= to) {
      if (at + 1 > start) yield chunk.subarray(start, at + 1);
      return;
    }
    if (start < chunk.length) yield chunk.subarray(start);
  }
}

/** Counts rows in a chunk of a data stream: every raw LF ends one. */
export function countRows(chunk: Uint8Array): number {
  let n = 0;
  let i = -1;
  const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  while ((i = b.indexOf(LF, i + 1)) !== -1) n++;
  return n;
}
