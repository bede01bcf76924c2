/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API lives on the Python server; in `npm run dev` these paths go there.
const API_PATHS = ['/tasks', '/users', '/token', '/chatkit', '/agents', '/health', '/docs', '/openapi.json', '/auth', '/calendar'];
// (No @types/node here: read the environment through globalThis.)
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const backend = env.TASKAGENT_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    // FastAPI serves this folder at / (client routes under /app fall back to index.html).
    outDir: '../src/taskagent/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(API_PATHS.map((p) => [p, { target: backend, changeOrigin: false }])),
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    // jsdom tests that click through a form take seconds on a loaded 2-core CI machine.
    testTimeout: 20_000,
  },
});
