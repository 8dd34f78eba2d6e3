// The retention builder: counts become the engine's policy, a policy that keeps nothing is refused, and the preview says why each backup stays.
import { fireEvent, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { RetentionBuilder } from '../../renderer/src/features/jobs/RetentionBuilder.tsx';
import { draftFromPolicy, keepsNothing, parseKeepReason, policyFromDraft, presetOf, retentionPresets, type RetentionDraft } from '../../renderer/src/features/jobs/retention-model.ts';
import { fakeClient, renderWith } from './harness.tsx';

function Harness({ initial, repository }: { initial: RetentionDraft; repository?: string }) {
  const [draft, setDraft] = useState(initial);
  return <RetentionBuilder value={draft} onChange={setDraft} repository={repository} />;
}

describe('retention model', () => {
  it('leaves rules set to 0 out of the policy', () => {
    expect(policyFromDraft({ keepLast: 3, keepDaily: 7, keepWeekly: 0, keepMonthly: 12, keepYearly: 0 })).toEqual({ keepLast: 3, keepDaily: 7, keepMonthly: 12 });
  });

  it('knows a policy of zeros keeps nothing', () => {
    expect(keepsNothing({ keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 })).toBe(true);
    expect(keepsNothing(retentionPresets.small)).toBe(false);
  });

  it('opens a stored policy as its preset, or as custom', () => {
    expect(presetOf(draftFromPolicy({ keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }))).toBe('standard');
    expect(presetOf(draftFromPolicy({ keepDaily: 2 }))).toBe('custom');
    expect(draftFromPolicy(undefined)).toEqual(retentionPresets.standard);
  });

  it('reads the engine’s reasons', () => {
    expect(parseKeepReason('daily #3')).toEqual({ kind: 'daily', rank: 3 });
    expect(parseKeepReason('latest')).toEqual({ kind: 'latest' });
    expect(parseKeepReason('within 7d')).toEqual({ kind: 'within', span: '7d' });
    expect(parseKeepReason('tag keep')).toEqual({ kind: 'tag', tag: 'keep' });
    expect(parseKeepReason('something new')).toEqual({ kind: 'other', text: 'something new' });
  });
});

describe('RetentionBuilder', () => {
  const preview = fakeClient({
    'jobs.previewRetention': () => ({
      snapshots: [
        { id: 's3', time: '2026-03-10T02:00:00.000Z', source: '/home/ana/Documents', keep: true, reasons: ['last #1', 'daily #1'] },
        { id: 's2', time: '2026-03-09T14:00:00.000Z', source: '/home/ana/Documents', keep: false, reasons: [] },
        { id: 's1', time: '2026-03-09T02:00:00.000Z', source: '/home/ana/Documents', keep: true, reasons: ['daily #2'] },
      ],
      keepCount: 2,
      forgetCount: 1,
    }),
  });

  it('says in words what is kept, and previews each backup with its reason', async () => {
    renderWith(<Harness initial={{ keepLast: 1, keepDaily: 7, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 }} repository="/media/usb/Airlock" />, { client: preview });
    expect(screen.getByText('the latest backup')).toBeTruthy();
    expect(screen.getByText('one backup a day for the last 7 days')).toBeTruthy();
    expect(await screen.findByText('With these rules: 2 kept, 1 removed after the next backup.')).toBeTruthy();
    expect(screen.getByText('one of the most recent (#1), last of its day (#1)')).toBeTruthy();
    expect(screen.getByText('no rule keeps it')).toBeTruthy();
    expect(preview.calls.at(-1)).toEqual({ channel: 'jobs.previewRetention', input: { repository: '/media/usb/Airlock', policy: { keepLast: 1, keepDaily: 7 } } });
  });

  it('refuses a policy that keeps nothing and does not ask for a preview of it', () => {
    const c = fakeClient({});
    renderWith(<Harness initial={{ keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 }} repository="/r" />, { client: c });
    c.calls.length = 0;
    fireEvent.change(screen.getByLabelText('Most recent'), { target: { value: '0' } });
    expect(screen.getByText('These rules keep nothing')).toBeTruthy();
    expect(c.calls).toEqual([]);
  });

  it('picks a preset with one click', () => {
    renderWith(<Harness initial={retentionPresets.small} />, { client: fakeClient({}) });
    fireEvent.click(screen.getByLabelText('Long term'));
    expect(screen.getByText('one backup a year for the last 5 years')).toBeTruthy();
  });

  it('speaks Arabic with the right plural forms', () => {
    renderWith(<Harness initial={{ keepLast: 2, keepDaily: 7, keepWeekly: 0, keepMonthly: 12, keepYearly: 0 }} />, { client: fakeClient({}), language: 'ar' });
    expect(screen.getByText('آخر نسختين')).toBeTruthy();
    expect(screen.getByText(`نسخة يوميًا لآخر ${new Intl.NumberFormat('ar').format(7)} أيام`)).toBeTruthy();
    expect(screen.getByText(`نسخة شهريًا لآخر ${new Intl.NumberFormat('ar').format(12)} شهرًا`)).toBeTruthy();
  });
});
