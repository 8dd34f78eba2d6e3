// Choosing what of each source a job backs up: tables ticked from `sources.tables`, exclusions typed for a folder, saved with the job.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { SourcesEditor, type SourcesValue } from '../../renderer/src/features/jobs/SourcesEditor.tsx';
import { fakeClient, renderWith } from './harness.tsx';

const db = 'sqlite:///srv/shop.db';
const folder = '/srv/docs';

function Harness({ initial, seen }: { initial: SourcesValue; seen: SourcesValue[] }) {
  const [value, setValue] = useState(initial);
  return (
    <SourcesEditor
      value={value}
      onChange={(v) => {
        seen.push(v);
        setValue(v);
      }}
    />
  );
}

const tables = {
  'sources.tables': () => ({
    tables: [
      { name: 'orders', schema: null, rows: 2, bytes: null },
      { name: 'customers', schema: null, rows: 1, bytes: null },
      { name: 'sessions', schema: null, rows: 9, bytes: null },
    ],
  }),
} as const;

describe('what of each source is backed up', () => {
  it('lists the tables of a database source and keeps only the ticked ones, never none', async () => {
    const seen: SourcesValue[] = [];
    const client = fakeClient(tables);
    renderWith(<Harness initial={{ sources: [db], passwords: {}, options: {} }} seen={seen} />, { client });
    expect(screen.getByTestId('source-options-summary').textContent).toBe('Everything is backed up.');
    fireEvent.click(screen.getByRole('button', { name: 'Choose what to back up' }));
    fireEvent.click(screen.getByRole('button', { name: 'Show the tables' }));
    const group = await screen.findByRole('group', { name: 'Tables to back up' });
    expect(client.calls).toEqual([{ channel: 'sources.tables', input: { source: db } }]);
    const boxes = within(group).getAllByRole('checkbox');
    expect(boxes.map((b) => (b as HTMLInputElement).checked)).toEqual([true, true, true]);

    fireEvent.click(within(group).getByLabelText('sessions'));
    expect(seen.at(-1)?.options).toEqual({ [db]: { tables: ['orders', 'customers'] } });
    fireEvent.click(within(group).getByLabelText('customers'));
    expect(seen.at(-1)?.options).toEqual({ [db]: { tables: ['orders'] } });
    expect(screen.getByTestId('source-options-summary').textContent).toBe('Only these tables: orders');
    // The last table cannot be unticked.
    expect(within(group).getByLabelText<HTMLInputElement>('orders').disabled).toBe(true);

    // Ticking them all again means "every table", so tables added later are backed up too.
    fireEvent.click(within(group).getByLabelText('customers'));
    fireEvent.click(within(group).getByLabelText('sessions'));
    expect(seen.at(-1)?.options).toEqual({});
  });

  it('takes exclusion patterns, cache folders and a size limit for a folder, and drops them with the source', async () => {
    const seen: SourcesValue[] = [];
    renderWith(<Harness initial={{ sources: [folder], passwords: {}, options: {} }} seen={seen} />, { client: fakeClient({}) });
    fireEvent.click(screen.getByRole('button', { name: 'Choose what to back up' }));
    fireEvent.change(screen.getByLabelText('Leave out files and folders matching'), { target: { value: '*.tmp\nnode_modules/\n' } });
    fireEvent.click(screen.getByLabelText('Skip cache folders'));
    fireEvent.change(screen.getByLabelText('Skip files larger than (MB)'), { target: { value: '500' } });
    await waitFor(() => {
      expect(seen.at(-1)?.options).toEqual({ [folder]: { exclude: ['*.tmp', 'node_modules/'], excludeCaches: true, excludeLargerThan: 500_000_000 } });
    });
    expect(screen.getByTestId('source-options-summary').textContent).toMatch(/^Left out: \*\.tmp, node_modules\/, cache folders, files over 500 MB$/);

    fireEvent.click(screen.getByRole('button', { name: 'Remove /srv/docs' }));
    expect(seen.at(-1)).toEqual({ sources: [], passwords: {}, options: {} });
  });

  it('shows the choices in Arabic', () => {
    renderWith(<Harness initial={{ sources: [folder], passwords: {}, options: { [folder]: { excludeCaches: true } } }} seen={[]} />, { client: fakeClient({}), language: 'ar' });
    expect(screen.getByTestId('source-options-summary').textContent).toBe('مستبعَد: مجلدات ذاكرة التخزين المؤقت');
    expect(screen.getByRole('button', { name: 'اختيار ما يُنسخ احتياطيًا' })).toBeTruthy();
  });
});
