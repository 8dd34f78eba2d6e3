// Re-runs a statement that InnoDB chose as a deadlock victim, as the server asks the client to do.
import { setTimeout } from 'node:timers/promises';

const retries = 5;

function isDeadlockVictim(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { errno?: number }).errno === 1213) return true;
  }
  return false;
}

/**
 * Parallel loaders can deadlock each other (seen with MariaDB's bulk insert into empty tables). In autocommit
 * mode the server has rolled the whole statement back, so running it again gives exactly the intended rows.
 * `statement` must therefore be one statement (one INSERT, or one LOAD DATA with its stream opened anew).
 */
export async function retryDeadlocks<T>(statement: () => Promise<T>, baseDelayMs = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (err) {
      if (attempt > retries || !isDeadlockVictim(err)) throw err;
      await setTimeout(baseDelayMs * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}
