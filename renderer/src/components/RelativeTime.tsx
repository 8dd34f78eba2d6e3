// A time in words ("2 hours ago") with the exact date and time on hover and for screen readers.
import { formatDateTime, formatRelative } from '../i18n/format.ts';
import { useLocale, useNow } from '../i18n/use-locale.ts';

export function RelativeTime({ iso }: { readonly iso: string }) {
  const locale = useLocale();
  const now = useNow();
  const when = new Date(iso);
  const exact = formatDateTime(when, locale);
  return (
    <time dateTime={iso} title={exact} aria-label={`${formatRelative(when, now, locale)} (${exact})`}>
      {formatRelative(when, now, locale)}
    </time>
  );
}
