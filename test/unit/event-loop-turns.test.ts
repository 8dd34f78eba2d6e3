import { describe, expect, it } from 'vitest';
import { EventLoopTurns } from '../../electron/engine/event-loop-turns.ts';

describe('turns of the event loop between synchronous calls', () => {
  it('fall due after the set time, whatever the number of calls, and the time counts again from each turn', async () => {
    let now = 1000;
    const turns = new EventLoopTurns(10, () => now);
    for (let call = 0; call < 10_000; call++) expect(turns.due()).toBe(false);
    now += 9.9;
    expect(turns.due()).toBe(false);
    now += 0.1;
    expect(turns.due()).toBe(true);
    await turns.take();
    expect(turns.due()).toBe(false);
    // One slow call (a cold drive) is enough.
    now += 250;
    expect(turns.due()).toBe(true);
  });

  it('let a timer run while a long synchronous job takes its turns', async () => {
    const turns = new EventLoopTurns(5);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const end = performance.now() + 60;
    while (performance.now() < end) if (turns.due()) await turns.take();
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(2);
  });
});
