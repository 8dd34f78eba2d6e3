// The restore wizard's step logic: four steps (snapshot, items, target, confirm), which targets fit which kind of backup, and when each step may go on.

export const wizardSteps = ['snapshot', 'items', 'target', 'confirm'] as const;
export type WizardStep = (typeof wizardSteps)[number];

/** What a snapshot holds, which decides where it can go back to. */
export type SnapshotKind = 'files' | 'sqlite' | 'database';

/** Folder for files; a new SQLite file for SQLite; a new database on a server, or a .sql file, for databases. */
export type TargetKind = 'folder' | 'sqlite-file' | 'new-database' | 'sql-file';

export interface WizardSnapshot {
  readonly id: string;
  readonly kind: SnapshotKind;
}

export interface WizardState {
  readonly step: WizardStep;
  readonly snapshot: WizardSnapshot | undefined;
  /** Paths for files, table names for databases; empty means everything. */
  readonly items: readonly string[];
  readonly targetKind: TargetKind | undefined;
  /** A folder, a file path, or a database URL without the password. */
  readonly target: string;
  /** The person ticked "I understand what will be written"; required on the confirm step only. */
  readonly confirmed: boolean;
}

export const initialWizard: WizardState = { step: 'snapshot', snapshot: undefined, items: [], targetKind: undefined, target: '', confirmed: false };

export function targetsFor(kind: SnapshotKind): readonly TargetKind[] {
  switch (kind) {
    case 'files':
      return ['folder'];
    case 'sqlite':
      return ['sqlite-file', 'sql-file'];
    case 'database':
      return ['new-database', 'sql-file'];
  }
}

export type WizardProblem = 'no-snapshot' | 'no-target-kind' | 'no-target' | 'target-not-absolute' | 'target-not-database-url' | 'not-confirmed';

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** Why the current step cannot go on yet, or undefined when it can. */
export function stepProblem(state: WizardState): WizardProblem | undefined {
  switch (state.step) {
    case 'snapshot':
      return state.snapshot === undefined ? 'no-snapshot' : undefined;
    case 'items':
      return undefined;
    case 'target': {
      if (state.targetKind === undefined) return 'no-target-kind';
      const target = state.target.trim();
      if (target === '') return 'no-target';
      if (state.targetKind === 'new-database') return /^(mysql|mariadb|postgres|postgresql):\/\/[^/]+\/[^/?]+/i.test(target) ? undefined : 'target-not-database-url';
      return isAbsolutePath(target) ? undefined : 'target-not-absolute';
    }
    case 'confirm':
      return state.confirmed ? undefined : 'not-confirmed';
  }
}

export type WizardAction =
  | { readonly type: 'pick-snapshot'; readonly snapshot: WizardSnapshot }
  | { readonly type: 'set-items'; readonly items: readonly string[] }
  | { readonly type: 'set-target-kind'; readonly targetKind: TargetKind }
  | { readonly type: 'set-target'; readonly target: string }
  | { readonly type: 'confirm'; readonly confirmed: boolean }
  | { readonly type: 'next' }
  | { readonly type: 'back' }
  | { readonly type: 'reset' };

function stepAt(index: number): WizardStep {
  return wizardSteps[Math.min(Math.max(index, 0), wizardSteps.length - 1)] ?? 'snapshot';
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'pick-snapshot': {
      // A different snapshot invalidates everything chosen after it: other items, maybe other kinds of target.
      if (state.snapshot?.id === action.snapshot.id) return state;
      const targets = targetsFor(action.snapshot.kind);
      return { ...state, snapshot: action.snapshot, items: [], targetKind: targets.length === 1 ? targets[0] : undefined, target: '', confirmed: false };
    }
    case 'set-items':
      return { ...state, items: action.items, confirmed: false };
    case 'set-target-kind':
      return state.targetKind === action.targetKind ? state : { ...state, targetKind: action.targetKind, target: '', confirmed: false };
    case 'set-target':
      return { ...state, target: action.target, confirmed: false };
    case 'confirm':
      return { ...state, confirmed: action.confirmed };
    case 'next':
      return stepProblem(state) === undefined && state.step !== 'confirm' ? { ...state, step: stepAt(wizardSteps.indexOf(state.step) + 1) } : state;
    case 'back':
      return { ...state, step: stepAt(wizardSteps.indexOf(state.step) - 1), confirmed: false };
    case 'reset':
      return initialWizard;
  }
}

/** True when the restore may start: every step is satisfied and the confirmation is ticked. */
export function readyToRestore(state: WizardState): boolean {
  return state.step === 'confirm' && state.snapshot !== undefined && stepProblem({ ...state, step: 'target' }) === undefined && state.confirmed;
}
