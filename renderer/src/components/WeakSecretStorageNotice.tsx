// The warning that remembered passphrases and passwords are not protected by the system keyring here (Linux without one offers only a weak fallback).
import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useQuery } from '../api/context.ts';
import { WarningIcon } from './icons.tsx';

export function WeakSecretStorageNotice() {
  const { t } = useTranslation();
  const settings = useQuery('settings.get', {});
  // Said only when the engine says so: a failed query is shown by the screen that owns the settings.
  if (settings.data?.secretStoreEncrypted !== false) return null;
  return (
    <Alert color="yellow" icon={<WarningIcon />} title={t('secrets.weakTitle')} data-testid="weak-secret-storage">
      {t('secrets.weakBody')}
    </Alert>
  );
}
