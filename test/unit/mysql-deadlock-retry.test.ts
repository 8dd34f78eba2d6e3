import { describe, expect, it } from 'vitest';
import { retryDeadlocks } from '../../electron/engine/sources/mysql/deadlock-retry.ts';

// The shape mysql2 gives a server error: an Error with the server's errno.
function serverError(errno: number, message: string): Error {
  return Object.assign(new Error(message), { errno });
}

function sessionFailing(errors: Error[]): { run: (sql: string) => Promise<never>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: (sql: string) => {
      calls.push(sql);
      const next = errors.shift();
      // Once the scripted errors are used up the statement succeeds.
      return next ? Promise.reject(next) : Promise.resolve({ affectedRows: 1, warningStatus: 0 } as never);
    },
  };
}

describe('re-running a statement chosen as a deadlock victim', () => {
  it('runs the same statement again until it goes through', async () => {
    const s = sessionFailing([serverError(1213, 'Deadlock found'), serverError(1213, 'Deadlock found')]);
    await retryDeadlocks(() => s.run('INSERT 1'), 0);
    expect(s.calls).toEqual(['INSERT 1', 'INSERT 1', 'INSERT 1']);
  });

  it('recognises a deadlock wrapped as the cause of another error', async () => {
    const s = sessionFailing([new Error('wrapped', { cause: serverError(1213, 'Deadlock found') })]);
    await retryDeadlocks(() => s.run('INSERT 2'), 0);
    expect(s.calls).toHaveLength(2);
  });

  it('does not retry other errors', async () => {
    const s = sessionFailing([serverError(1062, 'Duplicate entry')]);
    await expect(retryDeadlocks(() => s.run('INSERT 3'), 0)).rejects.toThrow('Duplicate entry');
    expect(s.calls).toHaveLength(1);
  });

  it('gives up after five retries with the server error', async () => {
    const s = sessionFailing(Array.from({ length: 10 }, () => serverError(1213, 'Deadlock found')));
    await expect(retryDeadlocks(() => s.run('INSERT 4'), 0)).rejects.toThrow('Deadlock found');
    expect(s.calls).toHaveLength(6);
  });
});
