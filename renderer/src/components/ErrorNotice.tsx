// An engine error as the person should read it: what happened in their language (from its stable code), then the engine's own sentence, which names the exact thing and what to do.
import { Alert, Button, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api/errors.ts';
import { ErrorIcon } from './icons.tsx';

export function ErrorNotice({ error, onRetry, title }: { readonly error: ApiError; readonly onRetry?: () => void; readonly title?: string }) {
  const { t, i18n } = useTranslation();
  const codeKey = `errorCode.${error.code}`;
  const explained = i18n.exists(codeKey) ? t(codeKey) : undefined;
  return (
    <Alert color="red" icon={<ErrorIcon />} title={title ?? t('error.title')} role="alert">
      {explained !== undefined && <Text size="sm" fw={600}>{explained}</Text>}
      {/* The engine speaks English: a detail set apart so that it reads left to right inside an Arabic page. */}
      <Text size="sm" dir="auto" mt={explained === undefined ? 0 : 4}>
        {explained !== undefined && <Text span size="sm" c="dimmed">{t('error.details')}: </Text>}
        <bdi>{error.message}</bdi>
      </Text>
      <Group justify="space-between" mt="xs">
        <Text size="xs" c="dimmed">
          {t('error.code', { code: error.code })}
        </Text>
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            {t('common.tryAgain')}
          </Button>
        )}
      </Group>
    </Alert>
  );
}
