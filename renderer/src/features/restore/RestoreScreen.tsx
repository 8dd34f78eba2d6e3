// The restore wizard: pick a backup, pick what to bring back, pick where, read exactly what will be written, then watch it happen and see the proof.
import { Alert, Badge, Button, Checkbox, Group, Paper, PasswordInput, Radio, ScrollArea, Stack, Stepper, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useReducer, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelInput } from '../../../../shared/ipc/contract.ts';
import { useClient, useQuery } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ActiveRuns } from '../../components/ActiveRuns.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { PathField } from '../../components/PathPicker.tsx';
import { formatBytes, formatDateTime, formatNumber } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { useNavigation } from '../../store/navigation.ts';
import { finishedStates, useRuns } from '../../store/runs.ts';
import { sourceLabel } from '../jobs/source-model.ts';
import { EntryList } from '../snapshots/EntryList.tsx';
import { useRepositoryPicker } from '../snapshots/RepositoryPicker.tsx';
import type { SnapshotInfo } from '../snapshots/SnapshotsScreen.tsx';
import { initialWizard, readyToRestore, stepProblem, targetsFor, wizardReducer, wizardSteps, type SnapshotKind, type WizardState } from './wizard-model.ts';

type RestoreInput = ChannelInput<'restore.plan'>;

function kindOf(s: SnapshotInfo): SnapshotKind {
  return s.sourceKind === 'files' ? 'files' : s.sourceKind === 'sqlite' ? 'sqlite' : 'database';
}

function restoreInput(repository: string, state: WizardState, password: string, overwrite: boolean): RestoreInput | undefined {
  if (state.snapshot === undefined || state.targetKind === undefined) return undefined;
  const target = state.target.trim();
  const to: RestoreInput['target'] =
    state.targetKind === 'new-database' ? { kind: 'database', url: target, ...(password === '' ? {} : { password }) } : { kind: state.targetKind, path: target };
  return { repository, snapshotId: state.snapshot.id, items: [...state.items], target: to, overwrite };
}

function ItemsStep({ repository, snapshot, state, dispatch }: { readonly repository: string; readonly snapshot: SnapshotInfo; readonly state: WizardState; readonly dispatch: (a: Parameters<typeof wizardReducer>[1]) => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [path, setPath] = useState('/');
  const files = kindOf(snapshot) === 'files';
  const listing = useQuery('snapshots.browse', { repository, snapshotId: snapshot.id, path }, { enabled: files });
  const tables = useQuery('snapshots.tables', { repository, snapshotId: snapshot.id }, { enabled: !files });
  const selected = new Set(state.items);
  const toggle = (item: string, checked: boolean): void => {
    dispatch({ type: 'set-items', items: checked ? [...state.items, item] : state.items.filter((i) => i !== item) });
  };
  return (
    <Stack gap="sm">
      <Text>{state.items.length === 0 ? t('restore.items.everything') : t('restore.items.some', { count: state.items.length, formatted: formatNumber(state.items.length, locale) })}</Text>
      {state.items.length > 0 && (
        <Group>
          <Button size="xs" variant="subtle" onClick={() => { dispatch({ type: 'set-items', items: [] }); }}>{t('restore.items.clear')}</Button>
        </Group>
      )}
      {files ? (
        <>
          <Group gap="xs">
            <Button size="xs" variant="default" disabled={listing.data?.parent == null} onClick={() => { setPath(listing.data?.parent ?? '/'); }}>
              {t('picker.up')}
            </Button>
            <Text size="sm" dir="ltr">{path}</Text>
          </Group>
          {listing.error && <ErrorNotice error={listing.error} onRetry={listing.reload} />}
          {listing.data && (
            <Paper withBorder radius="md">
              <EntryList
                entries={listing.data.entries}
                height={300}
                selected={selected}
                onToggle={(e, checked) => { toggle(e.path, checked); }}
                onOpen={(e) => {
                  if (e.kind === 'directory') setPath(e.path);
                  else toggle(e.path, !selected.has(e.path));
                }}
              />
            </Paper>
          )}
        </>
      ) : (
        <>
          {tables.error && <ErrorNotice error={tables.error} onRetry={tables.reload} />}
          <ScrollArea.Autosize mah={320}>
            <Stack gap={4}>
              {tables.data?.tables.map((tb) => {
                const name = tb.schema === null ? tb.name : `${tb.schema}.${tb.name}`;
                return <Checkbox key={name} label={<span dir="ltr">{name}</span>} checked={selected.has(name)} onChange={(e) => { toggle(name, e.currentTarget.checked); }} />;
              })}
            </Stack>
          </ScrollArea.Autosize>
        </>
      )}
    </Stack>
  );
}

function PlanView({ input, overwrite, setOverwrite, state, dispatch }: { readonly input: RestoreInput; readonly overwrite: boolean; readonly setOverwrite: (v: boolean) => void; readonly state: WizardState; readonly dispatch: (a: Parameters<typeof wizardReducer>[1]) => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const plan = useQuery('restore.plan', input);
  if (plan.error) return <ErrorNotice error={plan.error} onRetry={plan.reload} />;
  if (!plan.data) return <Text c="dimmed">{t('restore.planning')}</Text>;
  const p = plan.data;
  return (
    <Stack gap="sm" data-testid="restore-plan">
      <Alert color="blue" title={t('restore.confirm.title')}>
        <Text size="sm">
          {t('restore.confirm.summary', { count: p.totalItems, items: formatNumber(p.totalItems, locale), size: formatBytes(p.totalBytes, locale) })}
        </Text>
        {/* Said from the wizard's own choice, in the reader's language; the engine's description is English. */}
        <Text size="sm" fw={600} mt={4}>
          {t(`restore.confirm.into.${input.target.kind}`)} <bdi dir="ltr">{input.target.kind === 'database' ? input.target.url : input.target.path}</bdi>
        </Text>
      </Alert>
      <ScrollArea.Autosize mah={240}>
        <Table striped aria-label={t('restore.confirm.writes')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('restore.confirm.from')}</Table.Th>
              <Table.Th>{t('restore.confirm.toCol')}</Table.Th>
              <Table.Th>{t('snapshots.col.size')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {p.writes.map((w) => (
              <Table.Tr key={`${w.from}->${w.to}`}>
                <Table.Td><bdi dir="ltr">{w.from}</bdi></Table.Td>
                <Table.Td>
                  <bdi dir="ltr">{w.to}</bdi> {w.clash && <Badge color="red" variant="light">{t('restore.confirm.exists')}</Badge>}
                </Table.Td>
                <Table.Td>{w.size === null ? '' : formatBytes(w.size, locale)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea.Autosize>
      {p.truncated && <Text size="sm" c="dimmed">{t('restore.confirm.truncated')}</Text>}
      {p.clashes > 0 && (
        <Alert color="red" title={t('restore.confirm.clashTitle', { count: p.clashes, formatted: formatNumber(p.clashes, locale) })}>
          <Checkbox label={t('restore.confirm.overwrite')} checked={overwrite} onChange={(e) => { setOverwrite(e.currentTarget.checked); }} />
        </Alert>
      )}
      {p.problems.map((problem) => (
        <Alert key={problem} color="red"><Text size="sm" dir="auto">{problem}</Text></Alert>
      ))}
      {p.problems.length === 0 && (
        <Checkbox
          label={t('restore.confirm.understand')}
          checked={state.confirmed}
          onChange={(e) => { dispatch({ type: 'confirm', confirmed: e.currentTarget.checked }); }}
          data-testid="restore-understand"
        />
      )}
    </Stack>
  );
}

export function RestoreScreen() {
  const { t } = useTranslation();
  const locale = useLocale();
  const client = useClient();
  const { context } = useNavigation();
  const started = useRuns((s) => s.started);
  const { picker, repository } = useRepositoryPicker();
  const snapshots = useQuery('snapshots.list', { repository: repository?.location ?? '-', ...(context.jobId === undefined ? {} : { jobId: context.jobId }) }, { enabled: repository !== undefined });
  const [state, dispatch] = useReducer(wizardReducer, initialWizard);
  const [password, setPassword] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [runId, setRunId] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const run = useRuns((s) => (runId === undefined ? undefined : s.runs[runId]));
  const list = snapshots.data ?? [];
  const snapshot = list.find((s) => s.id === state.snapshot?.id);

  useEffect(() => {
    const wanted = list.find((s) => s.id === context.snapshotId);
    if (wanted && state.snapshot === undefined) dispatch({ type: 'pick-snapshot', snapshot: { id: wanted.id, kind: kindOf(wanted) } });
  }, [list, context.snapshotId, state.snapshot]);

  const problem = stepProblem(state);
  const input = repository ? restoreInput(repository.location, state, password, overwrite) : undefined;
  const stepIndex = wizardSteps.indexOf(state.step);

  const start = (): void => {
    if (!input) return;
    setError(undefined);
    client.invoke('restore.start', input).then(
      ({ runId: id }) => {
        started({ runId: id, kind: 'restore', title: t('run.restoreTitle') });
        setRunId(id);
      },
      (err: unknown) => { setError(toApiError(err)); },
    );
  };

  if (runId !== undefined) {
    const finished = run !== undefined && finishedStates.includes(run.state);
    return (
      <Stack gap="lg" maw={900}>
        <Title order={2}>{t('restore.title')}</Title>
        <ActiveRuns runId={runId} />
        {finished && (
          <Group>
            <Button onClick={() => { setRunId(undefined); dispatch({ type: 'reset' }); setPassword(''); setOverwrite(false); }}>{t('restore.another')}</Button>
          </Group>
        )}
      </Stack>
    );
  }

  return (
    <Stack gap="lg" maw={980}>
      <Stack gap={4}>
        <Title order={2}>{t('restore.title')}</Title>
        <Text c="dimmed">{t('restore.intro')}</Text>
      </Stack>
      {picker}
      {repository && snapshots.data?.length === 0 && <EmptyState title={t('restore.emptyTitle')} text={t('restore.emptyText')} />}
      {repository && list.length > 0 && (
        <>
          <Stepper active={stepIndex} allowNextStepsSelect={false} onStepClick={(i) => { if (i < stepIndex) for (let k = stepIndex; k > i; k--) dispatch({ type: 'back' }); }}>
            <Stepper.Step label={t('restore.step.snapshot')} description={snapshot ? formatDateTime(new Date(snapshot.time), locale) : t('restore.step.snapshotHint')}>
              <Radio.Group
                label={t('restore.pickSnapshot')}
                value={state.snapshot?.id ?? null}
                onChange={(id) => {
                  const s = list.find((x) => x.id === id);
                  if (s) dispatch({ type: 'pick-snapshot', snapshot: { id: s.id, kind: kindOf(s) } });
                }}
              >
                <ScrollArea.Autosize mah={380} mt="xs">
                  <Stack gap={6}>
                    {list.map((s) => (
                      <Radio
                        key={s.id}
                        value={s.id}
                        label={
                          <span>
                            {formatDateTime(new Date(s.time), locale)} — <span dir="ltr">{sourceLabel(s.source)}</span>
                            {s.bytes === null ? '' : ` · ${formatBytes(s.bytes, locale)}`}
                          </span>
                        }
                      />
                    ))}
                  </Stack>
                </ScrollArea.Autosize>
              </Radio.Group>
            </Stepper.Step>
            <Stepper.Step label={t('restore.step.items')} description={t('restore.step.itemsHint')}>
              {snapshot && <ItemsStep repository={repository.location} snapshot={snapshot} state={state} dispatch={dispatch} />}
            </Stepper.Step>
            <Stepper.Step label={t('restore.step.target')} description={t('restore.step.targetHint')}>
              {state.snapshot && (
                <Stack gap="sm">
                  <Radio.Group label={t('restore.target.kindLabel')} value={state.targetKind ?? null} onChange={(v) => {
                    const kind = targetsFor(state.snapshot?.kind ?? 'files').find((k) => k === v);
                    if (kind) dispatch({ type: 'set-target-kind', targetKind: kind });
                  }}>
                    <Stack gap={6} mt="xs">
                      {targetsFor(state.snapshot.kind).map((k) => (
                        <Radio key={k} value={k} label={t(`restore.target.kind.${k}`)} description={t(`restore.target.kindHelp.${k}`)} />
                      ))}
                    </Stack>
                  </Radio.Group>
                  {state.targetKind === 'new-database' ? (
                    <>
                      <TextInput label={t('restore.target.url')} description={t('restore.target.urlHelp')} dir="ltr" value={state.target} onChange={(e) => { dispatch({ type: 'set-target', target: e.currentTarget.value }); }} error={state.target !== '' && problem === 'target-not-database-url' ? t('restore.problem.target-not-database-url') : undefined} />
                      <PasswordInput label={t('sources.password')} value={password} onChange={(e) => { setPassword(e.currentTarget.value); }} autoComplete="off" />
                    </>
                  ) : state.targetKind !== undefined ? (
                    <PathField
                      label={t(`restore.target.pathLabel.${state.targetKind}`)}
                      description={t(`restore.target.pathHelp.${state.targetKind}`)}
                      mode="folder"
                      value={state.target}
                      onChange={(v) => { dispatch({ type: 'set-target', target: v }); }}
                      error={state.target !== '' && problem === 'target-not-absolute' ? t('restore.problem.target-not-absolute') : undefined}
                    />
                  ) : null}
                </Stack>
              )}
            </Stepper.Step>
            <Stepper.Step label={t('restore.step.confirm')} description={t('restore.step.confirmHint')}>
              {input && <PlanView input={input} overwrite={overwrite} setOverwrite={(v) => { setOverwrite(v); dispatch({ type: 'confirm', confirmed: false }); }} state={state} dispatch={dispatch} />}
            </Stepper.Step>
          </Stepper>
          {error && <ErrorNotice error={error} />}
          <Group justify="space-between">
            <Button variant="default" disabled={stepIndex === 0} onClick={() => { dispatch({ type: 'back' }); }}>
              {t('common.back')}
            </Button>
            {state.step === 'confirm' ? (
              <Button color="blue" disabled={!readyToRestore(state)} onClick={start} data-testid="restore-start">
                {t('restore.start')}
              </Button>
            ) : (
              <Group gap="sm">
                {problem !== undefined && problem !== 'no-target' && problem !== 'no-snapshot' && problem !== 'no-target-kind' && <Text size="sm" c="red">{t(`restore.problem.${problem}`)}</Text>}
                <Button disabled={problem !== undefined} onClick={() => { dispatch({ type: 'next' }); }}>
                  {t('common.next')}
                </Button>
              </Group>
            )}
          </Group>
        </>
      )}
    </Stack>
  );
}
