// Vite build of the renderer: relative asset paths so the page loads from file:// in Electron, no inlined data: URLs so the CSP stays strict.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Fonts and images stay files: the CSP allows them from 'self' only, never as data: URLs.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
});
