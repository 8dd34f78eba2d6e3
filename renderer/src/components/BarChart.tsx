// A small SVG bar chart (one bar per run, oldest at the reading start), with the same numbers as a table for screen readers.
import { Box, Text, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../i18n/format.ts';
import { useLocale } from '../i18n/use-locale.ts';

export interface BarPoint {
  readonly time: string;
  readonly value: number;
  /** Failed or partial runs are drawn in the warning colour. */
  readonly bad?: boolean;
}

const WIDTH = 480;
const HEIGHT = 140;
const PAD_TOP = 16;
const PAD_BOTTOM = 22;

export function BarChart({ title, points, format }: { readonly title: string; readonly points: readonly BarPoint[]; readonly format: (value: number) => string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const shown = points.slice(-30);
  const max = Math.max(1, ...shown.map((p) => p.value));
  const slot = WIDTH / Math.max(shown.length, 1);
  const barWidth = Math.max(2, Math.min(28, slot * 0.7));
  const first = shown[0];
  const last = shown.at(-1);
  if (first === undefined || last === undefined) {
    return (
      <Box>
        <Text fw={600} size="sm">{title}</Text>
        <Text size="sm" c="dimmed">{t('chart.noData')}</Text>
      </Box>
    );
  }
  return (
    <Box>
      <Text fw={600} size="sm" id={`chart-${title}`}>
        {title}
      </Text>
      <Text size="xs" c="dimmed">
        {t('chart.max', { value: format(max) })}
      </Text>
      {/* Bars run with the reading direction: the newest run sits at the reading end in both English and Arabic. */}
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-labelledby={`chart-${title}`} className="airlock-chart airlock-flip-rtl">
        <line x1={0} x2={WIDTH} y1={HEIGHT - PAD_BOTTOM} y2={HEIGHT - PAD_BOTTOM} stroke="currentColor" strokeOpacity={0.3} />
        {shown.map((p, i) => {
          const h = ((HEIGHT - PAD_TOP - PAD_BOTTOM) * p.value) / max;
          return (
            <rect
              key={`${p.time}-${String(i)}`}
              x={i * slot + (slot - barWidth) / 2}
              y={HEIGHT - PAD_BOTTOM - h}
              width={barWidth}
              height={Math.max(h, 1)}
              rx={2}
              fill={p.bad === true ? 'var(--mantine-color-orange-6)' : 'var(--mantine-color-blue-6)'}
            >
              <title>{`${formatDate(new Date(p.time), locale)}: ${format(p.value)}`}</title>
            </rect>
          );
        })}
      </svg>
      <Box style={{ display: 'flex', justifyContent: 'space-between' }}>
        <Text size="xs" c="dimmed">{formatDate(new Date(first.time), locale)}</Text>
        <Text size="xs" c="dimmed">{formatDate(new Date(last.time), locale)}</Text>
      </Box>
      <VisuallyHidden>
        <table>
          <caption>{title}</caption>
          <tbody>
            {shown.map((p, i) => (
              <tr key={`${p.time}-${String(i)}`}>
                <td>{formatDate(new Date(p.time), locale)}</td>
                <td>{format(p.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </VisuallyHidden>
    </Box>
  );
}
