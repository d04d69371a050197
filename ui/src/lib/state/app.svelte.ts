import { getContext, setContext } from 'svelte';
import { errorText } from '$lib/logic/errors';
import { Catalog } from './catalog.svelte';
import { GenerateForm } from './generate.svelte';
import { ImportRun } from './imports.svelte';
import { JobList } from './jobs.svelte';
import { Library } from './library.svelte';
import { Navigation } from './navigation.svelte';
import { Organiser } from './organise.svelte';
import { Toasts } from './toasts.svelte';

/** Everything the views share; one per window, handed down through Svelte context. */
export class AppState {
  catalog = new Catalog();
  nav = new Navigation();
  jobs = new JobList();
  generate = new GenerateForm(this.catalog);
  library = new Library();
  organise = new Organiser();
  toasts = new Toasts();
  imports = new ImportRun();

  constructor() {
    // Re-queried in place, keeping the scroll position and selection, as images arrive and
    // once more at the end.
    this.imports.onGrew = () => void this.library.refresh();
    this.imports.onImported = () => void this.library.refresh();
    // Someone browsing elsewhere still hears when a generation ends.
    this.jobs.onFinished = (job) => {
      if (this.nav.view === 'generate' && !this.nav.imageId) return;
      if (job.stage === 'done' && job.imageIds.length > 0) {
        const first = job.imageIds[0];
        const count = job.imageIds.length;
        this.toasts.show(count === 1 ? 'Your image is ready' : `${count} images are ready`, {
          action: { label: 'Open', run: () => this.nav.openImage(first) },
        });
      } else if (job.stage === 'failed' && job.error) {
        this.toasts.show(`Generation failed: ${errorText(job.error).headline}`, {
          tone: 'error',
          action: { label: 'Show', run: () => this.nav.go('generate') },
        });
      }
    };
  }
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
