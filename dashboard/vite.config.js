import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API base URL is not baked into the bundle: it comes from /config.js, which the
// dashboard server (infra/local/dashboard_server.py) writes at request time.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: { host: '127.0.0.1', port: 5173 },
});
