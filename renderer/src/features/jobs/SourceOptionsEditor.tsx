// What of one source a job backs up: patterns, cache folders and a size limit to leave out of a folder; the tables of a database.
import { Button, Checkbox, Loader, NumberInput, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput, SourceOptionsInput } from '../../../../shared/ipc/contract.ts';
import { useClient } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { formatBytes } from '../../i18n/format.ts';
import { sourceKindOf } from './source-model.ts';

/** Megabytes as the app shows sizes everywhere (decimal, as formatBytes writes them). */
const MB = 1_000_000;

type TableInfo = ChannelOutput<'sources.tables'>['tables'][number];

/** The name the engine's table selection takes: "schema.table" where the server has schemas. */
function tableName(table: TableInfo): string {
  return table.schema === null ? table.name : `${table.schema}.${table.name}`;
}

/** The options without the ones left unset, so that a source with none is sent as a plain source. */
function tidy(options: SourceOptionsInput): SourceOptionsInput {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== false));
}

/** One line saying what of the source is backed up, for the list of sources. */
export function SourceOptionsSummary({ options }: { readonly options: SourceOptionsInput | undefined }) {
  const { t, i18n } = useTranslation();
  const left: string[] = [...(options?.exclude ?? [])];
  if (options?.excludeCaches === true) left.push(t('sources.options.summaryCaches'));
  if (options?.excludeLargerThan !== undefined) left.push(t('sources.options.summaryLarger', { size: formatBytes(options.excludeLargerThan, i18n.language) }));
  const parts: string[] = [];
  if (options?.tables !== undefined) parts.push(t('sources.options.summaryTables', { tables: options.tables.join(t('common.listSeparator')) }));
  if (left.length > 0) parts.push(t('sources.options.summaryExcluded', { items: left.join(t('common.listSeparator')) }));
  return (
    <Text size="xs" c="dimmed" data-testid="source-options-summary">
      {parts.length === 0 ? t('sources.options.summaryAll') : parts.join(' · ')}
    </Text>
  );
}

function FolderOptions({ value, onChange }: { readonly value: SourceOptionsInput; readonly onChange: (options: SourceOptionsInput) => void }) {
  const { t } = useTranslation();
  // The text as typed: splitting it on every key press would swallow the new line being started.
  const [patterns, setPatterns] = useState((value.exclude ?? []).join('\n'));
  const limitMb = value.excludeLargerThan === undefined ? '' : value.excludeLargerThan / MB;
  return (
    <Stack gap="xs">
      <Textarea
        label={t('sources.options.exclude')}
        description={t('sources.options.excludeHelp')}
        value={patterns}
        dir="ltr"
        rows={3}
        onChange={(e) => {
          const text = e.currentTarget.value;
          setPatterns(text);
          const list = [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
          onChange(tidy({ ...value, exclude: list.length === 0 ? undefined : list }));
        }}
      />
      <Checkbox
        label={t('sources.options.excludeCaches')}
        description={t('sources.options.excludeCachesHelp')}
        checked={value.excludeCaches === true}
        onChange={(e) => { onChange(tidy({ ...value, excludeCaches: e.currentTarget.checked })); }}
      />
      <NumberInput
        w={260}
        label={t('sources.options.maxSize')}
        description={t('sources.options.maxSizeHelp')}
        min={1}
        allowNegative={false}
        value={limitMb}
        onChange={(v) => {
          const mb = typeof v === 'number' ? v : Number.parseFloat(v);
          onChange(tidy({ ...value, excludeLargerThan: Number.isFinite(mb) && mb > 0 ? Math.round(mb * MB) : undefined }));
        }}
      />
    </Stack>
  );
}

function TableOptions({ source, password, value, onChange }: { readonly source: string; readonly password: string | undefined; readonly value: SourceOptionsInput; readonly onChange: (options: SourceOptionsInput) => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [tables, setTables] = useState<string[]>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError>();

  const load = (): void => {
    setLoading(true);
    setError(undefined);
    client.invoke('sources.tables', { source, ...(password === undefined ? {} : { password }) }).then(
      (r) => {
        setTables(r.tables.map(tableName));
        setLoading(false);
      },
      (err: unknown) => {
        setError(toApiError(err));
        setLoading(false);
      },
    );
  };

  // No list means every table, including those added later.
  const chosen = value.tables ?? tables ?? [];
  const toggle = (name: string, on: boolean): void => {
    if (tables === undefined) return;
    const next = tables.filter((n) => (n === name ? on : chosen.includes(n)));
    onChange(tidy({ ...value, tables: next.length === tables.length ? undefined : next }));
  };

  return (
    <Stack gap="xs">
      <Text size="sm" fw={500}>{t('sources.options.tables')}</Text>
      <Text size="xs" c="dimmed">{t('sources.options.tablesHelp')}</Text>
      {error && <ErrorNotice error={error} onRetry={load} />}
      {tables === undefined ? (
        <Button variant="default" size="xs" w="fit-content" onClick={load} disabled={loading} leftSection={loading ? <Loader size="xs" /> : undefined}>
          {t('sources.options.tablesLoad')}
        </Button>
      ) : tables.length === 0 ? (
        <Text size="sm" c="dimmed">{t('sources.options.noTables')}</Text>
      ) : (
        <Stack gap={4} role="group" aria-label={t('sources.options.tables')}>
          {tables.map((name) => {
            const checked = chosen.includes(name);
            return (
              <Checkbox
                key={name}
                label={<span dir="ltr">{name}</span>}
                checked={checked}
                // The last ticked table stays: a backup of no tables is not a backup.
                disabled={checked && chosen.length === 1}
                onChange={(e) => { toggle(name, e.currentTarget.checked); }}
              />
            );
          })}
          {chosen.length === 1 && <Text size="xs" c="dimmed">{t('sources.options.lastTable')}</Text>}
        </Stack>
      )}
    </Stack>
  );
}

/** The choices for one source, behind a button so that the list of sources stays short. */
export function SourceOptionsEditor({
  source,
  password,
  value,
  onChange,
}: {
  readonly source: string;
  /** The password typed for this database in this form, if any; else the engine uses the remembered one. */
  readonly password: string | undefined;
  readonly value: SourceOptionsInput | undefined;
  readonly onChange: (options: SourceOptionsInput) => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const options = value ?? {};
  return (
    <Stack gap="xs">
      <SourceOptionsSummary options={value} />
      <Button variant="subtle" size="compact-sm" w="fit-content" aria-expanded={open} onClick={() => { setOpen(!open); }}>
        {open ? t('sources.options.hide') : t('sources.options.choose')}
      </Button>
      {open &&
        (sourceKindOf(source) === 'folder' ? (
          <FolderOptions value={options} onChange={onChange} />
        ) : (
          <TableOptions source={source} password={password} value={options} onChange={onChange} />
        ))}
    </Stack>
  );
}
