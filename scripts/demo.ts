// `npm run demo`: backs up a sample folder and SQLite database, changes a little, backs up again, checks, restores, proves equality.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { runBackup, type BackupOutcome } from '../electron/engine/backup/run-backup.ts';
import { LocalStorage } from '../electron/engine/repo/local-storage.ts';
import { Repository } from '../electron/engine/repo/repository.ts';
import { restoreSqlite } from '../electron/engine/restore/restore-sqlite.ts';
import { restoreFiles } from '../electron/engine/sources/files/restore.ts';
import { checkRepository } from '../electron/engine/verify/check.ts';
import { formatBytes, formatDuration } from '../electron/cli/format.ts';

const root = resolve('demo');
const folder = join(root, 'files');
const database = join(root, 'shop.db');
const repoDir = join(root, 'repo');
const restored = join(root, 'restored');
const passphrase = 'demo passphrase — use a real one for real backups';

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function makeSampleFolder(): Promise<void> {
  await mkdir(join(folder, 'invoices', '2026'), { recursive: true });
  await mkdir(join(folder, 'photos'), { recursive: true });
  for (let i = 1; i <= 200; i++) {
    const lines = Array.from({ length: 40 }, (_, j) => `Invoice ${i}, line ${j + 1}: ${(i * 37 + j * 11) % 997} units at ${(i + j) % 50}.00`);
    await writeFile(join(folder, 'invoices', '2026', `invoice-${i.toString().padStart(4, '0')}.txt`), lines.join('\n') + '\n');
  }
  // Random bytes stand in for photos: they do not compress, as real photos do not.
  for (let i = 1; i <= 3; i++) await writeFile(join(folder, 'photos', `photo-${i}.jpg`), randomBytes(2 * 1024 * 1024));
  await writeFile(join(folder, 'README.txt'), 'Sample files for the Airlock demo.\n');
}

function makeSampleDatabase(): void {
  const db = new Database(database);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
           CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL, placed_at TEXT);
           CREATE INDEX orders_by_customer ON orders(customer_id);`);
  const addCustomer = db.prepare('INSERT INTO customers (name, email) VALUES (?, ?)');
  const addOrder = db.prepare('INSERT INTO orders (customer_id, total, placed_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 2000; i++) addCustomer.run(`Customer ${i}`, `customer${i}@example.test`);
    for (let i = 1; i <= 50000; i++) addOrder.run((i % 2000) + 1, Math.round(i * 7.31) / 100, `2026-0${(i % 9) + 1}-1${i % 10}`);
  })();
  db.close();
}

async function sha256Tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.set(relative(dir, path), createHash('sha256').update(await readFile(path)).digest('hex'));
  }
  return out;
}

/** A digest of every row of both tables, and how many rows there were. */
function tableDigest(path: string): { digest: string; rows: number } {
  const db = new Database(path, { readonly: true });
  try {
    const hash = createHash('sha256');
    let rows = 0;
    for (const table of ['customers', 'orders']) {
      for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY id`).raw().iterate()) {
        hash.update(JSON.stringify(row));
        rows++;
      }
    }
    return { digest: hash.digest('hex'), rows };
  } finally {
    db.close();
  }
}

function describe(label: string, o: BackupOutcome): string {
  const s = o.snapshot.summary;
  return `  ${label.padEnd(22)} snapshot ${o.snapshot.id.slice(0, 8)}: ${formatBytes(s.bytesTotal)} backed up, ${formatBytes(s.bytesAdded)} newly stored, ${formatDuration(s.durationMs)}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  say(`Airlock demo — everything happens under ${root}\n`);

  say('1. Creating a sample folder and a sample SQLite shop database…');
  await makeSampleFolder();
  makeSampleDatabase();

  say('2. Creating an encrypted repository (deriving the key from the passphrase takes about a second on purpose)…');
  const repo = await Repository.init(new LocalStorage(repoDir), passphrase);

  say('3. First backups:');
  const firstFolder = await runBackup(repo, { source: { kind: 'files', paths: [folder] } });
  const firstDatabase = await runBackup(repo, { source: { kind: 'sqlite', path: database } });
  say(describe('folder', firstFolder));
  say(describe('database', firstDatabase));

  say('4. Changing a little: one invoice edited, 100 new orders…');
  await writeFile(join(folder, 'invoices', '2026', 'invoice-0007.txt'), 'Invoice 7 was corrected.\n');
  const db = new Database(database);
  const addOrder = db.prepare('INSERT INTO orders (customer_id, total, placed_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 100; i++) addOrder.run(i + 1, 9.99, '2026-11-23');
  })();
  db.close();

  say('5. Second backups (full snapshots, but only changes are stored):');
  const secondFolder = await runBackup(repo, { source: { kind: 'files', paths: [folder] } });
  const secondDatabase = await runBackup(repo, { source: { kind: 'sqlite', path: database } });
  say(describe('folder', secondFolder));
  say(describe('database', secondDatabase));

  say('6. Checking the repository, reading and decrypting every byte…');
  const check = await checkRepository(repo, { readData: 1 });
  if (check.errors.length > 0) throw new Error(`check found problems:\n${check.errors.join('\n')}`);
  say(`  no errors: ${check.snapshots} snapshots, ${check.packs} packs, ${formatBytes(check.bytesRead)} verified`);

  say('7. Restoring both to a new place and comparing with the originals…');
  const files = await restoreFiles(repo, secondFolder.snapshot.tree, { target: join(restored, 'folder') });
  await restoreSqlite(repo, secondDatabase.snapshot, { target: join(restored, 'shop.db') });
  const original = await sha256Tree(folder);
  const copy = await sha256Tree(join(restored, 'folder', 'files'));
  const filesMatch = original.size === copy.size && [...original].every(([p, h]) => copy.get(p) === h);
  const originalRows = tableDigest(database);
  const restoredRows = tableDigest(join(restored, 'shop.db'));
  const dbMatch = originalRows.digest === restoredRows.digest && originalRows.rows === restoredRows.rows;
  if (!filesMatch || !dbMatch) throw new Error('restored data differs from the original');
  say(`  ${files.files} files restored, all ${files.verified} SHA-256 checksums match; all ${restoredRows.rows.toLocaleString('en')} database rows match the original`);

  const storedFirst = firstFolder.snapshot.summary.bytesAdded + firstDatabase.snapshot.summary.bytesAdded;
  const storedSecond = secondFolder.snapshot.summary.bytesAdded + secondDatabase.snapshot.summary.bytesAdded;
  say(`\nDone in ${formatDuration(Date.now() - started)}. The second backups stored ${formatBytes(storedSecond)}, ${((100 * storedSecond) / storedFirst).toFixed(1)}% of the first (${formatBytes(storedFirst)}).`);
  say(`Try the CLI on the same repository:\n  AIRLOCK_PASSPHRASE='${passphrase}' ./bin/airlock snapshots --repo ${relative(process.cwd(), repoDir)}`);
}

await main();
