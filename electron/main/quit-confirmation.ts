// The question asked before quitting while backups run, with keeping them running as the safe default.

import { shellWording, type ShellLanguage } from './wording/shell-wording.ts';

export interface QuitConfirmation {
  readonly message: string;
  readonly detail: string;
  /** Button labels; index 0 (keep running) is the default and the cancel button, so Enter or Esc never stops a backup. */
  readonly buttons: readonly [string, string];
}

/** The question to ask before quitting, or undefined when nothing is running and quitting loses nothing. */
export function quitConfirmation(runningCount: number, language: ShellLanguage): QuitConfirmation | undefined {
  if (runningCount === 0) return undefined;
  const s = shellWording[language];
  return { message: s.quitQuestion(runningCount), detail: s.quitDetail, buttons: [s.keepRunning, s.quitAnyway] };
}
