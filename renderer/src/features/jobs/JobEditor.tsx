// Creating or editing a job: name, sources (and what of each), repositories, schedule, retention with preview, verification and missed runs, in one form.
import { Button, Checkbox, Group, MultiSelect, NumberInput, Paper, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelInput, ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useClient, useQuery } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { draftFromPolicy, keepsNothing, policyFromDraft, type RetentionDraft } from './retention-model.ts';
import { RetentionBuilder } from './RetentionBuilder.tsx';
import { ScheduleBuilder } from './ScheduleBuilder.tsx';
import { defaultScheduleDraft, draftFromText, draftProblem, scheduleText, type ScheduleDraft } from './schedule-model.ts';
import { SourcesEditor, type SourcesValue } from './SourcesEditor.tsx';

type JobInfo = ChannelOutput<'jobs.get'>;
type JobFields = ChannelInput<'jobs.create'>['job'];

function Section({ title, hint, children }: { readonly title: string; readonly hint?: string; readonly children: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title}>
      <Stack gap="sm">
        <Stack gap={0}>
          <Title order={3} size="h4">
            {title}
          </Title>
          {hint !== undefined && <Text size="sm" c="dimmed">{hint}</Text>}
        </Stack>
        {children}
      </Stack>
    </Paper>
  );
}

export function JobEditor({ job, onSaved, onCancel }: { readonly job: JobInfo | undefined; readonly onSaved: (job: JobInfo) => void; readonly onCancel: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const repos = useQuery('repositories.list', {});
  const [name, setName] = useState(job?.name ?? '');
  const [sources, setSources] = useState<SourcesValue>({ sources: job?.sources ?? [], passwords: {}, options: job?.sourceOptions ?? {} });
  const [repositories, setRepositories] = useState<string[]>(job?.repositories ?? []);
  const [schedule, setSchedule] = useState<ScheduleDraft>(job ? draftFromText(job.schedule) : defaultScheduleDraft);
  const [retention, setRetention] = useState<RetentionDraft>(draftFromPolicy(job?.retention ?? undefined));
  const [checkAfterRun, setCheckAfterRun] = useState(job?.verification.checkAfterRun ?? true);
  const [readDataDays, setReadDataDays] = useState<number>(job?.verification.readData?.everyDays ?? 30);
  const [readDataPercent, setReadDataPercent] = useState<number>(job?.verification.readData?.percent ?? 10);
  const [readData, setReadData] = useState(job?.verification.readData !== undefined);
  const [drill, setDrill] = useState(job?.verification.restoreDrill !== undefined);
  const [drillDays, setDrillDays] = useState<number>(job?.verification.restoreDrill?.everyDays ?? 30);
  const [missedRuns, setMissedRuns] = useState<'catch-up' | 'skip'>(job?.missedRuns ?? 'catch-up');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  // Fill the one repository in for a new job when there is only one: the common case needs no choice.
  const repoOptions = (repos.data ?? []).map((r) => ({ value: r.location, label: r.location }));
  const chosenRepos = repositories.length === 0 && job === undefined && repoOptions.length === 1 && repoOptions[0] ? [repoOptions[0].value] : repositories;

  const problems = [
    name.trim() === '' ? t('jobs.nameMissing') : undefined,
    sources.sources.length === 0 ? t('jobs.sourcesMissing') : undefined,
    chosenRepos.length === 0 ? t('jobs.reposMissing') : undefined,
    draftProblem(schedule) !== undefined ? t('jobs.scheduleMissing') : undefined,
    keepsNothing(retention) ? t('retention.keepsNothingTitle') : undefined,
  ].filter((p) => p !== undefined);

  const save = (): void => {
    const fields: JobFields = {
      name: name.trim(),
      sources: [...sources.sources],
      sourceOptions: Object.fromEntries(sources.sources.flatMap((s) => (sources.options[s] === undefined ? [] : [[s, sources.options[s]]]))),
      repositories: chosenRepos,
      schedule: scheduleText(schedule),
      timeZone: job?.timeZone ?? 'local',
      retention: policyFromDraft(retention),
      verification: {
        checkAfterRun,
        ...(readData ? { readData: { percent: readDataPercent, everyDays: readDataDays } } : {}),
        ...(drill ? { restoreDrill: { everyDays: drillDays } } : {}),
      },
      missedRuns,
    };
    setBusy(true);
    setError(undefined);
    const done = (saved: JobInfo): void => {
      setBusy(false);
      onSaved(saved);
    };
    const fail = (err: unknown): void => {
      setBusy(false);
      setError(toApiError(err));
    };
    if (job) client.invoke('jobs.update', { id: job.id, job: fields, sourcePasswords: { ...sources.passwords } }).then(done, fail);
    else client.invoke('jobs.create', { job: fields, sourcePasswords: { ...sources.passwords } }).then(done, fail);
  };

  return (
    <Stack gap="md" data-testid="job-editor">
      <Title order={2}>{job ? t('jobs.editTitle', { name: job.name }) : t('jobs.newTitle')}</Title>
      <Paper withBorder p="md" radius="md">
        <TextInput label={t('jobs.name')} description={t('jobs.nameHelp')} value={name} onChange={(e) => { setName(e.currentTarget.value); }} />
      </Paper>
      <Section title={t('jobs.section.sources')} hint={t('jobs.section.sourcesHint')}>
        <SourcesEditor value={sources} onChange={setSources} />
        {job !== undefined && job.sourcesMissingPassword.length > 0 && <Text size="sm" c="red">{t('jobs.missingPasswords', { sources: job.sourcesMissingPassword.join(', ') })}</Text>}
      </Section>
      <Section title={t('jobs.section.repositories')} hint={t('jobs.section.repositoriesHint')}>
        <MultiSelect label={t('jobs.repositories')} data={repoOptions} value={chosenRepos} onChange={setRepositories} />
      </Section>
      <Section title={t('jobs.section.schedule')}>
        <ScheduleBuilder value={schedule} onChange={setSchedule} timeZone={job?.timeZone ?? 'local'} />
        <SegmentedControl
          aria-label={t('jobs.missedRuns')}
          value={missedRuns}
          onChange={(v) => { setMissedRuns(v === 'skip' ? 'skip' : 'catch-up'); }}
          data={[
            { value: 'catch-up', label: t('jobs.missed.catchUp') },
            { value: 'skip', label: t('jobs.missed.skip') },
          ]}
        />
        <Text size="xs" c="dimmed">{t(missedRuns === 'skip' ? 'jobs.missed.skipHelp' : 'jobs.missed.catchUpHelp')}</Text>
      </Section>
      <Section title={t('jobs.section.retention')} hint={t('jobs.section.retentionHint')}>
        <RetentionBuilder value={retention} onChange={setRetention} repository={chosenRepos[0]} jobId={job?.id} />
      </Section>
      <Section title={t('jobs.section.verification')} hint={t('jobs.section.verificationHint')}>
        <Checkbox label={t('jobs.verify.check')} checked={checkAfterRun} onChange={(e) => { setCheckAfterRun(e.currentTarget.checked); }} />
        <Group align="flex-end">
          <Checkbox label={t('jobs.verify.readData')} checked={readData} onChange={(e) => { setReadData(e.currentTarget.checked); }} />
          <NumberInput w={140} label={t('jobs.verify.percent')} min={1} max={100} value={readDataPercent} disabled={!readData} onChange={(v) => { setReadDataPercent(typeof v === 'number' ? v : 10); }} />
          <NumberInput w={140} label={t('jobs.verify.everyDays')} min={1} max={3660} value={readDataDays} disabled={!readData} onChange={(v) => { setReadDataDays(typeof v === 'number' ? v : 30); }} />
        </Group>
        <Group align="flex-end">
          <Checkbox label={t('jobs.verify.drill')} checked={drill} onChange={(e) => { setDrill(e.currentTarget.checked); }} />
          <NumberInput w={140} label={t('jobs.verify.everyDays')} min={1} max={3660} value={drillDays} disabled={!drill} onChange={(v) => { setDrillDays(typeof v === 'number' ? v : 30); }} />
        </Group>
      </Section>
      {error && <ErrorNotice error={error} />}
      {problems.length > 0 && (
        <Text size="sm" c="dimmed" role="status">
          {t('jobs.cannotSave', { problems: problems.join(t('common.listSeparator')) })}
        </Text>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel}>
          {t('common.cancel')}
        </Button>
        <Button onClick={save} loading={busy} disabled={problems.length > 0}>
          {t('jobs.save')}
        </Button>
      </Group>
    </Stack>
  );
}
