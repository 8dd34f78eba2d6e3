// A full scheduled run against MariaDB with a password and a restore drill, then a search of everything the daemon wrote for its secrets.

import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../electron/engine/catalog/catalog.ts';
import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import { Repository } from '../../electron/engine/repo/repository.ts';
import { airlock, startCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/files.ts';
import { createDatabase, dropDatabase, mariadb, mysqlAvailable, mysqlHost, mysqlPort, uniqueDbName } from '../helpers/mysql.ts';
import { cheapKdf } from '../helpers/repo.ts';

const available = mysqlAvailable();
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const undo of cleanup.splice(0).reverse()) undo();
});

async function allFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

interface LogLine {
  readonly event: string;
  readonly [field: string]: unknown;
}

describe.skipIf(!available)('secrets in a full daemon run (needs MariaDB at 127.0.0.1:3306; skipped without it)', () => {
  it('backs up a password-protected MariaDB database on schedule, drills it into a scratch database, and writes neither secret anywhere', { timeout: 120_000 }, async () => {
    const work = await tempDir('airlock-daemon-secrets-');
    const home = join(work, 'home');
    const passphrase = `repo-secret-${randomBytes(8).toString('hex')}`;
    const dbPassword = `db-secret-${randomBytes(8).toString('hex')}`;
    const database = createDatabase('airlock_sec');
    cleanup.push(() => {
      dropDatabase(database);
    });
    mariadb(database, "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(20)); INSERT INTO orders VALUES (1, 'tea'), (2, 'cake');");
    const user = uniqueDbName('airlock_s').slice(0, 30);
    for (const host of ['%', 'localhost']) {
      // The drill restores into a throw-away airlock_drill_… database on the same server, so the user may create those.
      mariadb(undefined, `CREATE USER '${user}'@'${host}' IDENTIFIED BY '${dbPassword}'; GRANT ALL ON \`${database}\`.* TO '${user}'@'${host}'; GRANT ALL ON \`airlock\\_drill\\_%\`.* TO '${user}'@'${host}';`);
    }
    cleanup.push(() => {
      for (const host of ['%', 'localhost']) mariadb(undefined, `DROP USER IF EXISTS '${user}'@'${host}'`);
    });
    const repo = join(work, 'repo');
    await Repository.init(new LocalStorage(repo), passphrase, { kdf: cheapKdf });

    const env = { AIRLOCK_HOME: home, AIRLOCK_PASSPHRASE: passphrase, AIRLOCK_DB_PASSWORD: dbPassword };
    const source = `mysql://${user}@${mysqlHost}:${mysqlPort}/${database}`;
    const added = await airlock(['job', 'add', '--name', 'shop', '--repo', repo, '--source', source, '--schedule', '*/10 * * * * *', '--tz', 'UTC', '--drill-every', '1'], { env });
    expect(added.code, added.stderr).toBe(0);

    const child = startCli(['daemon', '--json', '--grace', '30s'], { env });
    child.stdin?.end();
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no finished run within 90 s; stderr:\n${stderr}\nstdout:\n${stdout}`));
      }, 90_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        stdout += `${line}\n`;
        let parsed: LogLine;
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          return;
        }
        if (parsed.event === 'run.finished') {
          clearTimeout(timer);
          resolve(parsed);
        }
      });
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const finished = await done;
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, stderr).toBe(0);
    expect(finished.state, stdout).toBe('succeeded');

    const catalog = openCatalog(join(home, 'catalog.db'));
    try {
      const [drill] = catalog.listDrills();
      expect(drill?.ok, JSON.stringify(drill)).toBe(true);
      expect(drill?.checks.map((c) => c.item)).toEqual(['restore', 'orders']);
    } finally {
      catalog.close();
    }
    // The scratch database was dropped again.
    expect(mariadb(undefined, "SHOW DATABASES LIKE 'airlock\\_drill\\_%'").trim()).toBe('');

    const files = await allFiles(home);
    expect(files.some((f) => f.endsWith('airlock.log'))).toBe(true);
    expect(stdout).toContain('"event":"run.step"');
    // The log scrubs known secrets as a second line of defence; not one line should have needed it.
    expect(stdout).not.toContain('[redacted]');
    for (const secret of [passphrase, dbPassword]) {
      for (const file of files) expect((await readFile(file)).includes(secret), `${secret.slice(0, 11)}… in ${file}`).toBe(false);
      expect(stdout.includes(secret)).toBe(false);
      expect(stderr.includes(secret)).toBe(false);
    }
  });
});
