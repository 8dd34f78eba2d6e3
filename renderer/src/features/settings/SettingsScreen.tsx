// Settings: language, theme, notifications, start at login, where Airlock keeps its own data, and whether remembered secrets are protected.
import { Paper, SegmentedControl, Stack, Switch, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelInput } from '../../../../shared/ipc/contract.ts';
import { useClient, useQuery } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { WeakSecretStorageNotice } from '../../components/WeakSecretStorageNotice.tsx';
import { languages } from '../../i18n/languages.ts';
import { useSettings, type ThemeChoice } from '../../store/settings.ts';

export function SettingsScreen() {
  const { t } = useTranslation();
  const client = useClient();
  const settings = useQuery('settings.get', {});
  const { language, theme, setLanguage, setTheme } = useSettings();
  const [error, setError] = useState<ApiError>();

  // The window applies language and theme at once; the engine keeps them for the tray and the next start.
  const save = (patch: ChannelInput<'settings.set'>): void => {
    client.invoke('settings.set', patch).then(
      () => {
        setError(undefined);
        settings.reload();
      },
      (err: unknown) => { setError(toApiError(err)); },
    );
  };

  return (
    <Stack gap="lg" maw={720}>
      <Title order={2}>{t('nav.settings')}</Title>
      {error && <ErrorNotice error={error} />}
      {settings.error && <ErrorNotice error={settings.error} onRetry={settings.reload} />}
      <WeakSecretStorageNotice />
      <Paper withBorder p="md" radius="md">
        <Stack gap="md">
          <Stack gap={4}>
            <Text fw={600} id="settings-language">{t('settings.language')}</Text>
            <SegmentedControl
              aria-labelledby="settings-language"
              value={language}
              data={languages.map((l) => ({ value: l, label: t(`language.${l}`) }))}
              onChange={(v) => {
                setLanguage(v);
                save({ language: v });
              }}
            />
          </Stack>
          <Stack gap={4}>
            <Text fw={600} id="settings-theme">{t('settings.theme')}</Text>
            <SegmentedControl
              aria-labelledby="settings-theme"
              value={theme}
              data={(['system', 'light', 'dark'] as const).map((v) => ({ value: v, label: t(`settings.themes.${v}`) }))}
              onChange={(v) => {
                const choice = (['system', 'light', 'dark'] as const).find((c) => c === v);
                if (choice) {
                  setTheme(choice satisfies ThemeChoice);
                  save({ theme: choice });
                }
              }}
            />
          </Stack>
          <Switch
            label={t('settings.notifications')}
            description={t('settings.notificationsHelp')}
            checked={settings.data?.notifications ?? false}
            disabled={!settings.data}
            onChange={(e) => { save({ notifications: e.currentTarget.checked }); }}
          />
          <Switch
            label={t('settings.startAtLogin')}
            description={t('settings.startAtLoginHelp')}
            checked={settings.data?.startAtLogin ?? false}
            disabled={!settings.data}
            onChange={(e) => { save({ startAtLogin: e.currentTarget.checked }); }}
          />
          {settings.data && (
            <Stack gap={0}>
              <Text fw={600}>{t('settings.dataFolder')}</Text>
              <Text size="sm"><bdi dir="ltr">{settings.data.dataFolder}</bdi></Text>
              <Text size="xs" c="dimmed">{t('settings.dataFolderHelp')}</Text>
            </Stack>
          )}
        </Stack>
      </Paper>
    </Stack>
  );
}
