// Which links the app may offer to open outside itself, in the user's browser or mail program, after asking.

import { shellWording, type ShellLanguage } from '../wording/shell-wording.ts';

/**
 * The normalised URL when `url` is a web or mail link a person could reasonably mean to follow; undefined for
 * everything else (file:, javascript:, custom protocol handlers that could launch programs, credentials in the URL).
 */
export function externalLinkTarget(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'mailto:') return parsed.href;
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username !== '' || parsed.password !== '' || parsed.hostname === '') return undefined;
  return parsed.href;
}

export interface ExternalLinkQuestion {
  readonly message: string;
  readonly detail: string;
  /** Index 0 (stay in Airlock) is the default and the cancel button. */
  readonly buttons: readonly [string, string];
}

/** The question asked before a link leaves the app; the full address is shown so a look-alike cannot hide. */
export function externalLinkQuestion(url: string, language: ShellLanguage): ExternalLinkQuestion {
  const s = shellWording[language];
  return { message: s.leaveQuestion, detail: url, buttons: [s.leaveCancel, s.leaveOpen] };
}
