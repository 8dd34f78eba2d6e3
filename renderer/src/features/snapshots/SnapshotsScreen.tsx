// Snapshots: every backup by job and date, what is inside one (files with sizes, or tables), search across all, and the difference between two.
import { Badge, Breadcrumbs, Button, Checkbox, Group, Paper, Select, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useQuery } from '../../api/context.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { formatBytes, formatDateTime, formatNumber } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { useNavigation } from '../../store/navigation.ts';
import { sourceLabel } from '../jobs/source-model.ts';
import { EntryList } from './EntryList.tsx';
import { useRepositoryPicker } from './RepositoryPicker.tsx';

export type SnapshotInfo = ChannelOutput<'snapshots.list'>[number];

export function isFilesSnapshot(s: SnapshotInfo): boolean {
  return s.sourceKind === 'files';
}

/** The crumbs of a path inside a snapshot: "/", "/a", "/a/b". */
function crumbs(path: string): { name: string; path: string }[] {
  const parts = path.split('/').filter(Boolean);
  return [{ name: '/', path: '/' }, ...parts.map((name, i) => ({ name, path: `/${parts.slice(0, i + 1).join('/')}` }))];
}

export function SnapshotBrowser({ repository, snapshot }: { readonly repository: string; readonly snapshot: SnapshotInfo }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [path, setPath] = useState('/');
  const files = isFilesSnapshot(snapshot);
  const listing = useQuery('snapshots.browse', { repository, snapshotId: snapshot.id, path }, { enabled: files });
  const tables = useQuery('snapshots.tables', { repository, snapshotId: snapshot.id }, { enabled: !files });
  if (!files) {
    return (
      <Stack gap="xs">
        {tables.error && <ErrorNotice error={tables.error} onRetry={tables.reload} />}
        {tables.data && (
          <Table striped aria-label={t('snapshots.tables')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('snapshots.col.table')}</Table.Th>
                <Table.Th>{t('snapshots.col.rows')}</Table.Th>
                <Table.Th>{t('snapshots.col.size')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tables.data.tables.map((tb) => (
                <Table.Tr key={`${tb.schema ?? ''}.${tb.name}`}>
                  <Table.Td><bdi dir="ltr">{tb.schema === null ? tb.name : `${tb.schema}.${tb.name}`}</bdi></Table.Td>
                  <Table.Td>{tb.rows === null ? '' : formatNumber(tb.rows, locale)}</Table.Td>
                  <Table.Td>{tb.bytes === null ? '' : formatBytes(tb.bytes, locale)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    );
  }
  return (
    <Stack gap="xs">
      <Breadcrumbs separator="›" aria-label={t('snapshots.path')}>
        {crumbs(path).map((c) => (
          <Button key={c.path} variant="subtle" size="compact-sm" onClick={() => { setPath(c.path); }} dir="auto">
            {c.name}
          </Button>
        ))}
      </Breadcrumbs>
      {listing.error && <ErrorNotice error={listing.error} onRetry={listing.reload} />}
      {listing.data && (
        <EntryList
          entries={listing.data.entries}
          onOpen={(e) => {
            if (e.kind === 'directory') setPath(e.path);
          }}
        />
      )}
    </Stack>
  );
}

function SearchPanel({ repository }: { readonly repository: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const result = useQuery('snapshots.search', { repository, text: query }, { enabled: query.trim() !== '' });
  return (
    <Stack gap="sm">
      <Group
        align="flex-end"
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(text);
        }}
      >
        <TextInput style={{ flex: 1 }} label={t('snapshots.searchLabel')} description={t('snapshots.searchHelp')} value={text} onChange={(e) => { setText(e.currentTarget.value); }} />
        <Button type="submit" disabled={text.trim() === ''}>{t('snapshots.search')}</Button>
      </Group>
      {result.error && <ErrorNotice error={result.error} />}
      {result.data && result.data.matches.length === 0 && <Text c="dimmed">{t('snapshots.noMatches', { text: query })}</Text>}
      {result.data && result.data.matches.length > 0 && (
        <Table striped aria-label={t('snapshots.searchResults')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('snapshots.col.path')}</Table.Th>
              <Table.Th>{t('snapshots.col.when')}</Table.Th>
              <Table.Th>{t('snapshots.col.size')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.data.matches.map((m) => (
              <Table.Tr key={`${m.snapshotId}:${m.path}`}>
                <Table.Td><bdi dir="ltr">{m.path}</bdi></Table.Td>
                <Table.Td>{formatDateTime(new Date(m.time), locale)}</Table.Td>
                <Table.Td>{m.size === null ? '' : formatBytes(m.size, locale)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {result.data?.truncated === true && <Text size="sm" c="dimmed">{t('snapshots.truncated')}</Text>}
    </Stack>
  );
}

function ComparePanel({ repository, a, b }: { readonly repository: string; readonly a: SnapshotInfo; readonly b: SnapshotInfo }) {
  const { t } = useTranslation();
  const locale = useLocale();
  // Older first, so "added" means added since the older one.
  const [older, newer] = a.time <= b.time ? [a, b] : [b, a];
  const diff = useQuery('snapshots.diff', { repository, a: older.id, b: newer.id });
  const colors = { added: 'green', removed: 'red', modified: 'yellow', metadata: 'gray' } as const;
  return (
    <Stack gap="sm">
      <Text size="sm">{t('snapshots.compareOf', { a: formatDateTime(new Date(older.time), locale), b: formatDateTime(new Date(newer.time), locale) })}</Text>
      {diff.error && <ErrorNotice error={diff.error} />}
      {diff.data && (
        <>
          <Group gap="xs">
            <Badge color="green" variant="light">{t('snapshots.added', { n: formatNumber(diff.data.added, locale) })}</Badge>
            <Badge color="red" variant="light">{t('snapshots.removed', { n: formatNumber(diff.data.removed, locale) })}</Badge>
            <Badge color="yellow" variant="light">{t('snapshots.modified', { n: formatNumber(diff.data.modified, locale) })}</Badge>
          </Group>
          {diff.data.changes.length === 0 && <Text c="dimmed">{t('snapshots.noChanges')}</Text>}
          <Stack gap={2}>
            {diff.data.changes.slice(0, 500).map((c) => (
              <Group key={`${c.change}:${c.path}`} gap="xs" wrap="nowrap">
                <Badge color={colors[c.change]} variant="light" w={100}>{t(`snapshots.change.${c.change}`)}</Badge>
                <Text size="sm" dir="ltr" truncate>{c.path}</Text>
              </Group>
            ))}
          </Stack>
        </>
      )}
    </Stack>
  );
}

export function SnapshotsScreen() {
  const { t } = useTranslation();
  const locale = useLocale();
  const go = useNavigation((s) => s.go);
  const { picker, repository } = useRepositoryPicker();
  const jobs = useQuery('jobs.list', {});
  const [jobId, setJobId] = useState<string | null>(null);
  const snapshots = useQuery('snapshots.list', { repository: repository?.location ?? '-', ...(jobId === null ? {} : { jobId }) }, { enabled: repository !== undefined, live: true });
  const [open, setOpen] = useState<string>();
  const [compare, setCompare] = useState<string[]>([]);
  const list = snapshots.data ?? [];
  const opened = list.find((s) => s.id === open);
  const pair = compare.map((id) => list.find((s) => s.id === id)).filter((s) => s !== undefined);

  return (
    <Stack gap="lg">
      <Title order={2}>{t('nav.snapshots')}</Title>
      <Text c="dimmed">{t('snapshots.intro')}</Text>
      {picker}
      {repository && (
        <Tabs defaultValue="list" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="list">{t('snapshots.tabList')}</Tabs.Tab>
            <Tabs.Tab value="search">{t('snapshots.tabSearch')}</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="list" pt="md">
            <Stack gap="md">
              <Select
                label={t('snapshots.jobFilter')}
                clearable
                placeholder={t('snapshots.allJobs')}
                value={jobId}
                data={(jobs.data ?? []).map((j) => ({ value: j.id, label: j.name }))}
                onChange={setJobId}
                maw={320}
              />
              {snapshots.error && <ErrorNotice error={snapshots.error} onRetry={snapshots.reload} />}
              {snapshots.data?.length === 0 && <EmptyState title={t('snapshots.emptyTitle')} text={t('snapshots.emptyText')} actionLabel={t('snapshots.emptyAction')} onAction={() => { go('dashboard'); }} />}
              {list.length > 0 && (
                <Paper withBorder radius="md">
                  <Table highlightOnHover aria-label={t('nav.snapshots')} data-testid="snapshot-table">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t('snapshots.col.compare')}</Table.Th>
                        <Table.Th>{t('snapshots.col.when')}</Table.Th>
                        <Table.Th>{t('snapshots.col.what')}</Table.Th>
                        <Table.Th>{t('snapshots.col.size')}</Table.Th>
                        <Table.Th>{t('snapshots.col.added')}</Table.Th>
                        <Table.Th />
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {list.map((s) => (
                        <Table.Tr key={s.id} aria-selected={s.id === open}>
                          <Table.Td>
                            <Checkbox
                              aria-label={t('snapshots.compareThis', { when: formatDateTime(new Date(s.time), locale) })}
                              checked={compare.includes(s.id)}
                              disabled={!compare.includes(s.id) && compare.length >= 2}
                              onChange={(e) => { setCompare(e.currentTarget.checked ? [...compare, s.id] : compare.filter((x) => x !== s.id)); }}
                            />
                          </Table.Td>
                          <Table.Td>{formatDateTime(new Date(s.time), locale)}</Table.Td>
                          <Table.Td><bdi dir="ltr">{sourceLabel(s.source)}</bdi></Table.Td>
                          <Table.Td>{s.bytes === null ? '' : formatBytes(s.bytes, locale)}</Table.Td>
                          <Table.Td>{s.bytesAdded === null ? '' : formatBytes(s.bytesAdded, locale)}</Table.Td>
                          <Table.Td>
                            <Group gap={4} wrap="nowrap">
                              <Button size="compact-sm" variant="default" onClick={() => { setOpen(s.id === open ? undefined : s.id); }}>
                                {s.id === open ? t('snapshots.close') : t('snapshots.browse')}
                              </Button>
                              <Button size="compact-sm" onClick={() => { go('restore', { snapshotId: s.id }); }}>
                                {t('snapshots.restore')}
                              </Button>
                            </Group>
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Paper>
              )}
              {compare.length === 1 && <Text size="sm" c="dimmed">{t('snapshots.compareHint')}</Text>}
              {pair.length === 2 && pair[0] && pair[1] && (
                <Paper withBorder p="md" radius="md">
                  <ComparePanel repository={repository.location} a={pair[0]} b={pair[1]} />
                </Paper>
              )}
              {opened && (
                <Paper withBorder p="md" radius="md" data-testid="snapshot-browser">
                  <Text fw={600} mb="xs">{t('snapshots.inside', { when: formatDateTime(new Date(opened.time), locale) })}</Text>
                  <SnapshotBrowser key={opened.id} repository={repository.location} snapshot={opened} />
                </Paper>
              )}
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="search" pt="md">
            <SearchPanel repository={repository.location} />
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}
