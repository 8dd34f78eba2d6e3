// Switching language mirrors the whole window: <html dir/lang>, Mantine's direction, and every label.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/app/App.tsx';
import { useSettings } from '../../renderer/src/store/settings.ts';
import { fakeClient } from './harness.tsx';

const emptyStatus = { overall: 'empty', headline: 'No backups yet', jobs: [], repositories: [], warnings: [], history: [], activeRuns: [] } as const;

function connection() {
  const client = fakeClient({
    'repositories.list': () => [{ id: 'r1', location: '/media/usb/Airlock', lastSeenAt: null, available: true, unlocked: true, passphraseRemembered: true, snapshotCount: 0 }],
    'runs.active': () => [],
    'app.status': () => emptyStatus,
    'settings.get': () => ({ language: 'en', theme: 'system', notifications: true, startAtLogin: false, smtp: null, smtpPasswordSet: false, dataFolder: '/home/ana/.airlock' }),
    'settings.set': () => ({ language: 'ar', theme: 'system', notifications: true, startAtLogin: false, smtp: null, smtpPasswordSet: false, dataFolder: '/home/ana/.airlock' }),
  });
  return { client, onState: () => () => undefined };
}

describe('direction switching', () => {
  beforeEach(() => {
    localStorage.clear();
    useSettings.setState({ language: 'en', theme: 'system' });
  });

  it('starts left-to-right in English', async () => {
    render(<App connection={connection()} />);
    expect(await screen.findByText('No backups are set up yet')).toBeTruthy();
    expect(document.documentElement.dir).toBe('ltr');
    expect(document.documentElement.lang).toBe('en');
  });

  it('mirrors to right-to-left and speaks Arabic when Arabic is chosen, and back again', async () => {
    render(<App connection={connection()} />);
    await screen.findByText('No backups are set up yet');
    act(() => {
      useSettings.getState().setLanguage('ar');
    });
    await waitFor(() => {
      expect(document.documentElement.dir).toBe('rtl');
    });
    expect(document.documentElement.lang).toBe('ar');
    expect(await screen.findByText('لم يُعدّ أي نسخ احتياطي بعد')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'الإعدادات' })).toBeTruthy();
    act(() => {
      useSettings.getState().setLanguage('en');
    });
    await waitFor(() => {
      expect(document.documentElement.dir).toBe('ltr');
    });
    expect(await screen.findByText('No backups are set up yet')).toBeTruthy();
  });

  it('switches from the Settings screen and tells the engine', async () => {
    const c = connection();
    render(<App connection={c} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    fireEvent.click(await screen.findByLabelText('العربية'));
    await waitFor(() => {
      expect(document.documentElement.dir).toBe('rtl');
    });
    expect(c.client.calls.some((call) => call.channel === 'settings.set' && (call.input as { language?: string }).language === 'ar')).toBe(true);
    expect(useSettings.getState().language).toBe('ar');
  });
});
