// Preferences that may be lost with the catalog (window layout, last folder used): a key and a JSON value read back through a schema.

import type Database from 'better-sqlite3';
import type * as z from 'zod';

export interface SettingStore {
  /**
   * The stored value if it is there and still fits `schema`; otherwise undefined, so that a value written by another
   * version falls back to the default instead of breaking the app.
   */
  getSetting<S extends z.ZodType>(key: string, schema: S): z.output<S> | undefined;
  /** Stores any JSON-serialisable value. */
  setSetting(key: string, value: unknown): void;
  /** Returns whether there was a value. */
  deleteSetting(key: string): boolean;
}

export function createSettingStore(db: Database.Database): SettingStore {
  const select = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const upsert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const remove = db.prepare('DELETE FROM settings WHERE key = ?');

  return {
    getSetting(key, schema) {
      const text: unknown = select.get(key);
      if (typeof text !== 'string') return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return undefined;
      }
      const parsed = schema.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    },
    setSetting(key, value) {
      if (key === '') throw new RangeError('setSetting: the key is empty');
      const text: unknown = JSON.stringify(value);
      // JSON.stringify returns undefined for undefined, functions and symbols.
      if (typeof text !== 'string') throw new TypeError(`setSetting: the value for ${key} cannot be stored as JSON`);
      upsert.run(key, text);
    },
    deleteSetting(key) {
      return remove.run(key).changes > 0;
    },
  };
}
