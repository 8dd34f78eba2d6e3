// The schedule builder: presets become schedules the engine parses, read back in words, with the next runs the engine computes.
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { ScheduleBuilder } from '../../renderer/src/features/jobs/ScheduleBuilder.tsx';
import { defaultScheduleDraft, draftFromText, draftProblem, scheduleText, type ScheduleDraft } from '../../renderer/src/features/jobs/schedule-model.ts';
import { fakeClient, renderWith } from './harness.tsx';

function Harness({ initial = defaultScheduleDraft, onText }: { initial?: ScheduleDraft; onText?: (text: string) => void }) {
  const [draft, setDraft] = useState(initial);
  return (
    <ScheduleBuilder
      value={draft}
      onChange={(d) => {
        setDraft(d);
        onText?.(scheduleText(d));
      }}
    />
  );
}

describe('schedule model', () => {
  it('writes each preset in a form the engine parses', () => {
    expect(scheduleText({ ...defaultScheduleDraft, preset: 'daily', time: '02:00' })).toBe('every day at 02:00');
    expect(scheduleText({ ...defaultScheduleDraft, preset: 'weekdays', time: '18:30' })).toBe('weekdays at 18:30');
    expect(scheduleText({ ...defaultScheduleDraft, preset: 'weekly', weekday: 4, time: '07:15' })).toBe('every thursday at 07:15');
    expect(scheduleText({ ...defaultScheduleDraft, preset: 'hourly', everyHours: 1 })).toBe('every hour');
    expect(scheduleText({ ...defaultScheduleDraft, preset: 'hourly', everyHours: 6 })).toBe('every 6 hours');
  });

  it('reads back what it wrote, and keeps anything else as custom text', () => {
    for (const d of [
      { ...defaultScheduleDraft, preset: 'weekdays', time: '18:30' },
      { ...defaultScheduleDraft, preset: 'weekly', weekday: 0, time: '23:05' },
      { ...defaultScheduleDraft, preset: 'hourly', everyHours: 12 },
    ] as const) {
      expect(draftFromText(scheduleText(d))).toEqual(d);
    }
    expect(draftFromText('30 2 * * 1-5')).toEqual({ ...defaultScheduleDraft, preset: 'custom', custom: '30 2 * * 1-5' });
    expect(draftFromText('every 5 hours').preset).toBe('custom');
  });

  it('names a bad time and an empty custom schedule before asking the engine', () => {
    expect(draftProblem({ ...defaultScheduleDraft, time: '25:00' })).toBe('time');
    expect(draftProblem({ ...defaultScheduleDraft, preset: 'custom', custom: '  ' })).toBe('custom-empty');
    expect(draftProblem(defaultScheduleDraft)).toBeUndefined();
  });
});

describe('ScheduleBuilder', () => {
  const client = () =>
    fakeClient({
      'jobs.previewSchedule': ({ schedule }) =>
        schedule === 'every 4 hours'
          ? { ok: true, summary: 'every 4 hours', nextRuns: ['2026-03-10T16:00:00.000Z', '2026-03-10T20:00:00.000Z'] }
          : { ok: true, summary: 'every day at 02:00', nextRuns: ['2026-03-11T02:00:00.000Z'] },
    });

  it('sums up the default in words and lists the next runs the engine computed', async () => {
    const c = client();
    renderWith(<Harness />, { client: c });
    expect(await screen.findByText('Every day at 2:00 AM')).toBeTruthy();
    await waitFor(() => {
      expect(screen.getAllByRole('listitem')).toHaveLength(1);
    });
    expect(c.calls[0]).toEqual({ channel: 'jobs.previewSchedule', input: { schedule: 'every day at 02:00', timeZone: 'local', count: 3 } });
  });

  it('switching to "every few hours" changes the schedule, the words and the next runs', async () => {
    const c = client();
    const texts: string[] = [];
    renderWith(<Harness onText={(t) => texts.push(t)} />, { client: c });
    fireEvent.click(screen.getByLabelText('Every few hours'));
    expect(texts.at(-1)).toBe('every 4 hours');
    expect(await screen.findByText('Every 4 hours')).toBeTruthy();
    await waitFor(() => {
      expect(screen.getAllByRole('listitem')).toHaveLength(2);
    });
  });

  it('shows the engine’s sentence when it refuses a custom schedule', async () => {
    const c = fakeClient({ 'jobs.previewSchedule': () => ({ ok: false, message: '"every 7 hours" does not divide a day evenly.' }) });
    renderWith(<Harness initial={{ ...defaultScheduleDraft, preset: 'custom', custom: 'every 7 hours' }} />, { client: c });
    expect(await screen.findByText('"every 7 hours" does not divide a day evenly.')).toBeTruthy();
    expect(screen.getByText('This schedule cannot be used')).toBeTruthy();
  });

  it('says the schedule in Arabic', async () => {
    renderWith(<Harness />, { client: client(), language: 'ar' });
    const time = new Intl.DateTimeFormat('ar', { timeStyle: 'short' }).format(new Date(2001, 0, 1, 2, 0));
    expect(await screen.findByText(`كل يوم الساعة ${time}`)).toBeTruthy();
  });
});
