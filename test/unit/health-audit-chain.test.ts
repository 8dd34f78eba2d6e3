// The hash-chained audit log: canonical JSON, deterministic hashes, and tampering found at exactly the entry that was changed.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendEntry, genesisHash, verifyChain, type AuditEntry, type AuditEntryInput } from '../../electron/engine/health/audit-chain.ts';
import { canonicalJson, type JsonObject, type JsonValue } from '../../electron/engine/health/canonical-json.ts';

const T0 = Date.parse('2025-03-01T02:00:00Z');

function chain(inputs: readonly AuditEntryInput[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const input of inputs) out.push(appendEntry(out.at(-1)?.hash ?? genesisHash, input));
  return out;
}

const sample: AuditEntryInput[] = [
  { time: new Date(T0), actor: 'scheduler', action: 'backup', target: 'job:Documents', details: { snapshot: 'a1b2c3', bytesAdded: 1024 } },
  { time: new Date(T0 + 60_000), actor: 'cli:alice@front-desk', action: 'restore', target: 'snapshot:a1b2c3', details: { into: '/home/alice/restored', files: 12 } },
  { time: new Date(T0 + 120_000), actor: 'app:alice', action: 'key.add', target: 'repository:BACKUP-2', details: {} },
  { time: new Date(T0 + 180_000), actor: 'scheduler', action: 'prune', target: 'repository:BACKUP-2', details: { freedBytes: 5e9, packs: [1, 2, 3] } },
];

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}');
  });

  it('orders keys by UTF-16 code units, leaves out undefined and writes numbers as JSON does', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '\u{1F600}': 4, '\uFFFD': 5 })).toBe('{"Z":3,"z":2,"é":1,"\u{1F600}":4,"\uFFFD":5}');
    expect(canonicalJson({ a: undefined, b: -0, c: 1e21, d: 0.1 })).toBe('{"b":0,"c":1e+21,"d":0.1}');
    expect(canonicalJson('line\nbreak "quoted"')).toBe('"line\\nbreak \\"quoted\\""');
  });

  it('refuses what JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n is NaN/);
    expect(() => canonicalJson([1, Number.POSITIVE_INFINITY])).toThrow(TypeError);
    expect(() => canonicalJson({ when: new Date(T0) as unknown as JsonValue })).toThrow(/not a plain object/);
    expect(() => canonicalJson([undefined] as unknown as JsonValue)).toThrow(/undefined/);
  });

  it('is the same for any key order and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = canonicalJson(value);
        expect(json).not.toMatch(/^\s|\s$/);
        const reparsed = JSON.parse(json) as JsonValue;
        expect(canonicalJson(reparsed)).toBe(json);
        expect(reparsed).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('audit chain', () => {
  it('hashes exactly the canonical JSON of (prevHash, time, actor, action, target, details)', () => {
    const entry = appendEntry(genesisHash, { time: new Date(T0), actor: 'scheduler', action: 'backup', target: 'job:Docs', details: { z: 1, a: 'x' } });
    const expected =
      `{"action":"backup","actor":"scheduler","details":{"a":"x","z":1},"prevHash":"${genesisHash}","target":"job:Docs","time":"2025-03-01T02:00:00.000Z"}`;
    expect(entry.hash).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(entry).toMatchObject({ prevHash: genesisHash, time: '2025-03-01T02:00:00.000Z' });
    // Key order in details is not part of what was recorded.
    expect(appendEntry(genesisHash, { time: new Date(T0), actor: 'scheduler', action: 'backup', target: 'job:Docs', details: { a: 'x', z: 1 } }).hash).toBe(entry.hash);
  });

  it('verifies a chain built by appending, and reports its head', () => {
    const entries = chain(sample);
    expect(verifyChain(entries)).toEqual({ ok: true, length: 4, head: entries[3]!.hash });
    expect(verifyChain([])).toEqual({ ok: true, length: 0, head: genesisHash });
    // A tail verifies from the hash it continues.
    expect(verifyChain(entries.slice(2), { startHash: entries[1]!.hash }).ok).toBe(true);
  });

  it('finds a removed, reordered or inserted entry at the place it happened', () => {
    const entries = chain(sample);
    expect(verifyChain([entries[0]!, entries[2]!, entries[3]!])).toMatchObject({ ok: false, index: 1, problem: 'broken-link' });
    expect(verifyChain([entries[0]!, entries[2]!, entries[1]!, entries[3]!])).toMatchObject({ ok: false, index: 1, problem: 'broken-link' });
    const forged = appendEntry(entries[1]!.hash, { time: new Date(T0 + 90_000), actor: 'app:mallory', action: 'forget', target: 'snapshot:a1b2c3', details: {} });
    expect(verifyChain([entries[0]!, entries[1]!, forged, entries[2]!, entries[3]!])).toMatchObject({ ok: false, index: 3, problem: 'broken-link' });
    expect(verifyChain([entries[1]!, entries[2]!])).toMatchObject({ ok: false, index: 0, problem: 'broken-link' });
  });

  it('finds entries cut off the end only when told where the log ended', () => {
    const entries = chain(sample);
    const head = entries[3]!.hash;
    expect(verifyChain(entries.slice(0, 3)).ok).toBe(true);
    expect(verifyChain(entries.slice(0, 3), { expectedHead: head })).toMatchObject({ ok: false, index: 3, problem: 'truncated' });
    expect(verifyChain(entries, { expectedHead: head }).ok).toBe(true);
  });

  it('reports a damaged hash as malformed, and explains every problem in a sentence', () => {
    const entries = chain(sample);
    const damaged = entries.map((e, i) => (i === 2 ? { ...e, hash: 'not a hash' } : e));
    const result = verifyChain(damaged);
    expect(result).toMatchObject({ ok: false, index: 2, problem: 'malformed' });
    expect(!result.ok && result.reason).toMatch(/^its hash is not a SHA-256 value/);
    const badDetails = entries.map((e, i) => (i === 1 ? { ...e, details: { n: Number.NaN } } : e));
    expect(verifyChain(badDetails)).toMatchObject({ ok: false, index: 1, problem: 'malformed' });
  });

  it('refuses to append after something that is not a hash, or at an invalid time', () => {
    expect(() => appendEntry('abc', sample[0]!)).toThrow(RangeError);
    expect(() => appendEntry(genesisHash.toUpperCase().replace(/0/g, 'A'), sample[0]!)).toThrow(RangeError);
    expect(() => appendEntry(genesisHash, { ...sample[0]!, time: new Date(Number.NaN) })).toThrow(/not a valid date/);
  });

  const jsonObject = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })) as fc.Arbitrary<JsonObject>;
  const inputArb: fc.Arbitrary<AuditEntryInput> = fc.record({
    time: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
    actor: fc.string(),
    action: fc.constantFrom('backup', 'restore', 'forget', 'prune', 'key.add', 'key.remove', 'job.edit', 'settings.change'),
    target: fc.string(),
    details: jsonObject,
  });
  const fields = ['prevHash', 'time', 'actor', 'action', 'target', 'details', 'hash'] as const;

  it('any chain of appends verifies', () => {
    fc.assert(
      fc.property(fc.array(inputArb, { maxLength: 30 }), (inputs) => {
        const entries = chain(inputs);
        const result = verifyChain(entries);
        expect(result.ok).toBe(true);
        // Stored as JSON and read back, it still verifies.
        expect(verifyChain(JSON.parse(JSON.stringify(entries)) as AuditEntry[]).ok).toBe(true);
      }),
    );
  });

  it('changing any single field of any entry fails verification at exactly that entry', () => {
    fc.assert(
      fc.property(
        fc.array(inputArb, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom(...fields),
        fc.string({ minLength: 1, maxLength: 8 }),
        (inputs, at, field, junk) => {
          const entries = chain(inputs);
          const index = at % entries.length;
          const original = entries[index]!;
          const changed: AuditEntry = (() => {
            switch (field) {
              case 'prevHash':
              case 'hash':
                // A different well-formed hash, so the check that fires is the chain's, not the format's.
                return { ...original, [field]: createHash('sha256').update(original[field] + junk).digest('hex') };
              case 'time':
                return { ...original, time: new Date(Date.parse(original.time) + 1).toISOString() };
              case 'details':
                return { ...original, details: { ...original.details, [`tampered-${junk}`]: junk } };
              default:
                return { ...original, [field]: original[field] + junk };
            }
          })();
          const tampered = entries.map((e, i) => (i === index ? changed : e));
          const result = verifyChain(tampered);
          expect(result.ok).toBe(false);
          expect(!result.ok && result.index).toBe(index);
          expect(!result.ok && result.problem).toBe(field === 'prevHash' ? 'broken-link' : 'altered');
        },
      ),
    );
  });
});
