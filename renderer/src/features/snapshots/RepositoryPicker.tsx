// Which repository to look in: a select over the known ones, defaulting to the first, with a note when it is locked.
import { Alert, Button, Select, Stack } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useQuery } from '../../api/context.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useNavigation } from '../../store/navigation.ts';
import { useSelection } from '../../store/selection.ts';

export type RepositoryInfo = ChannelOutput<'repositories.list'>[number];

/** The chosen repository when it is open for reading, else undefined (and the picker says why). */
export function useRepositoryPicker(): { readonly picker: ReactNode; readonly repository: RepositoryInfo | undefined } {
  const { t } = useTranslation();
  const go = useNavigation((s) => s.go);
  const repos = useQuery('repositories.list', {}, { live: true });
  const { repository, setRepository } = useSelection();
  const list = repos.data ?? [];
  const chosen = list.find((r) => r.location === repository) ?? list.find((r) => r.unlocked) ?? list[0];

  useEffect(() => {
    if (chosen !== undefined && chosen.location !== repository) setRepository(chosen.location);
  }, [chosen, repository, setRepository]);

  const picker = (
    <Stack gap="xs">
      {repos.error && <ErrorNotice error={repos.error} onRetry={repos.reload} />}
      {list.length > 1 && (
        <Select
          label={t('snapshots.repository')}
          allowDeselect={false}
          value={chosen?.location ?? null}
          data={list.map((r) => ({ value: r.location, label: r.location }))}
          onChange={(v) => { if (v !== null) setRepository(v); }}
        />
      )}
      {chosen !== undefined && !chosen.unlocked && (
        <Alert color="yellow" title={t('snapshots.lockedTitle')}>
          {t('snapshots.lockedText')}{' '}
          <Button size="xs" variant="light" onClick={() => { go('repositories'); }}>{t('snapshots.goUnlock')}</Button>
        </Alert>
      )}
    </Stack>
  );
  return { picker, repository: chosen?.unlocked === true ? chosen : undefined };
}
