// The sources of a job: the list with what of each is backed up, and a form to add a folder, a SQLite file, or a MySQL/MariaDB or PostgreSQL database with "Test connection".
import { ActionIcon, Alert, Button, Group, Paper, PasswordInput, SegmentedControl, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput, SourceOptionsInput } from '../../../../shared/ipc/contract.ts';
import { useClient } from '../../api/context.ts';
import { toApiError } from '../../api/errors.ts';
import { CheckIcon, DatabaseIcon, ErrorIcon, FileIcon, FolderIcon } from '../../components/icons.tsx';
import { PathField } from '../../components/PathPicker.tsx';
import { SourceOptionsEditor } from './SourceOptionsEditor.tsx';
import { databaseFieldsProblem, databaseUrl, defaultPorts, sourceKindOf, sourceLabel, sqliteUrl, type DatabaseFields, type SourceKind } from './source-model.ts';

export interface SourcesValue {
  readonly sources: readonly string[];
  /** Database passwords keyed by source URL; sent with the job, never shown again. */
  readonly passwords: Readonly<Record<string, string>>;
  /** What of each source is backed up, keyed by source; a source not here is backed up whole. */
  readonly options: Readonly<Record<string, SourceOptionsInput>>;
}

const kindIcon = { folder: <FolderIcon />, sqlite: <FileIcon />, mysql: <DatabaseIcon />, postgres: <DatabaseIcon /> } as const;

type TestResult = ChannelOutput<'sources.test'>;

function TestOutcome({ result }: { readonly result: TestResult }) {
  const { t } = useTranslation();
  return result.ok ? (
    <Alert color="green" icon={<CheckIcon />} title={t('sources.testOk')} data-testid="source-test-result">
      <Text size="sm" dir="auto">{result.detail}</Text>
    </Alert>
  ) : (
    <Alert color="red" icon={<ErrorIcon />} title={t('sources.testFailed')} data-testid="source-test-result">
      <Text size="sm" dir="auto">{result.message}</Text>
    </Alert>
  );
}

function AddSourceForm({ onAdd, onCancel }: { readonly onAdd: (source: string, password?: string) => void; readonly onCancel?: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [kind, setKind] = useState<SourceKind>('folder');
  const [path, setPath] = useState('');
  const [db, setDb] = useState<DatabaseFields>({ engine: 'mysql', host: '127.0.0.1', port: defaultPorts.mysql, user: '', database: '' });
  const [password, setPassword] = useState('');
  const [test, setTest] = useState<TestResult>();
  const [testing, setTesting] = useState(false);
  const isDb = kind === 'mysql' || kind === 'postgres';
  const dbProblem = isDb ? databaseFieldsProblem(db) : undefined;
  const source = isDb ? databaseUrl(db) : kind === 'sqlite' ? sqliteUrl(path.trim()) : path.trim();
  const ready = isDb ? dbProblem === undefined : path.trim().startsWith('/');

  const runTest = (): void => {
    setTesting(true);
    setTest(undefined);
    client.invoke('sources.test', { source, ...(isDb && password !== '' ? { password } : {}) }).then(
      (r) => {
        setTest(r);
        setTesting(false);
      },
      (err: unknown) => {
        const e = toApiError(err);
        setTest({ ok: false, code: e.code, message: e.message });
        setTesting(false);
      },
    );
  };

  const changeKind = (k: SourceKind): void => {
    setKind(k);
    setTest(undefined);
    if (k === 'mysql' || k === 'postgres') setDb((d) => ({ ...d, engine: k, port: defaultPorts[k] }));
  };

  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <SegmentedControl
          aria-label={t('sources.kindLabel')}
          value={kind}
          onChange={changeKind}
          data={(['folder', 'sqlite', 'mysql', 'postgres'] as const).map((k) => ({ value: k, label: t(`sources.kind.${k}`) }))}
          fullWidth
        />
        {!isDb && (
          <PathField
            label={kind === 'folder' ? t('sources.folderLabel') : t('sources.sqliteLabel')}
            description={kind === 'folder' ? t('sources.folderHelp') : t('sources.sqliteHelp')}
            mode={kind === 'folder' ? 'folder' : 'file'}
            value={path}
            onChange={(p) => {
              setPath(p);
              setTest(undefined);
            }}
            error={path.trim() !== '' && !path.trim().startsWith('/') ? t('sources.absolutePath') : undefined}
          />
        )}
        {isDb && (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label={t('sources.host')} value={db.host} dir="ltr" onChange={(e) => { setDb({ ...db, host: e.currentTarget.value }); setTest(undefined); }} error={dbProblem === 'host' ? t('sources.hostMissing') : undefined} />
              <TextInput label={t('sources.port')} value={db.port} dir="ltr" inputMode="numeric" onChange={(e) => { setDb({ ...db, port: e.currentTarget.value }); setTest(undefined); }} error={dbProblem === 'port' ? t('sources.portBad') : undefined} />
              <TextInput label={t('sources.user')} value={db.user} dir="ltr" autoComplete="off" onChange={(e) => { setDb({ ...db, user: e.currentTarget.value }); setTest(undefined); }} />
              <PasswordInput label={t('sources.password')} description={t('sources.passwordHelp')} value={password} autoComplete="new-password" onChange={(e) => { setPassword(e.currentTarget.value); setTest(undefined); }} />
            </SimpleGrid>
            <TextInput label={t('sources.database')} value={db.database} dir="ltr" onChange={(e) => { setDb({ ...db, database: e.currentTarget.value }); setTest(undefined); }} error={dbProblem === 'database' ? t('sources.databaseMissing') : undefined} />
          </>
        )}
        {test && <TestOutcome result={test} />}
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          )}
          <Button variant="default" onClick={runTest} loading={testing} disabled={!ready}>
            {t('sources.test')}
          </Button>
          <Button
            disabled={!ready}
            onClick={() => {
              onAdd(source, isDb && password !== '' ? password : undefined);
              setPath('');
              setPassword('');
              setTest(undefined);
            }}
          >
            {t('sources.add')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export function SourcesEditor({ value, onChange }: { readonly value: SourcesValue; readonly onChange: (value: SourcesValue) => void }) {
  const { t } = useTranslation();
  const [adding, setAdding] = useState(value.sources.length === 0);
  return (
    <Stack gap="sm" data-testid="sources-editor">
      {value.sources.length === 0 && !adding && <Text c="dimmed">{t('sources.none')}</Text>}
      {value.sources.map((s) => {
        const kind = sourceKindOf(s);
        return (
          <Paper key={s} withBorder p="sm" radius="md">
            <Group wrap="nowrap" justify="space-between">
              <Group wrap="nowrap" gap="sm" align="flex-start" style={{ minWidth: 0 }}>
                {kindIcon[kind]}
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text size="xs" c="dimmed">{t(`sources.kind.${kind}`)}</Text>
                  <Text size="sm" dir="ltr" truncate title={sourceLabel(s)} ta="start">
                    {sourceLabel(s)}
                  </Text>
                  <SourceOptionsEditor
                    source={s}
                    password={value.passwords[s]}
                    value={value.options[s]}
                    onChange={(options) => {
                      const { [s]: _old, ...others } = value.options;
                      onChange({ ...value, options: Object.keys(options).length === 0 ? others : { ...others, [s]: options } });
                    }}
                  />
                </Stack>
              </Group>
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={t('sources.remove', { source: sourceLabel(s) })}
                onClick={() => {
                  const { [s]: _dropped, ...passwords } = value.passwords;
                  const { [s]: _droppedOptions, ...options } = value.options;
                  onChange({ sources: value.sources.filter((x) => x !== s), passwords, options });
                }}
              >
                ✕
              </ActionIcon>
            </Group>
          </Paper>
        );
      })}
      {adding ? (
        <AddSourceForm
          onAdd={(source, password) => {
            if (!value.sources.includes(source)) {
              onChange({ ...value, sources: [...value.sources, source], passwords: password === undefined ? value.passwords : { ...value.passwords, [source]: password } });
            }
            setAdding(false);
          }}
          {...(value.sources.length > 0 ? { onCancel: () => { setAdding(false); } } : {})}
        />
      ) : (
        <Group>
          <Button variant="light" onClick={() => { setAdding(true); }}>
            {t('sources.addAnother')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
