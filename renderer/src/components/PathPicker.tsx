// A folder or file chooser over the engine's fs.browse (the page has no native picker), plus a text field that opens it.
import { Button, Checkbox, Group, Modal, ScrollArea, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '../api/context.ts';
import { formatBytes } from '../i18n/format.ts';
import { useLocale } from '../i18n/use-locale.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { BackIcon, DriveIcon, FileIcon, FolderIcon, HomeIcon } from './icons.tsx';

export type PickMode = 'folder' | 'file';

interface PathPickerProps {
  readonly opened: boolean;
  readonly mode: PickMode;
  readonly start?: string;
  readonly onPick: (path: string) => void;
  readonly onClose: () => void;
}

function PathPickerModal({ opened, mode, start, onPick, onClose }: PathPickerProps) {
  const { t } = useTranslation();
  const locale = useLocale();
  const home = useQuery('fs.homeDir', {}, { enabled: opened });
  const drives = useQuery('drives.list', {}, { enabled: opened });
  const [path, setPath] = useState<string | undefined>(start);
  const [showHidden, setShowHidden] = useState(false);
  const current = path ?? home.data?.path;
  const listing = useQuery('fs.browse', { path: current ?? '/', showHidden }, { enabled: opened && current !== undefined });

  useEffect(() => {
    if (opened) setPath(start !== undefined && start !== '' ? start : undefined);
  }, [opened, start]);

  return (
    <Modal opened={opened} onClose={onClose} size="lg" title={mode === 'folder' ? t('picker.titleFolder') : t('picker.titleFile')} closeButtonProps={{ 'aria-label': t('common.close') }}>
      <Stack gap="sm">
        <Group gap="xs" wrap="wrap">
          {home.data && (
            <Button size="xs" variant="light" leftSection={<HomeIcon size={14} />} onClick={() => { setPath(home.data?.path); }}>
              {t('picker.home')}
            </Button>
          )}
          {drives.data?.map((d) => (
            <Button key={d.mountPath} size="xs" variant="light" leftSection={<DriveIcon size={14} />} onClick={() => { setPath(d.mountPath); }}>
              {d.label ?? d.mountPath}
            </Button>
          ))}
        </Group>
        <Group gap="xs" wrap="nowrap">
          <Button
            size="xs"
            variant="default"
            leftSection={<BackIcon size={14} />}
            disabled={!listing.data?.parent}
            onClick={() => { setPath(listing.data?.parent ?? undefined); }}
          >
            {t('picker.up')}
          </Button>
          <Text size="sm" fw={600} dir="ltr" truncate style={{ flex: 1 }}>
            {listing.data?.path ?? current}
          </Text>
        </Group>
        {listing.error && <ErrorNotice error={listing.error} onRetry={listing.reload} />}
        <ScrollArea h={320} type="auto">
          <Stack gap={0} role="list" aria-label={t('picker.contents')}>
            {listing.data?.entries.length === 0 && <Text c="dimmed" p="sm">{t('picker.empty')}</Text>}
            {listing.data?.entries.map((e) => {
              const isDir = e.kind === 'directory';
              const selectable = isDir || mode === 'file';
              return (
                <UnstyledButton
                  key={e.path}
                  role="listitem"
                  className="airlock-row"
                  disabled={!selectable}
                  onClick={() => {
                    if (isDir) setPath(e.path);
                    else onPick(e.path);
                  }}
                  aria-label={isDir ? t('picker.openFolder', { name: e.name }) : t('picker.chooseFile', { name: e.name })}
                >
                  <Group gap="sm" wrap="nowrap" px="sm" py={6}>
                    {isDir ? <FolderIcon /> : <FileIcon />}
                    <Text size="sm" dir="auto" style={{ flex: 1 }} {...(selectable ? {} : { c: 'dimmed' })}>
                      {e.name}
                    </Text>
                    {e.size !== null && !isDir && <Text size="xs" c="dimmed">{formatBytes(e.size, locale)}</Text>}
                  </Group>
                </UnstyledButton>
              );
            })}
          </Stack>
        </ScrollArea>
        <Group justify="space-between">
          <Checkbox label={t('picker.showHidden')} checked={showHidden} onChange={(e) => { setShowHidden(e.currentTarget.checked); }} />
          <Group>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            {mode === 'folder' && (
              <Button disabled={listing.data === undefined} onClick={() => { if (listing.data) onPick(listing.data.path); }}>
                {t('picker.chooseThis')}
              </Button>
            )}
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}

interface PathFieldProps {
  readonly label: string;
  readonly description?: string;
  readonly mode: PickMode;
  readonly value: string;
  readonly onChange: (path: string) => void;
  readonly error?: string | undefined;
  readonly placeholder?: string;
}

/** A path typed or browsed to; typing stays possible for paths that do not exist yet (a new restore folder). */
export function PathField({ label, description, mode, value, onChange, error, placeholder }: PathFieldProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Group align="flex-end" gap="xs" wrap="nowrap">
        <TextInput
          style={{ flex: 1 }}
          label={label}
          description={description}
          value={value}
          error={error}
          placeholder={placeholder}
          dir="ltr"
          onChange={(e) => { onChange(e.currentTarget.value); }}
        />
        <Button variant="default" onClick={() => { setOpen(true); }} mb={error === undefined ? 0 : 22}>
          {t('picker.browse')}
        </Button>
      </Group>
      <PathPickerModal
        opened={open}
        mode={mode}
        {...(value.startsWith('/') ? { start: mode === 'file' ? value.replace(/\/[^/]*$/, '') || '/' : value } : {})}
        onClose={() => { setOpen(false); }}
        onPick={(p) => {
          onChange(p);
          setOpen(false);
        }}
      />
    </>
  );
}
