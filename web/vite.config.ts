import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The portal: a single-page app served by Tenantry itself at `/` (index.html) and `/assets/*`
 * (src/server/portalRoutes.ts). Build with `npm run build:web`; the output goes to web/dist.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Fluent UI makes the one bundle ~700 kB (~200 kB compressed, which the server does)
    chunkSizeWarningLimit: 1500,
    // the server answers /assets/<name> only: no nested folders, no inlined scripts (CSP script-src 'self')
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
