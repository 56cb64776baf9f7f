import { defineConfig } from 'vite';

// The console: built into web/dist, which the server serves at / (src/console/console-assets.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Browsers of the last years; no legacy bundle to ship twice.
    target: 'es2022',
    // The policy forbids inline scripts and styles: every asset is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
