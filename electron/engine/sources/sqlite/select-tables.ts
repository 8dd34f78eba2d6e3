// Narrows a private copy of a SQLite database to the tables a job asked for, so only those are stored.

import Database from 'better-sqlite3';
import { AirlockError } from '../../errors.ts';

/**
 * Drops from the copy at `copyPath` every table not in `tables` (their indexes and triggers go with them) and every
 * view, since a view may read a dropped table; then vacuums so the dropped pages are not stored. Never call this on
 * the person's own database: only on the copy `copyConsistent` made. Throws USAGE naming a table the copy lacks.
 */
export function keepOnlyTables(copyPath: string, tables: readonly string[], label: string): void {
  const db = new Database(copyPath, { fileMustExist: true });
  try {
    const present = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
      .all()
      .map((r) => r.name);
    const missing = tables.filter((t) => !present.includes(t));
    if (missing.length > 0) {
      throw new AirlockError(
        'USAGE',
        `The SQLite database ${label} has no table ${missing.map((m) => `"${m}"`).join(', ')}; it has ${present.map((p) => `"${p}"`).join(', ') || 'no tables'}. Fix the job's table list.`,
      );
    }
    const views = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'view'").all().map((r) => r.name);
    const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
    // A kept table may reference a dropped one; the copy keeps the rows as they are, as a partial dump would.
    db.pragma('foreign_keys = OFF');
    db.transaction(() => {
      for (const view of views) db.exec(`DROP VIEW ${quote(view)}`);
      for (const table of present.filter((p) => !tables.includes(p))) db.exec(`DROP TABLE ${quote(table)}`);
    })();
    db.exec('VACUUM');
  } finally {
    db.close();
  }
}
