import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { markOnce } from '$lib/logic/startupMarks';

// `npm run dev` in a plain browser has no Tauri backend: stand in the test fake so the UI can be
// worked on. The branch is removed from production builds.
if (import.meta.env.DEV && !('__TAURI_INTERNALS__' in window)) {
  await import('../tests/fake/fake-backend.js');
  globalThis.__easelFake.installFakeTauri({ images: 2000 });
}

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

markOnce('easel:script');
export default mount(App, { target });
