// The dashboard: "are my backups OK?" in words and colour, what to do about each warning, every job and repository, and the trend charts.
import { Alert, Button, Group, Paper, Progress, SimpleGrid, Skeleton, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useClient, useQuery } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { BarChart } from '../../components/BarChart.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { CheckIcon, ErrorIcon, InfoIcon, WarningIcon } from '../../components/icons.tsx';
import { RelativeTime } from '../../components/RelativeTime.tsx';
import { ActiveRuns } from '../../components/ActiveRuns.tsx';
import { formatBytes, formatDuration, formatNumber, formatPercent } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { useNavigation } from '../../store/navigation.ts';
import { useRuns } from '../../store/runs.ts';

type Status = ChannelOutput<'app.status'>;
type JobStatus = Status['jobs'][number];
type RepoStatus = Status['repositories'][number];
type Warning = Status['warnings'][number];

const overallLook = {
  ok: { color: 'green', icon: <CheckIcon size={28} /> },
  attention: { color: 'yellow', icon: <WarningIcon size={28} /> },
  failing: { color: 'red', icon: <ErrorIcon size={28} /> },
  empty: { color: 'gray', icon: <InfoIcon size={28} /> },
} as const;

const jobLook = { ok: 'green', warning: 'yellow', failing: 'red', 'never-run': 'gray' } as const;

function OverallBanner({ status }: { readonly status: Status }) {
  const { t } = useTranslation();
  const look = overallLook[status.overall];
  return (
    <Paper withBorder p="lg" radius="md" role="status" aria-live="polite" data-overall={status.overall} style={{ borderInlineStartWidth: 6, borderInlineStartColor: `var(--mantine-color-${look.color}-6)` }}>
      <Group wrap="nowrap" align="flex-start">
        <ThemeIcon color={look.color} size={48} radius="xl" variant="light">
          {look.icon}
        </ThemeIcon>
        <Stack gap={4}>
          <Title order={2}>{t(`dashboard.overall.${status.overall}`)}</Title>
          <Text c="dimmed">{t(`dashboard.overallHint.${status.overall}`, { count: status.warnings.length })}</Text>
        </Stack>
      </Group>
    </Paper>
  );
}

function useRunJob(): { run: (job: { id: string; name: string }) => void; error: ApiError | undefined; busy: string | undefined } {
  const client = useClient();
  const started = useRuns((s) => s.started);
  const { t } = useTranslation();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState<string>();
  const run = (job: { id: string; name: string }): void => {
    setBusy(job.id);
    setError(undefined);
    client.invoke('jobs.runNow', { id: job.id }).then(
      ({ runId }) => {
        started({ runId, kind: 'backup', title: t('run.backupTitle', { name: job.name }), jobId: job.id });
        setBusy(undefined);
      },
      (err: unknown) => {
        setError(toApiError(err));
        setBusy(undefined);
      },
    );
  };
  return { run, error, busy };
}

function WarningRow({ warning, status }: { readonly warning: Warning; readonly status: Status }) {
  const { t } = useTranslation();
  const client = useClient();
  const go = useNavigation((s) => s.go);
  const started = useRuns((s) => s.started);
  const { run } = useRunJob();
  const [error, setError] = useState<ApiError>();
  const job = status.jobs.find((j) => j.name === warning.action.target || j.id === warning.action.target);

  const act = (): void => {
    const a = warning.action;
    switch (a.kind) {
      case 'run-backup':
        if (job) run(job);
        else go('jobs');
        return;
      case 'run-check':
        client.invoke('repositories.check', { repository: a.target }).then(
          ({ runId }) => {
            started({ runId, kind: 'check', title: t('run.checkTitle', { name: a.target }) });
          },
          (err: unknown) => {
            setError(toApiError(err));
          },
        );
        return;
      case 'resume-job':
        if (job) client.invoke('jobs.resume', { id: job.id }).catch((err: unknown) => { setError(toApiError(err)); });
        return;
      case 'add-job':
        go(status.repositories.length === 0 ? 'first-run' : 'jobs', { jobId: 'new' });
        return;
      case 'free-space':
      case 'plug-in-drive':
        go('repositories');
        return;
      case 'show-running':
        return;
      case 'show-error':
      case 'show-skipped':
      case 'show-changes':
      case 'show-history':
        go('activity', job ? { jobId: job.id } : {});
        return;
    }
  };
  const color = warning.level === 'critical' ? 'red' : warning.level === 'warning' ? 'yellow' : 'blue';
  return (
    <Alert color={color} icon={warning.level === 'info' ? <InfoIcon /> : <WarningIcon />} title={warning.about ? warning.about.name : t('dashboard.warningGeneral')}>
      <Stack gap={6}>
        <Text size="sm" dir="auto">{warning.message}</Text>
        {warning.detail !== null && (
          <Text size="sm" c="dimmed" dir="auto">
            {warning.detail}
          </Text>
        )}
        {error && <ErrorNotice error={error} />}
        {warning.action.kind !== 'show-running' && (
          <Group>
            <Button size="xs" color={color} variant="filled" onClick={act}>
              {t(`dashboard.action.${warning.action.kind}`, { target: warning.action.target })}
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

function JobCard({ job, onRun, busy }: { readonly job: JobStatus; readonly onRun: () => void; readonly busy: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const go = useNavigation((s) => s.go);
  const color = jobLook[job.state];
  return (
    <Paper withBorder p="md" radius="md" data-testid={`job-card-${job.id}`} style={{ borderInlineStartWidth: 4, borderInlineStartColor: `var(--mantine-color-${color}-6)` }}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Title order={3} size="h4">
            {job.name}
          </Title>
          <Text size="sm" fw={600} c={color === 'gray' ? 'dimmed' : `${color}.7`}>
            {job.running ? t('dashboard.job.running') : job.paused ? t('dashboard.job.paused') : t(`dashboard.job.state.${job.state}`)}
          </Text>
        </Group>
        <Text size="sm">
          {t('dashboard.job.last')}{' '}
          {job.lastSuccessAt === null ? t('dashboard.job.never') : <RelativeTime iso={job.lastSuccessAt} />}
        </Text>
        <Text size="sm">
          {t('dashboard.job.next')}{' '}
          {job.paused ? t('dashboard.job.pausedNext') : job.nextRunAt === null ? t('dashboard.job.noNext') : <RelativeTime iso={job.nextRunAt} />}
        </Text>
        {job.successRate !== null && (
          <Text size="sm" c="dimmed">
            {t('dashboard.job.successRate', { rate: formatPercent(job.successRate, locale) })}
          </Text>
        )}
        {/* For a healthy job the reasons only repeat "last backup succeeded"; they matter when something is wrong. */}
        {job.state !== 'ok' && job.reasons.map((r) => (
          <Text key={r} size="sm" c="dimmed" dir="auto">
            {r}
          </Text>
        ))}
        {job.anomalies.map((a) => (
          <Text key={a.kind + a.message} size="sm" dir="auto" c={a.severity === 'critical' ? 'red' : 'yellow.8'}>
            {a.message}
          </Text>
        ))}
        <Group gap="xs" mt={4}>
          <Button size="xs" onClick={onRun} loading={busy} disabled={job.running}>
            {t('dashboard.job.backUpNow')}
          </Button>
          <Button size="xs" variant="default" onClick={() => { go('jobs', { jobId: job.id }); }}>
            {t('dashboard.job.edit')}
          </Button>
          <Button size="xs" variant="default" onClick={() => { go('restore', { jobId: job.id }); }}>
            {t('dashboard.job.restore')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function RepositoryCard({ repo }: { readonly repo: RepoStatus }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const full = repo.percentFull ?? 0;
  const color = full >= 90 ? 'red' : full >= 75 ? 'yellow' : 'blue';
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap={6}>
        <Text fw={600} dir="ltr" ta="start" truncate title={repo.location}>
          {repo.location}
        </Text>
        {!repo.available && (
          <Text size="sm" c="red">
            {t('dashboard.repo.missing')}
          </Text>
        )}
        {repo.percentFull !== null && (
          <>
            <Progress value={full} color={color} aria-label={t('dashboard.repo.fullLabel', { percent: formatPercent(full / 100, locale) })} />
            <Text size="sm">
              {t('dashboard.repo.space', {
                percent: formatPercent(full / 100, locale),
                free: formatBytes(repo.freeBytes ?? 0, locale),
                total: formatBytes(repo.totalBytes ?? 0, locale),
              })}
            </Text>
          </>
        )}
        {repo.bytesUsed !== null && <Text size="sm" c="dimmed">{t('dashboard.repo.used', { size: formatBytes(repo.bytesUsed, locale) })}</Text>}
        <Text size="sm" {...(repo.daysUntilFull !== null && repo.daysUntilFull < 30 ? { c: 'red' } : {})}>
          {repo.daysUntilFull === null ? t('dashboard.repo.forecastUnknown') : t('dashboard.repo.daysLeft', { count: Math.floor(repo.daysUntilFull), formatted: formatNumber(Math.floor(repo.daysUntilFull), locale) })}
        </Text>
        <Text size="sm" c="dimmed">
          {t('dashboard.repo.lastCheck')} {repo.lastCheckAt === null ? t('dashboard.repo.neverChecked') : <RelativeTime iso={repo.lastCheckAt} />}
        </Text>
      </Stack>
    </Paper>
  );
}

export function DashboardScreen() {
  const { t } = useTranslation();
  const locale = useLocale();
  const go = useNavigation((s) => s.go);
  const status = useQuery('app.status', {}, { live: true });
  const { run, error: runError, busy } = useRunJob();

  if (status.error && !status.data) return <ErrorNotice error={status.error} onRetry={status.reload} />;
  if (!status.data) return <Skeleton h={200} />;
  const s = status.data;
  const ok = s.history.filter((h) => h.state === 'ok' || h.state === 'partial');
  // With no jobs at all, the empty state below already says what to do; the same advice as a warning would say it twice.
  const warnings = s.jobs.length === 0 ? s.warnings.filter((w) => w.action.kind !== 'add-job') : s.warnings;

  return (
    <Stack gap="lg">
      <Title order={2} className="airlock-screen-title">
        {t('nav.dashboard')}
      </Title>
      <OverallBanner status={s} />
      {/* Everything running shows here; of finished runs only backups and checks, whose outcome the overview is about. */}
      <ActiveRuns finishedKinds={['backup', 'check', 'drill']} />
      {runError && <ErrorNotice error={runError} />}
      {warnings.length > 0 && (
        <Stack gap="sm" aria-label={t('dashboard.warnings')}>
          {warnings.map((w, i) => (
            <WarningRow key={`${w.message}-${String(i)}`} warning={w} status={s} />
          ))}
        </Stack>
      )}
      {s.jobs.length === 0 ? (
        <EmptyState title={t('dashboard.emptyTitle')} text={t('dashboard.emptyText')} actionLabel={t('dashboard.emptyAction')} onAction={() => { go(s.repositories.length === 0 ? 'first-run' : 'jobs', { jobId: 'new' }); }} />
      ) : (
        <>
          <Title order={3}>{t('dashboard.jobsTitle')}</Title>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {s.jobs.map((j) => (
              <JobCard key={j.id} job={j} busy={busy === j.id} onRun={() => { run(j); }} />
            ))}
          </SimpleGrid>
        </>
      )}
      {s.repositories.length > 0 && (
        <>
          <Title order={3}>{t('dashboard.reposTitle')}</Title>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {s.repositories.map((r) => (
              <RepositoryCard key={r.location} repo={r} />
            ))}
          </SimpleGrid>
        </>
      )}
      {s.history.length > 0 && (
        <>
          <Title order={3}>{t('dashboard.trendsTitle')}</Title>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Paper withBorder p="md" radius="md">
              <BarChart
                title={t('dashboard.chartAdded')}
                points={ok.map((h) => ({ time: h.time, value: h.bytesAdded ?? 0, bad: h.state !== 'ok' }))}
                format={(v) => formatBytes(v, locale)}
              />
            </Paper>
            <Paper withBorder p="md" radius="md">
              <BarChart
                title={t('dashboard.chartDuration')}
                points={s.history.map((h) => ({ time: h.time, value: (h.durationMs ?? 0) / 1000, bad: h.state !== 'ok' }))}
                format={(v) => formatDuration(v, locale)}
              />
            </Paper>
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
