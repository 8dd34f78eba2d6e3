// The retention builder: how many backups to keep per period, in words, with a preview of which existing backups would be kept (and why) or removed.
import { Alert, Badge, Group, NumberInput, ScrollArea, SegmentedControl, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { useClient } from '../../api/context.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { formatDateTime, formatNumber } from '../../i18n/format.ts';
import { useLocale } from '../../i18n/use-locale.ts';
import { sourceLabel } from './source-model.ts';
import { keepsNothing, parseKeepReason, policyFromDraft, presetOf, retentionPresets, retentionRules, type RetentionDraft, type RetentionPresetName } from './retention-model.ts';

type Preview = ChannelOutput<'jobs.previewRetention'>;

export function useKeepReasonText(): (reason: string) => string {
  const { t } = useTranslation();
  const locale = useLocale();
  return (reason) => {
    const r = parseKeepReason(reason);
    switch (r.kind) {
      case 'last':
      case 'hourly':
      case 'daily':
      case 'weekly':
      case 'monthly':
      case 'yearly':
        return t(`retention.reason.${r.kind}`, { rank: formatNumber(r.rank, locale) });
      case 'latest':
        return t('retention.reason.latest');
      case 'within':
        return t('retention.reason.within', { span: r.span });
      case 'tag':
        return t('retention.reason.tag', { tag: r.tag });
      case 'other':
        return r.text;
    }
  };
}

interface RetentionBuilderProps {
  readonly value: RetentionDraft;
  readonly onChange: (draft: RetentionDraft) => void;
  /** Where the existing backups are, for the preview; no preview without one. */
  readonly repository?: string | undefined;
  readonly jobId?: string | undefined;
}

export function RetentionBuilder({ value, onChange, repository, jobId }: RetentionBuilderProps) {
  const { t } = useTranslation();
  const locale = useLocale();
  const client = useClient();
  const reasonText = useKeepReasonText();
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<ApiError>();
  const empty = keepsNothing(value);
  const preset = presetOf(value);
  const policyKey = JSON.stringify(policyFromDraft(value));

  useEffect(() => {
    if (repository === undefined || empty) {
      setPreview(undefined);
      return;
    }
    let current = true;
    client.invoke('jobs.previewRetention', { repository, policy: JSON.parse(policyKey) as Record<string, number>, ...(jobId === undefined ? {} : { jobId }) }).then(
      (p) => {
        if (current) {
          setPreview(p);
          setError(undefined);
        }
      },
      (err: unknown) => {
        if (current) setError(toApiError(err));
      },
    );
    return () => {
      current = false;
    };
  }, [client, repository, jobId, policyKey, empty]);

  return (
    <Stack gap="sm" data-testid="retention-builder">
      <SegmentedControl
        aria-label={t('retention.presetLabel')}
        value={preset}
        onChange={(v) => {
          if (v in retentionPresets) onChange(retentionPresets[v as RetentionPresetName]);
        }}
        data={[
          ...Object.keys(retentionPresets).map((p) => ({ value: p, label: t(`retention.preset.${p}`) })),
          { value: 'custom', label: t('retention.preset.custom'), disabled: true },
        ]}
        fullWidth
      />
      <SimpleGrid cols={{ base: 2, sm: 5 }}>
        {retentionRules.map((rule) => (
          <NumberInput
            key={rule}
            label={t(`retention.rule.${rule}`)}
            min={0}
            max={1000}
            allowDecimal={false}
            allowNegative={false}
            value={value[rule]}
            onChange={(v) => {
              onChange({ ...value, [rule]: typeof v === 'number' ? v : 0 });
            }}
          />
        ))}
      </SimpleGrid>
      {empty ? (
        <Alert color="red" title={t('retention.keepsNothingTitle')}>
          {t('retention.keepsNothingText')}
        </Alert>
      ) : (
        <Alert color="blue" variant="light" title={t('retention.summaryTitle')} data-testid="retention-summary">
          <Stack gap={2}>
            {retentionRules
              .filter((rule) => value[rule] > 0)
              .map((rule) => (
                <Text size="sm" key={rule}>
                  {t(`retention.summary.${rule}`, { count: value[rule], formatted: formatNumber(value[rule], locale) })}
                </Text>
              ))}
            <Text size="sm" c="dimmed">
              {t('retention.summary.latestAlways')}
            </Text>
          </Stack>
        </Alert>
      )}
      {error && <ErrorNotice error={error} />}
      {repository === undefined ? (
        <Text size="sm" c="dimmed">{t('retention.previewNeedsRepo')}</Text>
      ) : preview && preview.snapshots.length === 0 ? (
        <Text size="sm" c="dimmed">{t('retention.previewEmpty')}</Text>
      ) : (
        preview && (
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              {t('retention.previewCounts', { keep: formatNumber(preview.keepCount, locale), forget: formatNumber(preview.forgetCount, locale) })}
            </Text>
            <ScrollArea.Autosize mah={260} type="auto">
              <Table striped aria-label={t('retention.previewTable')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('retention.col.time')}</Table.Th>
                    <Table.Th>{t('retention.col.what')}</Table.Th>
                    <Table.Th>{t('retention.col.decision')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.snapshots.map((s) => (
                    <Table.Tr key={s.id}>
                      <Table.Td>{formatDateTime(new Date(s.time), locale)}</Table.Td>
                      <Table.Td><bdi dir="ltr">{sourceLabel(s.source)}</bdi></Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          <Badge color={s.keep ? 'green' : 'red'} variant="light">
                            {s.keep ? t('retention.keep') : t('retention.forget')}
                          </Badge>
                          <Text size="xs">{s.keep ? s.reasons.map(reasonText).join(t('common.listSeparator')) : t('retention.noRule')}</Text>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
          </Stack>
        )
      )}
    </Stack>
  );
}
