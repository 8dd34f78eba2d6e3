// Create or open a repository: where (a disk or USB drive), the passphrase with a strength meter, and whether to remember it.
import { Alert, Button, Checkbox, Group, Paper, PasswordInput, Progress, SegmentedControl, SimpleGrid, Stack, Text, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useClient, useQuery } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { DriveIcon } from '../../components/icons.tsx';
import { WeakSecretStorageNotice } from '../../components/WeakSecretStorageNotice.tsx';
import { PathField } from '../../components/PathPicker.tsx';
import { formatBytes } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { minimumStrength, passphraseStrength, strengthWords } from './passphrase-strength.ts';

export type RepositoryInfo = ChannelOutput<'repositories.create'>;

const strengthColors = ['red', 'red', 'yellow', 'teal', 'green'] as const;

export function StrengthMeter({ passphrase }: { readonly passphrase: string }) {
  const { t } = useTranslation();
  const strength = passphraseStrength(passphrase);
  return (
    <Stack gap={4} data-testid="strength-meter" data-strength={strength}>
      <Progress value={passphrase === '' ? 0 : ((strength + 1) / 5) * 100} color={strengthColors[strength]} aria-hidden="true" />
      <Text size="sm" c={`${strengthColors[strength]}.7`} aria-live="polite">
        {t('passphrase.strengthLabel')} {t(`passphrase.strength.${strengthWords[strength]}`)}
      </Text>
      <Text size="xs" c="dimmed">
        {t('passphrase.advice')}
      </Text>
    </Stack>
  );
}

function DriveChoices({ onPick }: { readonly onPick: (folder: string) => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const drives = useQuery('drives.list', {});
  if (!drives.data || drives.data.length === 0) return null;
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        {t('repoForm.drives')}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        {drives.data.map((d) => (
          <UnstyledButton key={d.mountPath} onClick={() => { onPick(`${d.mountPath.replace(/\/$/, '')}/Airlock`); }} aria-label={t('repoForm.useDrive', { name: d.label ?? d.mountPath })}>
            <Paper withBorder p="sm" radius="md">
              <Group gap="xs" wrap="nowrap">
                <DriveIcon />
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text size="sm" fw={600} truncate dir="auto">
                    {d.label ?? d.mountPath}
                    {d.removable ? ` · ${t('repoForm.removable')}` : ''}
                  </Text>
                  {d.freeBytes !== null && <Text size="xs" c="dimmed">{t('repoForm.free', { size: formatBytes(d.freeBytes, locale) })}</Text>}
                </Stack>
              </Group>
            </Paper>
          </UnstyledButton>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

export interface RepositoryFormProps {
  readonly onDone: (repo: RepositoryInfo, mode: 'create' | 'open') => void;
  readonly initialMode?: 'create' | 'open';
  readonly initialPath?: string;
}

export function RepositoryForm({ onDone, initialMode = 'create', initialPath = '' }: RepositoryFormProps) {
  const { t } = useTranslation();
  const client = useClient();
  const [mode, setMode] = useState<'create' | 'open'>(initialMode);
  const [path, setPath] = useState(initialPath);
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const strength = passphraseStrength(passphrase);
  const mismatch = mode === 'create' && again !== '' && again !== passphrase;
  const pathOk = path.trim().startsWith('/');
  const canSubmit = pathOk && passphrase !== '' && (mode === 'open' || (strength >= minimumStrength && again === passphrase));

  const submit = (): void => {
    setBusy(true);
    setError(undefined);
    client.invoke(mode === 'create' ? 'repositories.create' : 'repositories.open', { path: path.trim(), passphrase, remember }).then(
      (repo) => {
        setBusy(false);
        setPassphrase('');
        setAgain('');
        onDone(repo, mode);
      },
      (err: unknown) => {
        setBusy(false);
        setError(toApiError(err));
      },
    );
  };

  return (
    <Stack gap="md" component="form" onSubmit={(e) => { e.preventDefault(); if (canSubmit) submit(); }} data-testid="repository-form">
      <SegmentedControl
        aria-label={t('repoForm.modeLabel')}
        value={mode}
        onChange={(v) => { setMode(v === 'open' ? 'open' : 'create'); setError(undefined); }}
        data={[
          { value: 'create', label: t('repoForm.create') },
          { value: 'open', label: t('repoForm.open') },
        ]}
      />
      <Text size="sm" c="dimmed">
        {mode === 'create' ? t('repoForm.createHelp') : t('repoForm.openHelp')}
      </Text>
      <DriveChoices onPick={setPath} />
      <PathField label={t('repoForm.folder')} description={t('repoForm.folderHelp')} mode="folder" value={path} onChange={setPath} error={path !== '' && !pathOk ? t('sources.absolutePath') : undefined} />
      <PasswordInput label={t('passphrase.label')} value={passphrase} onChange={(e) => { setPassphrase(e.currentTarget.value); }} autoComplete={mode === 'create' ? 'new-password' : 'current-password'} />
      {mode === 'create' && (
        <>
          <StrengthMeter passphrase={passphrase} />
          <PasswordInput label={t('passphrase.again')} value={again} onChange={(e) => { setAgain(e.currentTarget.value); }} autoComplete="new-password" error={mismatch ? t('passphrase.mismatch') : undefined} />
          <Alert color="yellow" title={t('passphrase.warningTitle')}>
            {t('passphrase.warningText')}
          </Alert>
        </>
      )}
      <Checkbox label={t('repoForm.remember')} description={t('repoForm.rememberHelp')} checked={remember} onChange={(e) => { setRemember(e.currentTarget.checked); }} />
      {remember && <WeakSecretStorageNotice />}
      {error && <ErrorNotice error={error} />}
      <Group justify="flex-end">
        <Button type="submit" disabled={!canSubmit} loading={busy}>
          {mode === 'create' ? t('repoForm.createButton') : t('repoForm.openButton')}
        </Button>
      </Group>
    </Stack>
  );
}
