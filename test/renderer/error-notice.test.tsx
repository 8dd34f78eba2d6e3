// An engine error reads in the person's language first (from its stable code), with the engine's exact sentence kept as the detail.
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../renderer/src/api/errors.ts';
import { ErrorNotice } from '../../renderer/src/components/ErrorNotice.tsx';
import ar from '../../renderer/src/i18n/ar.json';
import en from '../../renderer/src/i18n/en.json';
import { renderWith } from './harness.tsx';

const engineSentence = 'The passphrase does not open the repository at /media/usb/Airlock. Check it and try again.';

describe('error notices', () => {
  it('explains a known code in Arabic, and keeps the engine sentence as the detail', () => {
    renderWith(<ErrorNotice error={new ApiError('WRONG_PASSPHRASE', engineSentence)} />, { language: 'ar' });
    expect(screen.getByText(ar.errorCode.WRONG_PASSPHRASE)).toBeTruthy();
    expect(screen.getByText(engineSentence)).toBeTruthy();
  });

  it('shows only the engine sentence for a code it has no words for', () => {
    renderWith(<ErrorNotice error={new ApiError('SOMETHING_NEW', 'A new kind of failure.')} />, { language: 'en' });
    expect(screen.getByText('A new kind of failure.')).toBeTruthy();
    expect(screen.queryByText(`${en.error.details}:`, { exact: false })).toBeNull();
  });

  it('has words in both languages for every error code the engine can give', () => {
    // errors.ts is the engine's list; read as text through Vite, since the renderer side never imports the engine.
    const files = import.meta.glob<string>('../../electron/engine/errors.ts', { query: '?raw', import: 'default', eager: true });
    const source = Object.values(files)[0] ?? '';
    const union = /export type ErrorCode =([^;]+);/.exec(source)?.[1] ?? '';
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(20);
    for (const code of codes) {
      expect(Object.keys(en.errorCode), code).toContain(code);
      expect(Object.keys(ar.errorCode), code).toContain(code);
    }
  });
});
