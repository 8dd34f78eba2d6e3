// An engine error as the person should read it: its sentence (which says what to do), with a retry when there is one.
import { Alert, Button, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api/errors.ts';
import { ErrorIcon } from './icons.tsx';

export function ErrorNotice({ error, onRetry, title }: { readonly error: ApiError; readonly onRetry?: () => void; readonly title?: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" icon={<ErrorIcon />} title={title ?? t('error.title')} role="alert">
      <Text size="sm" dir="auto">{error.message}</Text>
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
