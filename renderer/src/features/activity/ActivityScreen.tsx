// Activity: what ran and how it went (with the error and warnings of each run), the verification reports, and the tamper-evident audit log.
import { Alert, Badge, Button, Group, Modal, Paper, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useQuery } from '../../api/context.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { CheckIcon, ErrorIcon } from '../../components/icons.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { formatBytes, formatDuration, formatNumber } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { useNavigation } from '../../store/navigation.ts';
import { sourceLabel } from '../jobs/source-model.ts';

type ActivityRun = ChannelOutput<'activity.runs'>[number];

const statusColor = { running: 'blue', ok: 'green', partial: 'yellow', failed: 'red', cancelled: 'gray', interrupted: 'orange' } as const;
const verificationKinds: readonly ActivityRun['kind'][] = ['check', 'verify', 'drill'];

function RunDetail({ id, onClose }: { readonly id: number; readonly onClose: () => void }) {
  const { t } = useTranslation();
  const detail = useQuery('activity.run', { id });
  return (
    <Modal opened onClose={onClose} size="lg" title={t('activity.detailTitle')} closeButtonProps={{ 'aria-label': t('common.close') }}>
      {detail.error && <ErrorNotice error={detail.error} />}
      {detail.data && (
        <Stack gap="sm">
          <Text>{t(`activity.kind.${detail.data.kind}`)} · {t(`activity.status.${detail.data.status}`)}</Text>
          {detail.data.source !== null && <Text size="sm"><bdi dir="ltr">{sourceLabel(detail.data.source)}</bdi></Text>}
          {detail.data.error && (
            <Alert color="red" icon={<ErrorIcon />} title={t('activity.errorTitle')}>
              <Text size="sm" dir="auto">{detail.data.error.message}</Text>
            </Alert>
          )}
          {detail.data.warnings.length > 0 && (
            <Stack gap={2}>
              <Text fw={600}>{t('activity.warnings', { count: detail.data.warnings.length })}</Text>
              {detail.data.warnings.map((w) => (
                <Text key={w} size="sm" dir="auto">
                  {w}
                </Text>
              ))}
            </Stack>
          )}
        </Stack>
      )}
    </Modal>
  );
}

function RunsTable({ runs, onOpen }: { readonly runs: readonly ActivityRun[]; readonly onOpen: (id: number) => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <Paper withBorder radius="md">
      <Table highlightOnHover aria-label={t('activity.runsTitle')} data-testid="activity-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('activity.col.when')}</Table.Th>
            <Table.Th>{t('activity.col.what')}</Table.Th>
            <Table.Th>{t('activity.col.result')}</Table.Th>
            <Table.Th>{t('activity.col.size')}</Table.Th>
            <Table.Th>{t('activity.col.duration')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td><RelativeTime iso={r.startedAt} /></Table.Td>
              <Table.Td>
                <Text size="sm">{t(`activity.kind.${r.kind}`)}</Text>
                {r.source !== null && <Text size="xs" c="dimmed" dir="ltr" ta="start" truncate maw={280}>{sourceLabel(r.source)}</Text>}
              </Table.Td>
              <Table.Td>
                <Badge color={statusColor[r.status]} variant="light">{t(`activity.status.${r.status}`)}</Badge>
                {r.error && <Text size="xs" c="red" lineClamp={2} maw={320} dir="auto">{r.error.message}</Text>}
                {r.warningCount > 0 && <Text size="xs" c="yellow.8">{t('activity.warnings', { count: r.warningCount })}</Text>}
              </Table.Td>
              <Table.Td>{r.bytesAdded === null ? '' : t('activity.added', { size: formatBytes(r.bytesAdded, locale) })}</Table.Td>
              <Table.Td>{r.durationMs === null ? '' : formatDuration(r.durationMs / 1000, locale)}</Table.Td>
              <Table.Td>
                <Button size="compact-sm" variant="default" onClick={() => { onOpen(r.id); }}>{t('activity.details')}</Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

function AuditLog() {
  const { t } = useTranslation();
  const locale = useLocale();
  const audit = useQuery('activity.audit', { limit: 200 });
  if (audit.error) return <ErrorNotice error={audit.error} onRetry={audit.reload} />;
  if (!audit.data) return null;
  const v = audit.data.verification;
  return (
    <Stack gap="sm">
      {v.ok ? (
        <Alert color="green" icon={<CheckIcon />} title={t('activity.auditIntact')}>
          {t('activity.auditIntactText', { n: formatNumber(v.length, locale) })}
        </Alert>
      ) : (
        <Alert color="red" icon={<ErrorIcon />} title={t('activity.auditBroken')}>
          <Text size="sm" dir="auto">{v.problem} {v.reason}</Text>
        </Alert>
      )}
      <Paper withBorder radius="md">
        <Table aria-label={t('activity.auditTitle')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('activity.col.when')}</Table.Th>
              <Table.Th>{t('activity.col.who')}</Table.Th>
              <Table.Th>{t('activity.col.action')}</Table.Th>
              <Table.Th>{t('activity.col.target')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {audit.data.entries.map((e) => (
              <Table.Tr key={e.seq}>
                <Table.Td><RelativeTime iso={e.time} /></Table.Td>
                <Table.Td><bdi dir="ltr">{e.actor}</bdi></Table.Td>
                <Table.Td><bdi dir="ltr">{e.action}</bdi></Table.Td>
                <Table.Td><bdi dir="ltr">{e.target}</bdi></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

export function ActivityScreen() {
  const { t } = useTranslation();
  const { context, go } = useNavigation();
  const runs = useQuery('activity.runs', { limit: 200, ...(context.jobId === undefined ? {} : { jobId: context.jobId }) }, { live: true });
  const [open, setOpen] = useState<number>();
  const all = runs.data ?? [];
  const verification = all.filter((r) => verificationKinds.includes(r.kind));
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={2}>{t('nav.activity')}</Title>
        {context.jobId !== undefined && <Button variant="default" onClick={() => { go('activity'); }}>{t('activity.showAll')}</Button>}
      </Group>
      {runs.error && <ErrorNotice error={runs.error} onRetry={runs.reload} />}
      <Tabs defaultValue="runs" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="runs">{t('activity.tabRuns')}</Tabs.Tab>
          <Tabs.Tab value="verification">{t('activity.tabVerification')}</Tabs.Tab>
          <Tabs.Tab value="audit">{t('activity.tabAudit')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="runs" pt="md">
          {runs.data && all.length === 0 ? <EmptyState title={t('activity.emptyTitle')} text={t('activity.emptyText')} /> : <RunsTable runs={all} onOpen={setOpen} />}
        </Tabs.Panel>
        <Tabs.Panel value="verification" pt="md">
          {runs.data && verification.length === 0 ? (
            <EmptyState title={t('activity.noChecksTitle')} text={t('activity.noChecksText')} actionLabel={t('activity.noChecksAction')} onAction={() => { go('repositories'); }} />
          ) : (
            <RunsTable runs={verification} onOpen={setOpen} />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="audit" pt="md">
          <AuditLog />
        </Tabs.Panel>
      </Tabs>
      {open !== undefined && <RunDetail id={open} onClose={() => { setOpen(undefined); }} />}
    </Stack>
  );
}
