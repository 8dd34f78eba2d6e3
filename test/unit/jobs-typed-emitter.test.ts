// The typed emitter: listeners get their payloads, can unsubscribe, and one that throws does not stop the others.

import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../electron/engine/jobs/typed-emitter.ts';

interface Events {
  tick: { readonly n: number };
  done: { readonly ok: boolean };
}

describe('TypedEmitter', () => {
  it('delivers each event to its own listeners until they unsubscribe', () => {
    const emitter = new TypedEmitter<Events>();
    const seen: string[] = [];
    const off = emitter.on('tick', ({ n }) => seen.push(`tick ${n}`));
    emitter.on('done', ({ ok }) => seen.push(`done ${String(ok)}`));
    emitter.emit('tick', { n: 1 });
    emitter.emit('done', { ok: true });
    off();
    emitter.emit('tick', { n: 2 });
    expect(seen).toEqual(['tick 1', 'done true']);
  });

  it('hands a throwing listener to the error handler and still calls the rest', () => {
    const errors: unknown[] = [];
    const emitter = new TypedEmitter<Events>((error) => errors.push(error));
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('listener bug');
    });
    emitter.on('tick', ({ n }) => seen.push(n));
    emitter.emit('tick', { n: 7 });
    expect(seen).toEqual([7]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('listener bug');
  });
});
