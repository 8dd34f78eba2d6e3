// The Mantine theme: bundled fonts (Latin from Inter, Arabic from Noto Sans Arabic) and a focus ring that is always visible.
import { createTheme } from '@mantine/core';

export const theme = createTheme({
  fontFamily: "'Inter Variable', 'Noto Sans Arabic', system-ui, sans-serif",
  headings: { fontFamily: "'Inter Variable', 'Noto Sans Arabic', system-ui, sans-serif" },
  primaryColor: 'blue',
  defaultRadius: 'md',
  // Keyboard users always see where they are; mouse clicks do not leave rings behind.
  focusRing: 'auto',
  cursorType: 'pointer',
});
