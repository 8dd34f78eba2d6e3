// The schedule builder: pick a preset, adjust the time or day, read it back in words, and see the next runs the engine computes.
import { Alert, Group, List, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useClient } from '../../api/context.ts';
import { formatDateTime } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { draftProblem, hourSteps, localTime, schedulePresets, scheduleText, weekdayName, type ScheduleDraft } from './schedule-model.ts';

/** The schedule in the reader's language, built from the draft (the engine's own summary is English-only). */
export function useScheduleSummary(): (draft: ScheduleDraft) => string {
  const { t } = useTranslation();
  const locale = useLocale();
  return (draft) => {
    switch (draft.preset) {
      case 'daily':
        return t('schedule.summary.daily', { time: localTime(draft.time, locale) });
      case 'weekdays':
        return t('schedule.summary.weekdays', { time: localTime(draft.time, locale) });
      case 'weekly':
        return t('schedule.summary.weekly', { day: weekdayName(draft.weekday, locale), time: localTime(draft.time, locale) });
      case 'hourly':
        return t('schedule.summary.hourly', { count: draft.everyHours });
      case 'custom':
        return t('schedule.summary.custom', { text: draft.custom });
    }
  };
}

type Preview = ChannelOutput<'jobs.previewSchedule'>;

export function ScheduleBuilder({ value, onChange, timeZone = 'local' }: { readonly value: ScheduleDraft; readonly onChange: (draft: ScheduleDraft) => void; readonly timeZone?: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const client = useClient();
  const summary = useScheduleSummary();
  const [preview, setPreview] = useState<Preview>();
  const problem = draftProblem(value);
  const text = scheduleText(value);

  useEffect(() => {
    if (problem !== undefined) {
      setPreview(undefined);
      return;
    }
    let current = true;
    client.invoke('jobs.previewSchedule', { schedule: text, timeZone, count: 3 }).then(
      (p) => {
        if (current) setPreview(p);
      },
      (err: unknown) => {
        if (current) setPreview({ ok: false, message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      current = false;
    };
  }, [client, text, timeZone, problem]);

  const set = (patch: Partial<ScheduleDraft>): void => {
    onChange({ ...value, ...patch });
  };

  return (
    <Stack gap="sm" data-testid="schedule-builder">
      <SegmentedControl
        aria-label={t('schedule.presetLabel')}
        value={value.preset}
        onChange={(v) => {
          const preset = schedulePresets.find((p) => p === v);
          if (preset) set({ preset });
        }}
        data={schedulePresets.map((p) => ({ value: p, label: t(`schedule.preset.${p}`) }))}
        fullWidth
      />
      <Group grow align="flex-start">
        {(value.preset === 'daily' || value.preset === 'weekdays' || value.preset === 'weekly') && (
          <TextInput
            type="time"
            label={t('schedule.time')}
            value={value.time}
            error={problem === 'time' ? t('schedule.timeProblem') : undefined}
            onChange={(e) => { set({ time: e.currentTarget.value }); }}
          />
        )}
        {value.preset === 'weekly' && (
          <Select
            label={t('schedule.day')}
            allowDeselect={false}
            value={String(value.weekday)}
            data={[1, 2, 3, 4, 5, 6, 0].map((d) => ({ value: String(d), label: weekdayName(d, locale) }))}
            onChange={(v) => { if (v !== null) set({ weekday: Number(v) }); }}
          />
        )}
        {value.preset === 'hourly' && (
          <Select
            label={t('schedule.every')}
            allowDeselect={false}
            value={String(value.everyHours)}
            data={hourSteps.map((h) => ({ value: String(h), label: t('schedule.hours', { count: h }) }))}
            onChange={(v) => {
              const step = hourSteps.find((h) => String(h) === v);
              if (step !== undefined) set({ everyHours: step });
            }}
          />
        )}
        {value.preset === 'custom' && (
          <TextInput
            label={t('schedule.customLabel')}
            description={t('schedule.customHelp')}
            value={value.custom}
            dir="ltr"
            error={problem === 'custom-empty' ? t('schedule.customEmpty') : undefined}
            onChange={(e) => { set({ custom: e.currentTarget.value }); }}
          />
        )}
      </Group>
      <Alert color={preview?.ok === false ? 'red' : 'blue'} variant="light" title={problem === undefined && preview?.ok !== false ? summary(value) : t('schedule.invalidTitle')} data-testid="schedule-summary">
        {preview?.ok === false && <Text size="sm" dir="auto">{preview.message}</Text>}
        {preview?.ok === true && (
          <>
            {value.preset === 'custom' && <Text size="sm" dir="ltr">{preview.summary}</Text>}
            <Text size="sm" fw={600} mt={4}>
              {t('schedule.nextRuns')}
            </Text>
            <List size="sm">
              {preview.nextRuns.map((iso) => (
                <List.Item key={iso}>
                  <time dateTime={iso}>{formatDateTime(new Date(iso), locale)}</time>
                </List.Item>
              ))}
            </List>
          </>
        )}
      </Alert>
    </Stack>
  );
}
