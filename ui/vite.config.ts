/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  resolve: {
    alias: { $lib: fileURLToPath(new URL('./src/lib', import.meta.url)) },
  },
  // Tauri serves the built files itself; relative paths keep the bundle location-independent.
  base: './',
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    // The unit tests read core's catalogue data, to hold the fake backend to it.
    fs: { allow: ['.', '../crates/core/data/providers'] },
  },
  preview: { port: 4173, strictPort: false },
  build: {
    outDir: 'dist',
    target: 'es2022',
    // The polyfill would be inlined; WebKitGTK and Chromium support modulepreload natively.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.test.ts'],
    setupFiles: ['tests/unit/setup.ts'],
  },
});
