// Remembering a passphrase without a system keyring is said plainly, and only then.
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { WeakSecretStorageNotice } from '../../renderer/src/components/WeakSecretStorageNotice.tsx';
import ar from '../../renderer/src/i18n/ar.json';
import en from '../../renderer/src/i18n/en.json';
import { fakeClient, renderWith } from './harness.tsx';

function settings(secretStoreEncrypted: boolean) {
  return fakeClient({
    'settings.get': () => ({ language: 'en', theme: 'system', notifications: true, startAtLogin: false, smtp: null, escalateAfter: 3, digest: null, smtpPasswordSet: false, dataFolder: '/home/ana/.airlock', secretStoreEncrypted }),
  });
}

describe('the weak secret storage warning', () => {
  it('warns, in Arabic too, when the engine keeps remembered secrets without a keyring', async () => {
    renderWith(<WeakSecretStorageNotice />, { client: settings(false), language: 'ar' });
    expect(await screen.findByText(ar.secrets.weakTitle)).toBeTruthy();
  });

  it('says nothing when the system keyring protects them', async () => {
    const client = settings(true);
    renderWith(<WeakSecretStorageNotice />, { client });
    await waitFor(() => {
      expect(client.calls.map((c) => c.channel)).toContain('settings.get');
    });
    // Give the answer a turn to arrive before looking.
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByText(en.secrets.weakTitle)).toBeNull();
  });
});
