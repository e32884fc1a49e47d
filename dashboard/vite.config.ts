/**
 * Builds the dashboard into dashboard/dist, which the server serves at `/`. `npm run build` (and
 * `npm install`, through `prepare`) runs it. For UI work, `npx vite dashboard` serves it with hot
 * reload and proxies the API to a running server (`STREAMSIGHT_URL`, default http://127.0.0.1:8080).
 */

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { worldGeoJson } from './vite/world-geojson.ts';

const target = process.env.STREAMSIGHT_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), worldGeoJson()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api/v1/live': { target, ws: true },
      '/api': { target },
      '/healthz': { target },
      '/metrics': { target },
    },
  },
});
