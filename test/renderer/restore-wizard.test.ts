// @vitest-environment jsdom
// The restore wizard's step logic: four steps, targets that fit the backup, nothing starts without a target and a confirmation.
import { describe, expect, it } from 'vitest';
import { initialWizard, readyToRestore, stepProblem, targetsFor, wizardReducer, type WizardAction, type WizardState } from '../../renderer/src/features/restore/wizard-model.ts';

const run = (...actions: WizardAction[]): WizardState => actions.reduce(wizardReducer, initialWizard);
const filesSnapshot = { type: 'pick-snapshot', snapshot: { id: 'aaa', kind: 'files' } } as const;
const dbSnapshot = { type: 'pick-snapshot', snapshot: { id: 'bbb', kind: 'database' } } as const;

describe('restore wizard', () => {
  it('does not leave the first step without a snapshot', () => {
    const state = run({ type: 'next' });
    expect(state.step).toBe('snapshot');
    expect(stepProblem(state)).toBe('no-snapshot');
  });

  it('offers only targets that fit the kind of backup', () => {
    expect(targetsFor('files')).toEqual(['folder']);
    expect(targetsFor('sqlite')).toEqual(['sqlite-file', 'sql-file']);
    expect(targetsFor('database')).toEqual(['new-database', 'sql-file']);
  });

  it('preselects the only possible target kind for files', () => {
    expect(run(filesSnapshot).targetKind).toBe('folder');
    expect(run(dbSnapshot).targetKind).toBeUndefined();
  });

  it('walks snapshot → items → target → confirm and refuses relative or empty targets', () => {
    let s = run(filesSnapshot, { type: 'next' });
    expect(s.step).toBe('items');
    s = wizardReducer(s, { type: 'set-items', items: ['/docs/a.txt'] });
    s = wizardReducer(s, { type: 'next' });
    expect(s.step).toBe('target');
    expect(wizardReducer(s, { type: 'next' }).step).toBe('target');
    s = wizardReducer(s, { type: 'set-target', target: 'restored' });
    expect(stepProblem(s)).toBe('target-not-absolute');
    expect(wizardReducer(s, { type: 'next' }).step).toBe('target');
    s = wizardReducer(s, { type: 'set-target', target: '/home/ana/Restored' });
    s = wizardReducer(s, { type: 'next' });
    expect(s.step).toBe('confirm');
    expect(readyToRestore(s)).toBe(false);
    s = wizardReducer(s, { type: 'confirm', confirmed: true });
    expect(readyToRestore(s)).toBe(true);
    expect(wizardReducer(s, { type: 'next' }).step).toBe('confirm');
  });

  it('wants a database URL with a new database name for a new database', () => {
    let s = run(dbSnapshot, { type: 'next' }, { type: 'next' }, { type: 'set-target-kind', targetKind: 'new-database' });
    s = wizardReducer(s, { type: 'set-target', target: '/tmp/x' });
    expect(stepProblem(s)).toBe('target-not-database-url');
    s = wizardReducer(s, { type: 'set-target', target: 'mysql://root@127.0.0.1:3306/shop_restored' });
    expect(stepProblem(s)).toBeUndefined();
  });

  it('forgets the confirmation when going back, and everything after the snapshot when another is picked', () => {
    let s = run(filesSnapshot, { type: 'next' }, { type: 'next' }, { type: 'set-target', target: '/r' }, { type: 'next' }, { type: 'confirm', confirmed: true });
    s = wizardReducer(s, { type: 'back' });
    expect(s.step).toBe('target');
    expect(s.confirmed).toBe(false);
    s = wizardReducer(s, { type: 'set-items', items: ['/a'] });
    s = wizardReducer(s, dbSnapshot);
    expect(s.items).toEqual([]);
    expect(s.target).toBe('');
    expect(s.targetKind).toBeUndefined();
  });

  it('changing the target after confirming needs a new confirmation', () => {
    let s = run(filesSnapshot, { type: 'next' }, { type: 'next' }, { type: 'set-target', target: '/r' }, { type: 'next' }, { type: 'confirm', confirmed: true });
    s = wizardReducer(s, { type: 'set-target', target: '/elsewhere' });
    expect(readyToRestore(s)).toBe(false);
  });
});
