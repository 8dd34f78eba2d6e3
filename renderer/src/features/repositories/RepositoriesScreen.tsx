// The repositories: where backups live, how full each is, unlocking, checking with progress, passphrase keys, and adding or forgetting one.
import { Badge, Button, Checkbox, Group, Modal, Paper, PasswordInput, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useClient, useQuery } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ActiveRuns } from '../../components/ActiveRuns.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { formatBytes, formatNumber } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { useRuns } from '../../store/runs.ts';
import { RecoverySheet } from './RecoverySheet.tsx';
import { RepositoryForm, StrengthMeter, type RepositoryInfo } from './RepositoryForm.tsx';
import { minimumStrength, passphraseStrength } from './passphrase-strength.ts';

function UnlockModal({ repo, opened, onClose, onUnlocked }: { readonly repo: RepositoryInfo; readonly opened: boolean; readonly onClose: () => void; readonly onUnlocked: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [passphrase, setPassphrase] = useState('');
  const [remember, setRemember] = useState(repo.passphraseRemembered);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  return (
    <Modal opened={opened} onClose={onClose} title={t('repos.unlockTitle')} closeButtonProps={{ 'aria-label': t('common.close') }}>
      <Stack
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          client.invoke('repositories.open', { path: repo.location, passphrase, remember }).then(
            () => {
              setBusy(false);
              setPassphrase('');
              onUnlocked();
            },
            (err: unknown) => {
              setBusy(false);
              setError(toApiError(err));
            },
          );
        }}
      >
        <Text size="sm"><bdi dir="ltr">{repo.location}</bdi></Text>
        <PasswordInput label={t('passphrase.label')} value={passphrase} onChange={(e) => { setPassphrase(e.currentTarget.value); }} autoComplete="current-password" data-autofocus />
        <Checkbox label={t('repoForm.remember')} checked={remember} onChange={(e) => { setRemember(e.currentTarget.checked); }} />
        {error && <ErrorNotice error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" disabled={passphrase === ''} loading={busy}>{t('repos.unlock')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function KeysPanel({ repo }: { readonly repo: RepositoryInfo }) {
  const { t } = useTranslation();
  const client = useClient();
  const keys = useQuery('repositories.keys.list', { repository: repo.location });
  const [newPassphrase, setNewPassphrase] = useState('');
  const [mode, setMode] = useState<'add' | 'change'>();
  const [removing, setRemoving] = useState<ChannelOutput<'repositories.keys.list'>[number]>();
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<string>();
  const fail = (err: unknown): void => {
    setError(toApiError(err));
  };
  return (
    <Stack gap="xs">
      <Text fw={600}>{t('repos.keysTitle')}</Text>
      <Text size="sm" c="dimmed">{t('repos.keysHelp')}</Text>
      {keys.error && <ErrorNotice error={keys.error} onRetry={keys.reload} />}
      {keys.data && (
        <Table aria-label={t('repos.keysTitle')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('repos.keyCreated')}</Table.Th>
              <Table.Th>{t('repos.keyBy')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.data.map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td><RelativeTime iso={k.createdAt} /></Table.Td>
                <Table.Td><bdi dir="ltr">{`${k.username}@${k.hostname}`}</bdi></Table.Td>
                <Table.Td>
                  {k.current ? (
                    <Badge variant="light">{t('repos.keyCurrent')}</Badge>
                  ) : (
                    <Button size="xs" variant="subtle" color="red" onClick={() => { setRemoving(k); }}>
                      {t('repos.keyRemove')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {mode === undefined ? (
        <Group>
          <Button size="xs" variant="default" onClick={() => { setMode('add'); setDone(undefined); }}>{t('repos.keyAdd')}</Button>
          <Button size="xs" variant="default" onClick={() => { setMode('change'); setDone(undefined); }}>{t('repos.keyChange')}</Button>
        </Group>
      ) : (
        <Stack gap="xs">
          <PasswordInput label={mode === 'add' ? t('repos.keyNewExtra') : t('repos.keyNewReplacement')} value={newPassphrase} onChange={(e) => { setNewPassphrase(e.currentTarget.value); }} autoComplete="new-password" />
          <StrengthMeter passphrase={newPassphrase} />
          <Group>
            <Button size="xs" variant="default" onClick={() => { setMode(undefined); setNewPassphrase(''); }}>{t('common.cancel')}</Button>
            <Button
              size="xs"
              disabled={passphraseStrength(newPassphrase) < minimumStrength}
              onClick={() => {
                client.invoke(mode === 'add' ? 'repositories.keys.add' : 'repositories.keys.changePassphrase', { repository: repo.location, newPassphrase }).then(() => {
                  setDone(mode === 'add' ? t('repos.keyAdded') : t('repos.keyChanged'));
                  setMode(undefined);
                  setNewPassphrase('');
                  keys.reload();
                }, fail);
              }}
            >
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      )}
      {done !== undefined && <Text size="sm" c="green.7" role="status">{done}</Text>}
      {error && <ErrorNotice error={error} />}
      <ConfirmDialog
        opened={removing !== undefined}
        title={t('repos.keyRemoveTitle')}
        confirmLabel={t('repos.keyRemoveConfirm')}
        onCancel={() => { setRemoving(undefined); }}
        onConfirm={() => {
          const key = removing;
          setRemoving(undefined);
          if (key) client.invoke('repositories.keys.remove', { repository: repo.location, keyId: key.id }).then(keys.reload, fail);
        }}
      >
        {removing && t('repos.keyRemoveText', { who: `${removing.username}@${removing.hostname}` })}
      </ConfirmDialog>
    </Stack>
  );
}

function Stats({ repo }: { readonly repo: RepositoryInfo }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const stats = useQuery('repositories.stats', { repository: repo.location }, { live: true });
  if (stats.error) return <ErrorNotice error={stats.error} onRetry={stats.reload} />;
  if (!stats.data) return null;
  const s = stats.data;
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }}>
      <Stack gap={0}><Text size="xs" c="dimmed">{t('repos.stat.snapshots')}</Text><Text fw={600}>{formatNumber(s.snapshots, locale)}</Text></Stack>
      <Stack gap={0}><Text size="xs" c="dimmed">{t('repos.stat.onDisk')}</Text><Text fw={600}>{formatBytes(s.repositorySize, locale)}</Text></Stack>
      <Stack gap={0}><Text size="xs" c="dimmed">{t('repos.stat.restoreSize')}</Text><Text fw={600}>{formatBytes(s.restoreSize, locale)}</Text></Stack>
      <Stack gap={0}><Text size="xs" c="dimmed">{t('repos.stat.free')}</Text><Text fw={600}>{s.freeSpace === null ? t('common.unknown') : formatBytes(s.freeSpace, locale)}</Text></Stack>
    </SimpleGrid>
  );
}

function RepositoryCard({ repo, onChanged }: { readonly repo: RepositoryInfo; readonly onChanged: () => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const client = useClient();
  const started = useRuns((s) => s.started);
  const [unlocking, setUnlocking] = useState(false);
  const [showKeys, setShowKeys] = useState(false);
  const [forgetting, setForgetting] = useState(false);
  const [error, setError] = useState<ApiError>();
  const fail = (err: unknown): void => {
    setError(toApiError(err));
  };
  const check = (readDataPercent?: number): void => {
    client.invoke('repositories.check', { repository: repo.location, ...(readDataPercent === undefined ? {} : { readDataPercent }) }).then(({ runId }) => {
      started({ runId, kind: 'check', title: t('run.checkTitle', { name: repo.location }) });
    }, fail);
  };
  return (
    <Paper withBorder p="md" radius="md" data-testid="repository-card">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600} dir="ltr" truncate title={repo.location}>{repo.location}</Text>
          <Group gap={4} wrap="nowrap">
            <Badge color={repo.available ? 'green' : 'red'} variant="light">{repo.available ? t('repos.available') : t('repos.missing')}</Badge>
            <Badge color={repo.unlocked ? 'blue' : 'gray'} variant="light">{repo.unlocked ? t('repos.unlocked') : t('repos.locked')}</Badge>
          </Group>
        </Group>
        {!repo.available && <Text size="sm" c="red">{t('repos.missingHelp')}</Text>}
        {repo.snapshotCount !== null && <Text size="sm">{t('repos.snapshotCount', { count: repo.snapshotCount, formatted: formatNumber(repo.snapshotCount, locale) })}</Text>}
        {repo.lastSeenAt !== null && <Text size="sm" c="dimmed">{t('repos.lastSeen')} <RelativeTime iso={repo.lastSeenAt} /></Text>}
        {repo.unlocked && <Stats repo={repo} />}
        {error && <ErrorNotice error={error} />}
        <Group gap="xs">
          {!repo.unlocked && <Button size="xs" onClick={() => { setUnlocking(true); }} disabled={!repo.available}>{t('repos.unlock')}</Button>}
          {repo.unlocked && (
            <>
              <Button size="xs" variant="default" onClick={() => { check(); }}>{t('repos.checkNow')}</Button>
              <Button size="xs" variant="default" onClick={() => { check(10); }}>{t('repos.checkData')}</Button>
              <Button size="xs" variant="default" onClick={() => { setShowKeys((v) => !v); }} aria-expanded={showKeys}>{t('repos.keys')}</Button>
              <Button size="xs" variant="default" onClick={() => { client.invoke('repositories.lock', { repository: repo.location }).then(onChanged, fail); }}>{t('repos.lock')}</Button>
            </>
          )}
          <Button size="xs" variant="subtle" color="red" onClick={() => { setForgetting(true); }}>{t('repos.forget')}</Button>
        </Group>
        {showKeys && repo.unlocked && <KeysPanel repo={repo} />}
      </Stack>
      <UnlockModal repo={repo} opened={unlocking} onClose={() => { setUnlocking(false); }} onUnlocked={() => { setUnlocking(false); onChanged(); }} />
      <ConfirmDialog
        opened={forgetting}
        title={t('repos.forgetTitle')}
        confirmLabel={t('repos.forgetConfirm')}
        onCancel={() => { setForgetting(false); }}
        onConfirm={() => {
          setForgetting(false);
          client.invoke('repositories.forget', { repository: repo.location }).then(onChanged, fail);
        }}
      >
        {t('repos.forgetText', { location: repo.location })}
      </ConfirmDialog>
    </Paper>
  );
}

export function RepositoriesScreen() {
  const { t } = useTranslation();
  const repos = useQuery('repositories.list', {}, { live: true });
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<RepositoryInfo>();
  const [sheetDone, setSheetDone] = useState(false);
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={2}>{t('nav.repositories')}</Title>
        {!adding && created === undefined && <Button onClick={() => { setAdding(true); }}>{t('repos.add')}</Button>}
      </Group>
      <Text c="dimmed">{t('repos.intro')}</Text>
      <ActiveRuns kinds={['check', 'drill']} />
      {adding && (
        <Paper withBorder p="md" radius="md">
          <RepositoryForm
            onDone={(r, mode) => {
              setAdding(false);
              if (mode === 'create') {
                setCreated(r);
                setSheetDone(false);
              }
              repos.reload();
            }}
          />
          <Group justify="flex-end" mt="sm"><Button variant="default" onClick={() => { setAdding(false); }}>{t('common.cancel')}</Button></Group>
        </Paper>
      )}
      {created && (
        <Paper withBorder p="md" radius="md">
          <RecoverySheet repo={created} acknowledged={sheetDone} onAcknowledge={setSheetDone} />
          <Group justify="flex-end" mt="sm"><Button disabled={!sheetDone} onClick={() => { setCreated(undefined); }}>{t('common.done')}</Button></Group>
        </Paper>
      )}
      {repos.error && <ErrorNotice error={repos.error} onRetry={repos.reload} />}
      {repos.data?.length === 0 && !adding && <EmptyState title={t('repos.emptyTitle')} text={t('repos.emptyText')} actionLabel={t('repos.add')} onAction={() => { setAdding(true); }} />}
      <Stack gap="md">
        {repos.data?.map((r) => <RepositoryCard key={r.location} repo={r} onChanged={repos.reload} />)}
      </Stack>
    </Stack>
  );
}
