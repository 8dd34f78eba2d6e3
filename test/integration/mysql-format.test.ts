// Properties of the MySQL dump format's pure parts (row encoding, SQL literals, definition splitting, stream names), plus literal round trips through the real server.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamNames } from '../../electron/engine/sources/mysql/dump-format.ts';
import { sqlLiteral } from '../../electron/engine/sources/mysql/insert-statements.ts';
import { decodeLine, formatDouble, readLines, RowEncoder, rowRange, type ColumnEncoding } from '../../electron/engine/sources/mysql/row-format.ts';
import { stripDefiner } from '../../electron/engine/sources/mysql/schema-statements.ts';
import { pickDelimiter, quoteIdent, quoteString } from '../../electron/engine/sources/mysql/sql-text.ts';
import { splitCreateTable, splitTopLevel } from '../../electron/engine/sources/mysql/table-definition.ts';
import { unqualifyTrigger } from '../../electron/engine/sources/mysql/catalog-queries.ts';
import { mariadb, mysqlAvailable } from '../helpers/mysql.ts';

/** Bytes biased towards the ones the format escapes. */
const fieldBytes = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 9, 10, 13, 26, 39, 78, 92)), { maxLength: 40 }).map((a) => Buffer.from(a));
const field = fc.option(fieldBytes, { nil: null, freq: 4 });

function wkbPoint(x: number): Buffer {
  const b = Buffer.alloc(21);
  b[0] = 1;
  b.writeUInt32LE(1, 1);
  b.writeDoubleLE(x, 5);
  return b;
}

async function roundTrip(rows: (Buffer | null)[][], columns: number, chunkSize: number): Promise<(Buffer | null)[][]> {
  const chunks: Buffer[] = [];
  const enc = new RowEncoder(Array.from({ length: columns }, () => 'raw' as const), (c) => chunks.push(Buffer.from(c)), chunkSize);
  for (const r of rows) enc.add(r);
  enc.flush();
  const out: (Buffer | null)[][] = [];
  // Re-cut the bytes at arbitrary points, as a repository reader would.
  const all = Buffer.concat(chunks);
  const pieces: Buffer[] = [];
  for (let i = 0; i < all.length; i += 7) pieces.push(all.subarray(i, i + 7));
  for await (const line of readLines(pieces)) out.push(decodeLine(line));
  expect(enc.rows).toBe(rows.length);
  return out;
}

describe('row format', () => {
  it('decode(encode(rows)) = rows for any bytes, NULL kept apart from empty, across chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.array(field, { minLength: n, maxLength: n }), { maxLength: 20 }), fc.integer({ min: 16, max: 300 }))), async ([n, rows, chunk]) => {
        const back = await roundTrip(rows, n, chunk);
        expect(back).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });

  it('every raw LF in the stream ends a row, so rows can be counted without parsing', () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { maxLength: 30 }), (rows) => {
        const chunks: Buffer[] = [];
        const enc = new RowEncoder(['raw', 'raw'], (c) => chunks.push(Buffer.from(c)));
        for (const r of rows) enc.add(r);
        enc.flush();
        expect(Buffer.concat(chunks).filter((b) => b === 10).length).toBe(rows.length);
      }),
    );
  });

  it('doubles travel as the shortest text that parses back to the same bits', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const chunks: Buffer[] = [];
        const enc = new RowEncoder(['double'], (c) => chunks.push(Buffer.from(c)));
        enc.add([wkbPoint(x)]);
        enc.flush();
        const text = Buffer.concat(chunks).toString('latin1').replace(/\n$/, '');
        expect(Object.is(Number(text), x) || (x === 0 && Number(text) === 0)).toBe(true);
        expect(text).toBe(formatDouble(x));
      }),
    );
    expect(formatDouble(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatDouble(5e-324)).toBe('5e-324');
  });

  it('rowRange cuts exactly rows [from, to) out of any chunking of the stream', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { maxLength: 25 }), fc.nat(30), fc.nat(30), fc.integer({ min: 1, max: 50 }), async (rows, a, b, cut) => {
        const chunks: Buffer[] = [];
        const enc = new RowEncoder(['raw', 'raw'], (c) => chunks.push(Buffer.from(c)), 16);
        for (const r of rows) enc.add(r);
        enc.flush();
        const all = Buffer.concat(chunks);
        const pieces: Buffer[] = [];
        for (let i = 0; i < all.length; i += cut) pieces.push(all.subarray(i, i + cut));
        const [from, to] = a <= b ? [a, b] : [b, a];
        const got: Buffer[] = [];
        for await (const part of rowRange(pieces, from, to)) got.push(part);
        const back: (Buffer | null)[][] = [];
        for await (const line of readLines(got)) back.push(decodeLine(line));
        expect(back).toEqual(rows.slice(from, to));
      }),
      { numRuns: 300 },
    );
  });

  it('a row read straight from its packet encodes to the same bytes as its decoded values, whatever the lengths', () => {
    // Values around the one-, two- and three-byte length encodings, and lengths equal to the bytes the format escapes.
    const sized = fc.oneof(
      fieldBytes,
      fc.constantFrom(9, 10, 92, 250, 251, 252, 65535, 65536).chain((n) => fc.constantFrom(Buffer.alloc(n, 120), Buffer.alloc(n, 9))),
    );
    const value = fc.option(sized, { nil: null, freq: 5 });
    const encodings = fc.array(fc.constantFrom<ColumnEncoding>('raw', 'raw', 'raw', 'double'), { minLength: 1, maxLength: 5 });
    const lengthPrefix = (n: number): Buffer => {
      if (n < 251) return Buffer.from([n]);
      if (n < 1 << 16) return Buffer.from([0xfc, n & 0xff, n >> 8]);
      return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
    };
    fc.assert(
      fc.property(
        encodings.chain((e) => fc.tuple(fc.constant(e), fc.array(fc.tuple(...e.map((kind) => (kind === 'double' ? fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).map(wkbPoint), { nil: null }) : value))), { maxLength: 8 }))),
        fc.integer({ min: 16, max: 300 }),
        fieldBytes,
        ([kinds, rows], chunkSize, junk) => {
          const viaValues: Buffer[] = [];
          const viaPackets: Buffer[] = [];
          const byValues = new RowEncoder(kinds, (c) => viaValues.push(Buffer.from(c)), chunkSize);
          const byPackets = new RowEncoder(kinds, (c) => viaPackets.push(Buffer.from(c)), chunkSize);
          for (const row of rows) {
            byValues.add(row);
            // The packet sits inside a larger receive buffer, with bytes to escape on both sides.
            const payload = Buffer.concat(row.map((v) => (v === null ? Buffer.from([0xfb]) : Buffer.concat([lengthPrefix(v.length), v]))));
            const received = Buffer.concat([junk, Buffer.from([9, 10, 92]), payload, Buffer.from([92, 10, 9]), junk]);
            const start = junk.length + 3;
            byPackets.addPayload(received, start, start + payload.length);
          }
          byValues.flush();
          byPackets.flush();
          expect(Buffer.concat(viaPackets)).toEqual(Buffer.concat(viaValues));
          expect(byPackets.rows).toBe(rows.length);
          expect(byPackets.bytes).toBe(byValues.bytes);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a row packet with too few or too many values is refused', () => {
    const enc = new RowEncoder(['raw', 'raw'], () => undefined);
    expect(() => {
      enc.addPayload(Buffer.from([1, 65]), 0, 2);
    }).toThrow(/1 values for 2 columns/);
    expect(() => {
      enc.addPayload(Buffer.from([1, 65, 1, 66, 1, 67]), 0, 6);
    }).toThrow(/more values/);
    expect(() => {
      enc.addPayload(Buffer.from([1, 65, 5, 66]), 0, 4);
    }).toThrow(/ends inside a value/);
  });

  it('a huge value is emitted in bounded chunks', () => {
    const sizes: number[] = [];
    const enc = new RowEncoder(['raw'], (c) => sizes.push(c.length), 64 * 1024);
    enc.add([Buffer.alloc(5 << 20, 92)]);
    enc.flush();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe((10 << 20) + 1);
  });
});

describe('SQL text', () => {
  it('quoteIdent and stripDefiner, pickDelimiter avoid what the text contains', () => {
    expect(quoteIdent('a`b')).toBe('`a``b`');
    expect(pickDelimiter(['BEGIN SELECT 1;; END'])).not.toBe(';;');
    expect(stripDefiner('CREATE DEFINER=`root`@`localhost` PROCEDURE `p`() SELECT 1')).toBe('CREATE PROCEDURE `p`() SELECT 1');
    expect(stripDefiner('CREATE ALGORITHM=UNDEFINED DEFINER=`a b`@`%` SQL SECURITY DEFINER VIEW `v` AS select 1')).toBe('CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1');
    expect(stripDefiner('CREATE VIEW `v` AS select 1')).toBeUndefined();
    expect(unqualifyTrigger('CREATE DEFINER=`root`@`localhost` TRIGGER `shop`.`t1` BEFORE INSERT ON `shop`.`orders` FOR EACH ROW SET @x = 1'))
      .toBe('CREATE DEFINER=`root`@`localhost` TRIGGER `t1` BEFORE INSERT ON `orders` FOR EACH ROW SET @x = 1');
    expect(unqualifyTrigger('CREATE TRIGGER t AFTER UPDATE ON shop.orders FOR EACH ROW SET @x = 1')).toBe('CREATE TRIGGER t AFTER UPDATE ON orders FOR EACH ROW SET @x = 1');
  });

  it('splits column lists on top-level commas only', () => {
    expect(splitTopLevel("`a` int, `b,c` varchar(10) DEFAULT 'x,y', KEY `k` (`a`,`b,c`), CHECK (f(a, b) > 0)")).toEqual([
      '`a` int',
      "`b,c` varchar(10) DEFAULT 'x,y'",
      'KEY `k` (`a`,`b,c`)',
      'CHECK (f(a, b) > 0)',
    ]);
    expect(splitTopLevel("`a` varchar(3) DEFAULT 'it''s, \\' ok', `b` int")).toHaveLength(2);
  });

  it('defers secondary indexes and foreign keys, keeping what the table needs to exist', () => {
    const sql = [
      'CREATE TABLE `t` (',
      '  `id` int(11) NOT NULL AUTO_INCREMENT,',
      "  `p` int(11) DEFAULT NULL COMMENT 'a, (b)',",
      '  `q` text DEFAULT NULL,',
      '  PRIMARY KEY (`id`),',
      '  UNIQUE KEY `u` (`p`),',
      '  KEY `k` (`p`,`id`),',
      '  FULLTEXT KEY `f` (`q`),',
      '  CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `parent` (`id`) ON DELETE CASCADE,',
      '  CONSTRAINT `c` CHECK (`p` > 0)',
      ") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COMMENT='x)'",
    ].join('\n');
    const split = splitCreateTable(sql, 'id');
    expect(split.create).toContain('PRIMARY KEY (`id`)');
    expect(split.create).toContain('CONSTRAINT `c` CHECK');
    expect(split.create).not.toContain('UNIQUE KEY');
    expect(split.create).toMatch(/\) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COMMENT='x\)'$/);
    expect(split.indexes).toEqual(['ADD UNIQUE KEY `u` (`p`)', 'ADD KEY `k` (`p`,`id`)']);
    expect(split.fulltext).toEqual(['ADD FULLTEXT KEY `f` (`q`)']);
    expect(split.foreignKeys).toEqual(['ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `parent` (`id`) ON DELETE CASCADE']);
    expect(split.references).toEqual([[undefined, 'parent']]);
    // An AUTO_INCREMENT column that is not first in the primary key keeps its own key in the CREATE.
    const second = splitCreateTable('CREATE TABLE `s` (\n  `g` int NOT NULL,\n  `n` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`g`,`n`),\n  KEY `n` (`n`),\n  KEY `other` (`g`)\n) ENGINE=InnoDB', 'n');
    expect(second.create).toContain('KEY `n` (`n`)');
    expect(second.indexes).toEqual(['ADD KEY `other` (`g`)']);
  });
});

describe('data stream names', () => {
  it('are safe relative paths, unique even case-insensitively, and stable for a given set of tables', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.string({ minLength: 1, maxLength: 70 }), fc.constantFrom('..', '../x', 'a/b', 'Case', 'case', '.', ' ', 'CON', 'a b')), { minLength: 1, maxLength: 30 }), (tables) => {
        const names = streamNames(tables);
        const values = [...names.values()];
        for (const v of values) expect(v).toMatch(/^data\/[A-Za-z0-9_-]{1,80}\.rows$/);
        expect(new Set(values.map((v) => v.toLowerCase())).size).toBe(tables.length);
        expect([...streamNames([...tables].reverse())].sort()).toEqual([...names].sort());
      }),
    );
  });
});

describe.skipIf(!mysqlAvailable())('SQL literals through the real server', () => {
  it('quoted text and hex literals give back exactly the bytes they were made from', () => {
    const samples = fc.sample(fc.string({ unit: 'grapheme', maxLength: 30 }), 60).concat(["'\\\0\n\r\x1a\"", '😀 \\N', '']);
    const sql = samples.map((s) => `SELECT HEX(CONVERT(${quoteString(s)} USING utf8mb4));`).join('\n');
    const expected = samples.map((s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase()).join('\n');
    expect(mariadb(undefined, `SET NAMES utf8mb4; ${sql}`).replace(/\n$/, '')).toBe(expected);
    const bytes = fc.sample(fc.uint8Array({ maxLength: 40 }), 40).map((b) => Buffer.from(b));
    const hexSql = bytes.map((b) => `SELECT HEX(${sqlLiteral(b, { name: 'x', type: 'blob', encoding: 'raw', literal: 'hex' })});`).join('\n');
    expect(mariadb(undefined, hexSql).replace(/\n$/, '')).toBe(bytes.map((b) => b.toString('hex').toUpperCase()).join('\n'));
  });
});
