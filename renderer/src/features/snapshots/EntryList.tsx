// A virtualised list of a snapshot folder's entries (tens of thousands stay smooth), with sizes, optional checkboxes, and folder navigation.
import { Box, Checkbox, Group, Text, UnstyledButton } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { DatabaseIcon, FileIcon, FolderIcon } from '../../components/icons.tsx';
import { formatBytes, formatDateTime } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';

export type SnapshotEntry = ChannelOutput<'snapshots.browse'>['entries'][number];

const ROW = 40;

interface EntryListProps {
  readonly entries: readonly SnapshotEntry[];
  readonly onOpen: (entry: SnapshotEntry) => void;
  /** With a selection, each row has a checkbox (the restore wizard). */
  readonly selected?: ReadonlySet<string>;
  readonly onToggle?: (entry: SnapshotEntry, checked: boolean) => void;
  readonly height?: number;
}

export function EntryList({ entries, onOpen, selected, onToggle, height = 360 }: EntryListProps) {
  const { t } = useTranslation();
  const locale = useLocale();
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: entries.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 12 });
  if (entries.length === 0) return <Text c="dimmed" p="sm">{t('snapshots.folderEmpty')}</Text>;
  return (
    <Box ref={parent} style={{ blockSize: height, overflow: 'auto' }} role="list" aria-label={t('snapshots.contents')} data-testid="entry-list" tabIndex={-1}>
      <Box style={{ blockSize: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const e = entries[item.index];
          if (e === undefined) return null;
          const isDir = e.kind === 'directory';
          return (
            <Group
              key={e.path}
              role="listitem"
              gap="xs"
              wrap="nowrap"
              px="xs"
              style={{ position: 'absolute', insetInlineStart: 0, insetInlineEnd: 0, insetBlockStart: item.start, blockSize: ROW }}
            >
              {selected !== undefined && onToggle !== undefined && (
                <Checkbox aria-label={t('snapshots.select', { name: e.name })} checked={selected.has(e.path)} onChange={(ev) => { onToggle(e, ev.currentTarget.checked); }} />
              )}
              <UnstyledButton
                className="airlock-row"
                style={{ flex: 1, minWidth: 0 }}
                onClick={() => { onOpen(e); }}
                aria-label={isDir ? t('snapshots.openFolder', { name: e.name }) : e.name}
                data-entry-name={e.name}
              >
                <Group gap="sm" wrap="nowrap" px={6} py={4}>
                  {isDir ? <FolderIcon /> : e.kind === 'table' ? <DatabaseIcon /> : <FileIcon />}
                  <Text size="sm" dir="auto" truncate style={{ flex: 1 }}>
                    {e.name}
                  </Text>
                  {e.modifiedAt !== null && (
                    <Text size="xs" c="dimmed" visibleFrom="sm">
                      {formatDateTime(new Date(e.modifiedAt), locale)}
                    </Text>
                  )}
                  <Text size="xs" c="dimmed" w={80} ta="end">
                    {e.size === null ? '' : formatBytes(e.size, locale)}
                  </Text>
                </Group>
              </UnstyledButton>
            </Group>
          );
        })}
      </Box>
    </Box>
  );
}
