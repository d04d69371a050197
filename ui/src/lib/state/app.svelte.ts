import { getContext, setContext } from 'svelte';
import { Catalog } from './catalog.svelte';
import { GenerateForm } from './generate.svelte';
import { JobList } from './jobs.svelte';
import { Library } from './library.svelte';
import { Navigation } from './navigation.svelte';
import { Toasts } from './toasts.svelte';

/** Everything the views share; one per window, handed down through Svelte context. */
export class AppState {
  catalog = new Catalog();
  nav = new Navigation();
  jobs = new JobList();
  generate = new GenerateForm(this.catalog);
  library = new Library();
  toasts = new Toasts();
}

const KEY = Symbol('easel-app');

export function provideApp(app: AppState): AppState {
  return setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() called outside <App>');
  return app;
}
