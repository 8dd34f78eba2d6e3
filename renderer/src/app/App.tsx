// The window: providers (theme, direction, language, engine client), the navigation, and the screen that is showing.
import { AppShell, Badge, DirectionProvider, Group, MantineProvider, NavLink, Select, Stack, Text, Title, useDirection } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import type { Connection } from '../api/connect.ts';
import { ClientProvider, useClient } from '../api/context.ts';
import { ActivityIcon, HomeIcon, JobsIcon, RestoreIcon, SettingsIcon, SnapshotIcon, DriveIcon } from '../components/icons.tsx';
import { ActivityScreen } from '../features/activity/ActivityScreen.tsx';
import { DashboardScreen } from '../features/dashboard/DashboardScreen.tsx';
import { FirstRunScreen } from '../features/first-run/FirstRunScreen.tsx';
import { JobsScreen } from '../features/jobs/JobsScreen.tsx';
import { RepositoriesScreen } from '../features/repositories/RepositoriesScreen.tsx';
import { RestoreScreen } from '../features/restore/RestoreScreen.tsx';
import { SettingsScreen } from '../features/settings/SettingsScreen.tsx';
import { SnapshotsScreen } from '../features/snapshots/SnapshotsScreen.tsx';
import { directionOf, languages } from '../i18n/languages.ts';
import { applyDocumentLanguage, createI18n } from '../i18n/setup.ts';
import { useNavigation, type Screen } from '../store/navigation.ts';
import { trackRuns } from '../store/runs.ts';
import { useSettings } from '../store/settings.ts';
import { useConnectionState } from './connection-state.ts';
import { theme } from './theme.ts';

const navItems: readonly { screen: Screen; icon: ReactNode }[] = [
  { screen: 'dashboard', icon: <HomeIcon /> },
  { screen: 'restore', icon: <RestoreIcon /> },
  { screen: 'snapshots', icon: <SnapshotIcon /> },
  { screen: 'jobs', icon: <JobsIcon /> },
  { screen: 'repositories', icon: <DriveIcon /> },
  { screen: 'activity', icon: <ActivityIcon /> },
  { screen: 'settings', icon: <SettingsIcon /> },
];

function CurrentScreen() {
  const screen = useNavigation((s) => s.screen);
  switch (screen) {
    case 'dashboard':
      return <DashboardScreen />;
    case 'first-run':
      return <FirstRunScreen />;
    case 'repositories':
      return <RepositoriesScreen />;
    case 'jobs':
      return <JobsScreen />;
    case 'snapshots':
      return <SnapshotsScreen />;
    case 'restore':
      return <RestoreScreen />;
    case 'activity':
      return <ActivityScreen />;
    case 'settings':
      return <SettingsScreen />;
  }
}

function LanguageSwitch() {
  const { t } = useTranslation();
  const client = useClient();
  const language = useSettings((s) => s.language);
  const setLanguage = useSettings((s) => s.setLanguage);
  return (
    <Select
      aria-label={t('settings.language')}
      size="xs"
      w={120}
      allowDeselect={false}
      value={language}
      data={languages.map((l) => ({ value: l, label: t(`language.${l}`) }))}
      onChange={(v) => {
        if (v !== 'en' && v !== 'ar') return;
        setLanguage(v);
        // The engine keeps it too, for the tray and notifications; the window has already switched either way.
        client.invoke('settings.set', { language: v }).catch(() => undefined);
      }}
      data-testid="language-switch"
    />
  );
}

function Shell({ connection }: { readonly connection: Connection }) {
  const { t } = useTranslation();
  const client = useClient();
  const { screen, go } = useNavigation();
  const connectionState = useConnectionState(connection);

  useEffect(() => trackRuns(client), [client]);

  // A new installation starts with the first-run flow; once a repository exists the dashboard is home.
  useEffect(() => {
    void client.invoke('repositories.list', {}).then(
      (repos) => {
        if (repos.length === 0) go('first-run');
      },
      () => undefined,
    );
  }, [client, go]);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 0 }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm">
            <Title order={1} size="h3">
              {t('app.name')}
            </Title>
            {connectionState !== 'open' && (
              <Badge color="red" variant="light" role="status">
                {t(connectionState === 'connecting' ? 'app.connecting' : 'app.disconnected')}
              </Badge>
            )}
          </Group>
          <LanguageSwitch />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.label')}>
        <Stack gap={2} component="nav">
          {navItems.map((item) => (
            <NavLink
              key={item.screen}
              label={t(`nav.${item.screen}`)}
              leftSection={item.icon}
              active={screen === item.screen}
              aria-current={screen === item.screen ? 'page' : undefined}
              onClick={() => {
                go(item.screen);
              }}
              component="button"
              data-testid={`nav-${item.screen}`}
            />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        <CurrentScreen />
      </AppShell.Main>
    </AppShell>
  );
}

function NoEngine() {
  const { t } = useTranslation();
  return (
    <Stack p="xl" maw={640}>
      <Title order={1}>{t('app.noEngineTitle')}</Title>
      <Text>{t('app.noEngineText')}</Text>
    </Stack>
  );
}

/** Keeps Mantine's direction, <html dir/lang> and i18next in step with the chosen language. */
function DirectionSync({ language, children }: { readonly language: 'en' | 'ar'; readonly children: ReactNode }) {
  const { setDirection } = useDirection();
  useEffect(() => {
    applyDocumentLanguage(document, language);
    setDirection(directionOf(language));
  }, [language, setDirection]);
  return children;
}

export function App({ connection }: { readonly connection: Connection | undefined }) {
  const language = useSettings((s) => s.language);
  const themeChoice = useSettings((s) => s.theme);
  // One instance for the window's life; later language changes go through changeLanguage.
  const [i18n] = useState(() => createI18n(language));

  useEffect(() => {
    void i18n.changeLanguage(language);
  }, [i18n, language]);

  return (
    <I18nextProvider i18n={i18n}>
      <DirectionProvider initialDirection={directionOf(language)} detectDirection={false}>
      <MantineProvider theme={theme} defaultColorScheme="auto" {...(themeChoice === 'system' ? {} : { forceColorScheme: themeChoice })}>
        <DirectionSync language={language}>
          {connection ? (
            <ClientProvider value={connection.client}>
              <Shell connection={connection} />
            </ClientProvider>
          ) : (
            <NoEngine />
          )}
        </DirectionSync>
      </MantineProvider>
      </DirectionProvider>
    </I18nextProvider>
  );
}
