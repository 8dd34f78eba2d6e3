// Pure parts of the PostgreSQL source (ordering, stream names, large-object framing, quoting) under fast-check properties.

import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objectAcl, type AclEntry } from '../../electron/engine/sources/postgres/acl.ts';
import { orderByDependencies } from '../../electron/engine/sources/postgres/dependency-order.ts';
import { tableStreamName } from '../../electron/engine/sources/postgres/dump-format.ts';
import { decodeLargeObjects, frameData, frameEnd, frameStart, largeObjectChunk, type LargeObjectEvent } from '../../electron/engine/sources/postgres/large-objects.ts';
import { countRows } from '../../electron/engine/sources/postgres/row-meter.ts';
import { ident, literal } from '../../electron/engine/sources/postgres/sql-text.ts';

describe('dependency order', () => {
  const graph = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.tuple(
      fc.constant(n),
      fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 }),
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
    ));

  it('places every item once, after all its dependencies, when there is no cycle', () => {
    fc.assert(fc.property(graph, ([n, edges, priorities]) => {
      // Only edges to a lower id: acyclic by construction.
      const deps = Array.from({ length: n }, () => new Set<number>());
      for (const [a, b] of edges) if (a > b) deps[a]?.add(b);
      const items = Array.from({ length: n }, (_, id) => ({ id, deps: [...(deps[id] ?? [])], priority: priorities[id] ?? 0, sortKey: `k${n - id}` }));
      const { ordered, cycleBreaks } = orderByDependencies(items);
      expect(cycleBreaks).toEqual([]);
      expect(ordered.map((i) => i.id).sort((x, y) => x - y)).toEqual(items.map((i) => i.id));
      const position = new Map(ordered.map((item, index) => [item.id, index]));
      for (const item of items) for (const d of item.deps) expect(position.get(d)).toBeLessThan(position.get(item.id) ?? -1);
    }));
  });

  it('still places every item once when dependencies form cycles, and reports where it broke them', () => {
    fc.assert(fc.property(graph, ([n, edges]) => {
      const items = Array.from({ length: n }, (_, id) => ({ id, deps: edges.filter(([a]) => a === id).map(([, b]) => b), priority: 0, sortKey: '' }));
      const { ordered, cycleBreaks } = orderByDependencies(items);
      expect(new Set(ordered.map((i) => i.id)).size).toBe(n);
      const hasCycle = edges.some(([a, b]) => a !== b) && cycleBreaks.length > 0;
      if (cycleBreaks.length === 0) {
        const position = new Map(ordered.map((item, index) => [item.id, index]));
        for (const item of items) for (const d of item.deps) if (d !== item.id) expect(position.get(d)).toBeLessThan(position.get(item.id) ?? -1);
      } else {
        expect(hasCycle).toBe(true);
      }
    }));
  });

  it('prefers priority, then name, among items that are ready', () => {
    const { ordered } = orderByDependencies([
      { id: 0, deps: [], priority: 50, sortKey: 'a' },
      { id: 1, deps: [], priority: 10, sortKey: 'z' },
      { id: 2, deps: [], priority: 10, sortKey: 'b' },
      { id: 3, deps: [0], priority: 1, sortKey: 'a' },
    ]);
    expect(ordered.map((i) => i.id)).toEqual([2, 1, 0, 3]);
  });
});

describe('stream names', () => {
  it('are safe relative paths whatever the identifiers', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.integer({ min: 1, max: 99999 }), fc.integer({ min: 1, max: 64 }), (schema, name, index, part) => {
      const stream = tableStreamName(index, schema, name, part);
      expect(stream).toMatch(/^data\/\d{4,}(\.\d+)?-[A-Za-z0-9_.-]{0,80}\.copy$/);
      expect(stream.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')).toBe(false);
    }));
  });
});

describe('large-object framing', () => {
  const objects = fc.array(fc.record({ oid: fc.integer({ min: 1, max: 0xffffffff }), chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 5 }) }), { maxLength: 6 });

  it('decodes what was framed, however the stream is cut into chunks', async () => {
    await fc.assert(fc.asyncProperty(objects, fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), async (objs, cuts) => {
      const whole = Buffer.concat(objs.flatMap((o) => [frameStart(o.oid), ...o.chunks.flatMap((c) => frameData(Buffer.from(c))), frameEnd()]));
      const pieces: Buffer[] = [];
      for (let at = 0, i = 0; at < whole.length; i++) {
        const n = cuts[i % cuts.length] ?? 1;
        pieces.push(whole.subarray(at, at + n));
        at += n;
      }
      const events: LargeObjectEvent[] = [];
      for await (const ev of decodeLargeObjects(Readable.from(pieces))) events.push(ev);
      const rebuilt = new Map<number, Buffer[]>();
      const order: number[] = [];
      for (const ev of events) {
        if (ev.type === 'start') {
          order.push(ev.oid);
          rebuilt.set(order.length - 1, []);
        } else if (ev.type === 'data') rebuilt.get(order.length - 1)?.push(ev.data);
      }
      expect(order).toEqual(objs.map((o) => o.oid));
      objs.forEach((o, i) => {
        expect(Buffer.concat(rebuilt.get(i) ?? [])).toEqual(Buffer.concat(o.chunks.map((c) => Buffer.from(c))));
      });
    }));
  });

  it('rejects a stream cut in the middle of an object', async () => {
    const whole = Buffer.concat([frameStart(7), ...frameData(Buffer.from('hello'))]);
    const run = async (): Promise<number> => {
      let events = 0;
      for await (const ev of decodeLargeObjects(Readable.from([whole.subarray(0, whole.length - 2)]))) events += ev.type === 'data' ? 1 : 0;
      return events;
    };
    await expect(run()).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
    expect(largeObjectChunk).toBeGreaterThan(0);
  });
});

describe('quoting and counting', () => {
  it('quotes any identifier and literal so that it reads back as itself', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const q = ident(s);
      expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
      expect(q.slice(1, -1).replaceAll('""', '"')).toBe(s);
      expect(q.slice(1, -1).replaceAll('""', '')).not.toContain('"');
      const l = literal(s);
      expect(l.slice(1, -1).replaceAll("''", "'")).toBe(s);
    }));
  });

  it('counts COPY rows by their newline bytes', () => {
    expect(countRows(Buffer.from('1\ta\\nb\n2\t\\N\n'))).toBe(2);
    expect(countRows(Buffer.alloc(0))).toBe(0);
  });

  it('writes privileges so that the ACL is rebuilt in its original order', () => {
    const acl: AclEntry[] = [
      { grantee: 'owner', grantor: 'owner', privilege: 'SELECT', grantable: false },
      { grantee: 'reader', grantor: 'owner', privilege: 'SELECT', grantable: true },
      { grantee: null, grantor: 'owner', privilege: 'USAGE', grantable: false },
    ];
    const sql = objectAcl('TABLE "s"."t"', 'owner', acl).map((s) => s.sql);
    expect(sql).toEqual([
      'REVOKE ALL ON TABLE "s"."t" FROM PUBLIC;\nREVOKE ALL ON TABLE "s"."t" FROM "owner";',
      'GRANT SELECT ON TABLE "s"."t" TO "owner";',
      'GRANT SELECT ON TABLE "s"."t" TO "reader" WITH GRANT OPTION;',
      'GRANT USAGE ON TABLE "s"."t" TO PUBLIC;',
    ]);
    expect(objectAcl('TABLE x', 'owner', null)).toEqual([]);
  });
});
