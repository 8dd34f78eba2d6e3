// The jobs: each with what it backs up, when, and buttons to run, pause, edit or delete it; or the editor for one job.
import { Badge, Button, Group, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useClient, useQuery } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ActiveRuns } from '../../components/ActiveRuns.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useNavigation } from '../../store/navigation.ts';
import { useRuns } from '../../store/runs.ts';
import { JobEditor } from './JobEditor.tsx';
import { draftFromText } from './schedule-model.ts';
import { useScheduleSummary } from './ScheduleBuilder.tsx';
import { SourceOptionsSummary } from './SourceOptionsEditor.tsx';
import { sourceKindOf, sourceLabel } from './source-model.ts';

type JobInfo = ChannelOutput<'jobs.get'>;

function JobRow({ job, onEdit, onChanged }: { readonly job: JobInfo; readonly onEdit: () => void; readonly onChanged: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const started = useRuns((s) => s.started);
  const summary = useScheduleSummary();
  const [error, setError] = useState<ApiError>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const draft = draftFromText(job.schedule);
  const fail = (err: unknown): void => {
    setError(toApiError(err));
  };
  return (
    <Paper withBorder p="md" radius="md" data-testid={`job-row-${job.id}`}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Title order={3} size="h4">
            {job.name}
          </Title>
          {job.paused && <Badge color="gray">{t('jobs.paused')}</Badge>}
        </Group>
        <Text size="sm" dir="auto">{draft.preset === 'custom' ? job.scheduleSummary : summary(draft)}</Text>
        <Stack gap={2}>
          {job.sources.map((s) => (
            <Stack key={s} gap={0}>
              <Text size="sm" c="dimmed">
                {t(`sources.kind.${sourceKindOf(s)}`)}: <span dir="ltr">{sourceLabel(s)}</span>
              </Text>
              {job.sourceOptions[s] !== undefined && <SourceOptionsSummary options={job.sourceOptions[s]} />}
            </Stack>
          ))}
        </Stack>
        {job.sourcesMissingPassword.length > 0 && <Text size="sm" c="red">{t('jobs.missingPasswords', { sources: job.sourcesMissingPassword.join(', ') })}</Text>}
        {error && <ErrorNotice error={error} />}
        <Group gap="xs">
          <Button
            size="xs"
            onClick={() => {
              client.invoke('jobs.runNow', { id: job.id }).then(({ runId }) => {
                started({ runId, kind: 'backup', title: t('run.backupTitle', { name: job.name }), jobId: job.id });
              }, fail);
            }}
          >
            {t('dashboard.job.backUpNow')}
          </Button>
          <Button size="xs" variant="default" onClick={onEdit}>
            {t('jobs.edit')}
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => {
              client.invoke(job.paused ? 'jobs.resume' : 'jobs.pause', { id: job.id }).then(onChanged, fail);
            }}
          >
            {job.paused ? t('jobs.resume') : t('jobs.pause')}
          </Button>
          <Button size="xs" variant="subtle" color="red" onClick={() => { setConfirmDelete(true); }}>
            {t('jobs.delete')}
          </Button>
        </Group>
      </Stack>
      <ConfirmDialog
        opened={confirmDelete}
        title={t('jobs.deleteTitle', { name: job.name })}
        confirmLabel={t('jobs.deleteConfirm', { name: job.name })}
        onCancel={() => { setConfirmDelete(false); }}
        onConfirm={() => {
          setConfirmDelete(false);
          client.invoke('jobs.remove', { id: job.id }).then(onChanged, fail);
        }}
      >
        {t('jobs.deleteText', { name: job.name })}
      </ConfirmDialog>
    </Paper>
  );
}

export function JobsScreen() {
  const { t } = useTranslation();
  const { context, go } = useNavigation();
  const jobs = useQuery('jobs.list', {}, { live: true });
  const [editing, setEditing] = useState<string | undefined>(context.jobId);

  if (editing !== undefined) {
    const job = jobs.data?.find((j) => j.id === editing);
    if (editing !== 'new' && job === undefined && jobs.loading) return <Skeleton h={300} />;
    return (
      <JobEditor
        key={editing}
        job={job}
        onCancel={() => {
          setEditing(undefined);
          go('jobs');
        }}
        onSaved={() => {
          setEditing(undefined);
          go('jobs');
          jobs.reload();
        }}
      />
    );
  }

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={2}>{t('nav.jobs')}</Title>
        <Button onClick={() => { setEditing('new'); }}>{t('jobs.new')}</Button>
      </Group>
      <ActiveRuns kinds={['backup']} />
      {jobs.error && <ErrorNotice error={jobs.error} onRetry={jobs.reload} />}
      {jobs.data?.length === 0 && <EmptyState title={t('jobs.emptyTitle')} text={t('jobs.emptyText')} actionLabel={t('jobs.new')} onAction={() => { setEditing('new'); }} />}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {jobs.data?.map((j) => (
          <JobRow key={j.id} job={j} onEdit={() => { setEditing(j.id); }} onChanged={jobs.reload} />
        ))}
      </SimpleGrid>
    </Stack>
  );
}
