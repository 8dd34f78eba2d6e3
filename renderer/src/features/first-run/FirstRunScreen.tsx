// First run: a place for the backups (with passphrase and recovery sheet), what to back up, when, and the first backup started right here.
import { Button, Group, Stack, Stepper, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ActiveRuns } from '../../components/ActiveRuns.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useNavigation } from '../../store/navigation.ts';
import { finishedStates, useRuns } from '../../store/runs.ts';
import { policyFromDraft, retentionPresets } from '../jobs/retention-model.ts';
import { ScheduleBuilder } from '../jobs/ScheduleBuilder.tsx';
import { defaultScheduleDraft, draftProblem, scheduleText, type ScheduleDraft } from '../jobs/schedule-model.ts';
import { SourcesEditor, type SourcesValue } from '../jobs/SourcesEditor.tsx';
import { RecoverySheet } from '../repositories/RecoverySheet.tsx';
import { RepositoryForm, type RepositoryInfo } from '../repositories/RepositoryForm.tsx';

export function FirstRunScreen() {
  const { t } = useTranslation();
  const client = useClient();
  const go = useNavigation((s) => s.go);
  const started = useRuns((s) => s.started);
  const [step, setStep] = useState(0);
  const [repo, setRepo] = useState<RepositoryInfo>();
  const [created, setCreated] = useState(false);
  const [sheetDone, setSheetDone] = useState(false);
  const [sources, setSources] = useState<SourcesValue>({ sources: [], passwords: {}, options: {} });
  const [schedule, setSchedule] = useState<ScheduleDraft>(defaultScheduleDraft);
  const [name, setName] = useState(() => t('firstRun.defaultJobName'));
  const [runId, setRunId] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const run = useRuns((s) => (runId === undefined ? undefined : s.runs[runId]));
  // Once the first backup has ended, every step shows as done and the outcome stays on screen.
  const finished = run !== undefined && finishedStates.includes(run.state);

  const createAndRun = (): void => {
    if (!repo) return;
    setBusy(true);
    setError(undefined);
    const job = {
      name: name.trim(),
      sources: [...sources.sources],
      sourceOptions: { ...sources.options },
      repositories: [repo.location],
      schedule: scheduleText(schedule),
      timeZone: 'local',
      retention: policyFromDraft(retentionPresets.standard),
    };
    client
      .invoke('jobs.create', { job, sourcePasswords: { ...sources.passwords } })
      .then(async (created) => {
        const { runId: id } = await client.invoke('jobs.runNow', { id: created.id });
        started({ runId: id, kind: 'backup', title: t('run.backupTitle', { name: created.name }), jobId: created.id });
        setRunId(id);
        setBusy(false);
      })
      .catch((err: unknown) => {
        setError(toApiError(err));
        setBusy(false);
      });
  };

  return (
    <Stack gap="lg" maw={900}>
      <Stack gap={4}>
        <Title order={2}>{t('firstRun.title')}</Title>
        <Text c="dimmed">{t('firstRun.intro')}</Text>
      </Stack>
      <Stepper active={finished ? 4 : step} onStepClick={(s) => { if (s < step) setStep(s); }} allowNextStepsSelect={false}>
        <Stepper.Step label={t('firstRun.step.repository')} description={t('firstRun.step.repositoryHint')}>
          {repo === undefined ? (
            <RepositoryForm
              onDone={(r, mode) => {
                setRepo(r);
                setCreated(mode === 'create');
                if (mode === 'open') setStep(1);
              }}
            />
          ) : !created ? (
            <Text>{t('firstRun.repoOpened', { location: repo.location })}</Text>
          ) : (
            <Stack>
              <Text fw={600}>{t('firstRun.repoCreated')}</Text>
              <RecoverySheet repo={repo} acknowledged={sheetDone} onAcknowledge={setSheetDone} />
              <Group justify="flex-end">
                <Button disabled={!sheetDone} onClick={() => { setStep(1); }}>
                  {t('common.next')}
                </Button>
              </Group>
            </Stack>
          )}
        </Stepper.Step>
        <Stepper.Step label={t('firstRun.step.sources')} description={t('firstRun.step.sourcesHint')}>
          <Stack>
            <Text>{t('firstRun.sourcesIntro')}</Text>
            <SourcesEditor value={sources} onChange={setSources} />
            <Group justify="space-between">
              <Button variant="default" onClick={() => { setStep(0); }}>
                {t('common.back')}
              </Button>
              <Button disabled={sources.sources.length === 0} onClick={() => { setStep(2); }}>
                {t('common.next')}
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label={t('firstRun.step.schedule')} description={t('firstRun.step.scheduleHint')}>
          <Stack>
            <TextInput label={t('jobs.name')} description={t('jobs.nameHelp')} value={name} onChange={(e) => { setName(e.currentTarget.value); }} error={name.trim() === '' ? t('jobs.nameMissing') : undefined} />
            <ScheduleBuilder value={schedule} onChange={setSchedule} />
            <Group justify="space-between">
              <Button variant="default" onClick={() => { setStep(1); }}>
                {t('common.back')}
              </Button>
              <Button disabled={draftProblem(schedule) !== undefined || name.trim() === ''} onClick={() => { setStep(3); }}>
                {t('common.next')}
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label={t('firstRun.step.backup')} description={t('firstRun.step.backupHint')}>
          <Stack>
            {runId === undefined ? (
              <>
                <Text>{t('firstRun.readyText')}</Text>
                {error && <ErrorNotice error={error} />}
                <Group justify="space-between">
                  <Button variant="default" onClick={() => { setStep(2); }}>
                    {t('common.back')}
                  </Button>
                  <Button onClick={createAndRun} loading={busy}>
                    {t('firstRun.startBackup')}
                  </Button>
                </Group>
              </>
            ) : (
              <ActiveRuns runId={runId} />
            )}
          </Stack>
        </Stepper.Step>
        <Stepper.Completed>
          <Stack>
            {runId !== undefined && <ActiveRuns runId={runId} />}
            <Group justify="flex-end">
              <Button onClick={() => { go('dashboard'); }}>{t('firstRun.toDashboard')}</Button>
            </Group>
          </Stack>
        </Stepper.Completed>
      </Stepper>
    </Stack>
  );
}
