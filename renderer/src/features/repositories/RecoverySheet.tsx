// The printable recovery sheet: what someone needs, years from now, to get the data back without this computer.
import { Button, Checkbox, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import type { RepositoryInfo } from './RepositoryForm.tsx';

export function RecoverySheet({ repo, acknowledged, onAcknowledge }: { readonly repo: RepositoryInfo; readonly acknowledged: boolean; readonly onAcknowledge: (value: boolean) => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <Stack gap="md">
      <Paper withBorder p="lg" radius="md" className="airlock-printable" data-testid="recovery-sheet">
        <Stack gap="sm">
          <Title order={3}>{t('recovery.title')}</Title>
          <Text size="sm">{t('recovery.intro')}</Text>
          <Text size="sm">
            <b>{t('recovery.location')}</b> <span dir="ltr">{repo.location}</span>
          </Text>
          {repo.id !== null && (
            <Text size="sm">
              <b>{t('recovery.id')}</b> <span dir="ltr">{repo.id}</span>
            </Text>
          )}
          <Text size="sm">
            <b>{t('recovery.created')}</b> {formatDateTime(new Date(), locale)}
          </Text>
          <Text size="sm">
            <b>{t('recovery.passphrase')}</b> ______________________________________
          </Text>
          <Text size="sm">{t('recovery.steps')}</Text>
          <Text size="sm" dir="ltr" ff="monospace">
            airlock snapshots --repo {repo.location}
          </Text>
          <Text size="sm" dir="ltr" ff="monospace">
            airlock restore --repo {repo.location} latest --target /path/to/restored
          </Text>
          <Text size="sm">{t('recovery.keepSafe')}</Text>
        </Stack>
      </Paper>
      <Group>
        <Button variant="default" onClick={() => { window.print(); }}>
          {t('recovery.print')}
        </Button>
      </Group>
      <Checkbox label={t('recovery.acknowledge')} checked={acknowledged} onChange={(e) => { onAcknowledge(e.currentTarget.checked); }} />
    </Stack>
  );
}
