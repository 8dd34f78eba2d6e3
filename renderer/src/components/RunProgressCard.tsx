// One long-running operation: a bar with bytes, items, rate and time left, and a Cancel button; then its outcome in words.
import { Alert, Button, Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../api/context.ts';
import { toApiError } from '../api/errors.ts';
import { etaSeconds, formatBytes, formatDuration, formatNumber, formatPercent, formatRate } from '../i18n/format.ts';
import { useLocale } from '../i18n/use-locale.ts';
import { finishedStates, useRuns, type TrackedRun } from '../store/runs.ts';
import { CheckIcon, ErrorIcon, WarningIcon } from './icons.tsx';

function fractionOf(run: TrackedRun): number | undefined {
  const p = run.progress;
  if (!p) return undefined;
  if (p.bytesTotal !== undefined && p.bytesTotal > 0) return Math.min(1, p.bytesDone / p.bytesTotal);
  if (p.itemsTotal !== undefined && p.itemsTotal > 0) return Math.min(1, p.itemsDone / p.itemsTotal);
  return undefined;
}

export function RunProgressCard({ run, onDone }: { readonly run: TrackedRun; readonly onDone?: () => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const client = useClient();
  const dismiss = useRuns((s) => s.dismiss);
  const [cancelError, setCancelError] = useState<string>();
  const [cancelling, setCancelling] = useState(false);
  const finished = finishedStates.includes(run.state);
  const p = run.progress;
  const fraction = finished && run.state === 'succeeded' ? 1 : fractionOf(run);
  const eta = p ? (p.etaSeconds ?? etaSeconds(p.bytesDone, p.bytesTotal, p.bytesPerSecond ?? 0)) : undefined;

  const cancel = (): void => {
    setCancelling(true);
    client.invoke('runs.cancel', { runId: run.runId }).then(
      () => undefined,
      (err: unknown) => {
        setCancelError(toApiError(err).message);
        setCancelling(false);
      },
    );
  };

  const color = run.state === 'failed' ? 'red' : run.state === 'partial' || run.state === 'cancelled' ? 'yellow' : run.state === 'succeeded' ? 'green' : 'blue';
  const label = fraction === undefined ? t('run.state.running') : formatPercent(fraction, locale);

  return (
    <Paper withBorder p="md" radius="md" role="group" aria-label={run.title} data-run-state={run.state}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600}>{run.title}</Text>
          <Text size="sm" c="dimmed">
            {t(`run.state.${run.state}`)}
          </Text>
        </Group>
        <Progress
          value={(fraction ?? (finished ? 1 : 0.05)) * 100}
          color={color}
          animated={!finished && fraction === undefined}
          striped={!finished}
          aria-label={t('run.progressLabel', { title: run.title, percent: label })}
          size="lg"
        />
        {!p && !finished && (
          <Text size="sm" c="dimmed">
            {t('run.working')}
          </Text>
        )}
        {p && !finished && (
          <Group gap="lg" wrap="wrap" data-testid="run-numbers">
            <Text size="sm">
              {p.bytesTotal === undefined
                ? formatBytes(p.bytesDone, locale)
                : t('run.bytesOf', { done: formatBytes(p.bytesDone, locale), total: formatBytes(p.bytesTotal, locale) })}
            </Text>
            <Text size="sm">
              {p.itemsTotal === undefined
                ? t('run.items', { count: p.itemsDone, formatted: formatNumber(p.itemsDone, locale) })
                : t('run.itemsOf', { count: p.itemsTotal, done: formatNumber(p.itemsDone, locale), total: formatNumber(p.itemsTotal, locale) })}
            </Text>
            {p.bytesPerSecond !== undefined && p.bytesPerSecond > 0 && <Text size="sm">{formatRate(p.bytesPerSecond, locale)}</Text>}
            <Text size="sm">{eta === undefined ? t('run.etaUnknown') : t('run.eta', { time: formatDuration(eta, locale) })}</Text>
          </Group>
        )}
        {!finished && p?.currentItem !== undefined && (
          <Text size="xs" c="dimmed" truncate dir="ltr" title={p.currentItem}>
            {p.currentItem}
          </Text>
        )}
        {run.state === 'succeeded' && (
          <Alert color="green" icon={<CheckIcon />} title={t('run.doneTitle')}>
            <Text size="sm" dir="auto">{run.summary ?? t('run.doneText')}</Text>
          </Alert>
        )}
        {run.state === 'partial' && (
          <Alert color="yellow" icon={<WarningIcon />} title={t('run.partialTitle')}>
            <Text size="sm" dir="auto">{run.summary ?? run.message ?? t('run.partialText')}</Text>
          </Alert>
        )}
        {run.state === 'failed' && (
          <Alert color="red" icon={<ErrorIcon />} title={t('run.failedTitle')}>
            <Text size="sm" dir="auto">{run.message ?? t('run.failedText')}</Text>
          </Alert>
        )}
        {run.state === 'cancelled' && (
          <Alert color="yellow" icon={<WarningIcon />} title={t('run.cancelledTitle')}>
            <Text size="sm" dir="auto">{run.message ?? t('run.cancelledText')}</Text>
          </Alert>
        )}
        {cancelError !== undefined && <Text c="red" size="sm" dir="auto">{cancelError}</Text>}
        <Group justify="flex-end">
          {finished ? (
            <Button
              variant="default"
              onClick={() => {
                dismiss(run.runId);
                onDone?.();
              }}
            >
              {t('run.dismiss')}
            </Button>
          ) : (
            <Button variant="default" color="red" loading={cancelling} onClick={cancel}>
              {t('run.cancel')}
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
