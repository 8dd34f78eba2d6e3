// End to end in Debian Chromium against the dev bridge and a real engine: set up, back up, browse, restore a file and a database, compare the bytes — in English and in Arabic, with screenshots.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevBridge } from '../../electron/engine/ipc/dev-bridge.ts';
import ar from '../../renderer/src/i18n/ar.json' with { type: 'json' };
import en from '../../renderer/src/i18n/en.json' with { type: 'json' };
import { buildRenderer } from '../../scripts/build-app.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const screenshotDir = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

type Strings = typeof en;
type Language = 'en' | 'ar';

/** The text the app shows for a key, so the test clicks what a person reads in either language. */
function text(language: Language, key: string, vars: Record<string, string> = {}): string {
  let node: unknown = language === 'ar' ? ar : (en satisfies Strings);
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'string') throw new Error(`no string ${key}`);
  return node.replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? '');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

let browser: Browser | undefined;
let staticDir = '';

const suiteName = hasChromium ? 'the app in Chromium' : 'the app in Chromium — skipped: /usr/bin/chromium is not installed (apt-get install -y chromium)';

describe.skipIf(!hasChromium)(suiteName, () => {
  beforeAll(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'airlock-e2e-dist-'));
    await buildRenderer(staticDir);
    await mkdir(screenshotDir, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    console.log(`Screenshots: ${screenshotDir}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (staticDir !== '') await rm(staticDir, { recursive: true, force: true });
  });

  for (const language of ['en', 'ar'] as const) {
    it(`sets up, backs up, browses and restores a file and a database (${language})`, async () => {
      const t = (key: string, vars?: Record<string, string>): string => text(language, key, vars);
      const work = await mkdtemp(join(tmpdir(), `airlock-e2e-${language}-`));
      const home = join(work, 'home');
      const data = join(work, 'Documents');
      const repo = join(work, 'backup-drive', 'Airlock');
      const dbFile = join(work, 'shop.db');
      await mkdir(join(data, 'invoices'), { recursive: true });
      const notes = `Notes for ${language}: ملاحظات — ${'x'.repeat(5000)}\n`;
      const binary = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
      await writeFile(join(data, 'notes.txt'), notes);
      await writeFile(join(data, 'invoices', 'march.bin'), binary);
      // Incompressible bulk, so the first backup lasts long enough to be seen running.
      await writeFile(join(data, 'scans.bin'), randomBytes(48 * 1024 * 1024));
      const db = new Database(dbFile);
      db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, balance REAL)');
      const insert = db.prepare('INSERT INTO customers (name, balance) VALUES (?, ?)');
      for (let i = 0; i < 500; i++) insert.run(`customer ${i} عميل`, i * 1.5);
      db.close();

      const bridge = await startDevBridge({ home, staticDir });
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-US' });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      const shot = async (name: string, p: Page = page): Promise<void> => {
        await p.screenshot({ path: join(screenshotDir, `${language}-${name}.png`), fullPage: true });
      };
      try {
        await page.goto(bridge.url);
        if (language === 'ar') {
          await page.getByTestId('language-switch').click();
          await page.getByRole('option', { name: 'العربية' }).click();
          await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('rtl');
        } else {
          expect(await page.locator('html').getAttribute('dir')).toBe('ltr');
        }

        // An empty installation opens on the first-run flow; the overview's empty state leads back to it.
        await page.getByText(t('firstRun.title')).waitFor();
        await page.getByTestId('nav-dashboard').click();
        await page.getByText(t('dashboard.emptyTitle')).waitFor();
        await shot('dashboard-empty-light');
        // Empty states teach the next step.
        for (const [screen, title] of [['jobs', 'jobs.emptyTitle'], ['repositories', 'repos.emptyTitle'], ['activity', 'activity.emptyTitle']] as const) {
          await page.getByTestId(`nav-${screen}`).click();
          await page.getByText(t(title)).waitFor();
          await shot(`${screen}-empty-light`);
        }
        await page.getByTestId('nav-dashboard').click();
        await page.getByRole('button', { name: t('dashboard.emptyAction') }).click();

        // 1. Where the backups go: a new repository with a strong passphrase, then the recovery sheet.
        await page.getByLabel(t('repoForm.folder')).fill(repo);
        await page.getByLabel(t('passphrase.label'), { exact: true }).fill('correct horse battery staple 42');
        await page.getByLabel(t('passphrase.again')).fill('correct horse battery staple 42');
        await expect.poll(() => page.getByTestId('strength-meter').getAttribute('data-strength')).toBe('4');
        await shot('first-run-repository-light');
        await page.emulateMedia({ colorScheme: 'dark' });
        await shot('first-run-repository-dark');
        await page.emulateMedia({ colorScheme: 'light' });
        await page.getByRole('button', { name: t('repoForm.createButton'), exact: true }).click();
        await page.getByTestId('recovery-sheet').waitFor();
        expect(await page.getByTestId('recovery-sheet').textContent()).toContain(repo);
        await shot('first-run-recovery-sheet-light');
        await page.getByLabel(t('recovery.acknowledge')).check();
        await page.getByRole('button', { name: t('common.next') }).click();

        // 2. What to back up: a folder, a database server that is not there (the failure is named), and a SQLite file.
        await page.getByLabel(t('sources.folderLabel')).fill(data);
        await page.getByRole('button', { name: t('sources.add'), exact: true }).click();
        await page.getByRole('button', { name: t('sources.addAnother') }).click();
        await page.getByText(t('sources.kind.mysql'), { exact: true }).click();
        await page.getByLabel(t('sources.port')).fill('1');
        await page.getByLabel(t('sources.database')).fill('shop');
        await page.getByRole('button', { name: t('sources.test') }).click();
        await page.getByTestId('source-test-result').waitFor();
        expect(await page.getByTestId('source-test-result').textContent()).toContain(t('sources.testFailed'));
        await shot('first-run-source-failure-light');
        await page.getByText(t('sources.kind.sqlite'), { exact: true }).click();
        await page.getByLabel(t('sources.sqliteLabel')).fill(dbFile);
        await page.getByRole('button', { name: t('sources.test') }).click();
        await page.getByTestId('source-test-result').waitFor();
        expect(await page.getByTestId('source-test-result').textContent()).toContain(t('sources.testOk'));
        await page.getByRole('button', { name: t('sources.add'), exact: true }).click();
        await shot('first-run-sources-light');
        await page.getByRole('button', { name: t('common.next') }).click();

        // 3. When: the default preset, read back in words with the next runs from the engine.
        await page.getByTestId('schedule-summary').getByRole('listitem').first().waitFor();
        await shot('first-run-schedule-light');
        await page.getByRole('button', { name: t('common.next') }).click();

        // 4. The first backup, watched to the end.
        await page.getByRole('button', { name: t('firstRun.startBackup') }).click();
        await page.locator('[data-run-state]').first().waitFor();
        // Best effort: a fast machine may finish before the bar is photographed; the outcome is asserted below either way.
        await page
          .locator('[data-run-state="running"] [data-testid="run-numbers"]')
          .waitFor({ timeout: 5000 })
          .then(() => shot('first-run-backup-progress-light'), () => undefined);
        await page.locator('[data-run-state="succeeded"], [data-run-state="partial"], [data-run-state="failed"]').first().waitFor({ timeout: 90_000 });
        await shot('first-run-backup-done-light');
        expect(await page.locator('[data-run-state]').first().getAttribute('data-run-state')).toBe('succeeded');
        await page.getByRole('button', { name: t('firstRun.toDashboard') }).click();
        await page.locator('[data-overall]').waitFor();
        await shot('dashboard-light');

        // Browse the files snapshot.
        await page.getByTestId('nav-snapshots').click();
        const table = page.getByTestId('snapshot-table');
        await table.waitFor();
        expect(await table.locator('tbody tr').count()).toBe(2);
        await table.locator('tbody tr', { hasText: data }).getByRole('button', { name: t('snapshots.browse') }).click();
        // A folder source is kept under its own name at the snapshot's root.
        await page.getByTestId('entry-list').getByText('Documents', { exact: true }).click();
        await page.getByTestId('entry-list').getByText('notes.txt').waitFor();
        await page.getByTestId('entry-list').getByText('invoices').click();
        await page.getByTestId('entry-list').getByText('march.bin').waitFor();
        await shot('snapshots-browse-light');
        await page.getByRole('tab', { name: t('snapshots.tabSearch') }).click();
        await page.getByLabel(t('snapshots.searchLabel')).fill('march');
        await page.getByRole('button', { name: t('snapshots.search'), exact: true }).click();
        await page.getByRole('table', { name: t('snapshots.searchResults') }).getByText('/Documents/invoices/march.bin').waitFor();
        await shot('snapshots-search-light');

        // Restore one file to a new folder.
        const restoreDir = join(work, 'Restored');
        await page.getByTestId('nav-restore').click();
        await page.getByRole('radio', { name: new RegExp(data.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')) }).check();
        await page.getByRole('button', { name: t('common.next') }).click();
        await page.getByTestId('entry-list').getByText('Documents', { exact: true }).click();
        await page.getByLabel(t('snapshots.select', { name: 'notes.txt' })).check();
        await page.getByRole('button', { name: t('common.next') }).click();
        await page.getByLabel(t('restore.target.pathLabel.folder')).fill(restoreDir);
        await page.getByRole('button', { name: t('common.next') }).click();
        await page.getByTestId('restore-plan').waitFor();
        await page.getByTestId('restore-understand').check();
        await shot('restore-confirm-light');
        await page.getByTestId('restore-start').click();
        await page.locator('[data-run-state="succeeded"], [data-run-state="failed"]').first().waitFor({ timeout: 60_000 });
        await shot('restore-file-done-light');
        expect(await page.locator('[data-run-state]').first().getAttribute('data-run-state')).toBe('succeeded');
        const restored = await filesUnder(restoreDir);
        expect(restored.map((f) => f.slice(restoreDir.length))).toEqual(['/Documents/notes.txt']);
        expect(await readFile(join(restoreDir, 'Documents', 'notes.txt'), 'utf8')).toBe(notes);

        // Restore the database into a new SQLite file.
        const restoredDb = join(work, 'restored-shop.db');
        await page.getByRole('button', { name: t('restore.another') }).click();
        await page.getByRole('radio', { name: new RegExp(dbFile.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')) }).check();
        await page.getByRole('button', { name: t('common.next') }).click();
        await page.getByRole('button', { name: t('common.next') }).click();
        await page.getByLabel(t('restore.target.kind.sqlite-file')).check();
        await page.getByLabel(t('restore.target.pathLabel.sqlite-file')).fill(restoredDb);
        await page.getByRole('button', { name: t('common.next') }).click();
        await page.getByTestId('restore-plan').waitFor();
        await page.getByTestId('restore-understand').check();
        await page.getByTestId('restore-start').click();
        await page.locator('[data-run-state="succeeded"], [data-run-state="failed"]').first().waitFor({ timeout: 60_000 });
        await shot('restore-database-done-light');
        expect(await page.locator('[data-run-state]').first().getAttribute('data-run-state')).toBe('succeeded');
        const original = new Database(dbFile, { readonly: true });
        const copy = new Database(restoredDb, { readonly: true });
        try {
          expect(copy.prepare('SELECT * FROM customers ORDER BY id').all()).toEqual(original.prepare('SELECT * FROM customers ORDER BY id').all());
        } finally {
          original.close();
          copy.close();
        }
        // The untouched binary file is still byte-identical in the snapshot listing's size.
        expect((await readFile(join(data, 'invoices', 'march.bin'))).equals(binary)).toBe(true);

        // Every screen, light and dark.
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          for (const screen of ['dashboard', 'jobs', 'repositories', 'snapshots', 'restore', 'activity', 'settings'] as const) {
            await page.getByTestId(`nav-${screen}`).click();
            await page.getByRole('heading', { level: 2, name: t(`nav.${screen}`) }).first().waitFor();
            await page.waitForLoadState('networkidle');
            await shot(`${screen}-${scheme}`);
          }
          await page.getByTestId('nav-jobs').click();
          await page.getByRole('button', { name: t('jobs.edit') }).first().click();
          await page.getByTestId('retention-summary').waitFor();
          await shot(`job-editor-${scheme}`);
          await page.getByRole('button', { name: t('common.cancel') }).last().click();
        }
        expect(await page.locator('html').getAttribute('dir')).toBe(language === 'ar' ? 'rtl' : 'ltr');
        expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
      } catch (err) {
        // The page as it was when the test gave up: usually says more than the locator that timed out.
        await shot('failure').catch(() => undefined);
        throw err;
      } finally {
        await context.close();
        await bridge.close();
        await rm(work, { recursive: true, force: true });
      }
    }, 150_000);
  }
});
