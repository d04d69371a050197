import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import App from '../../src/App.svelte';
import { AppState } from '$lib/state/app.svelte';
import { callsOf, disposeBackend, installBackend } from './harness';

const HOSTILE = '<img src=x onerror="window.__pwned=1"><b>bold</b> & "quotes"';

function start(opts: Parameters<typeof installBackend>[0] = {}) {
  localStorage.clear();
  const backend = installBackend({ speed: 20, ...opts });
  const app = new AppState();
  const view = render(App, { props: { app } });
  return { backend, app, view };
}

afterEach(() => {
  cleanup();
  disposeBackend();
  clearMocks();
});

describe('prompts are text, never markup', () => {
  it('renders an HTML-looking prompt literally in the image view', async () => {
    const { backend, app, view } = start();
    backend.images[0].prompt = HOSTILE;
    app.nav.openImage(backend.images[0].id);
    const prompt = await screen.findByTestId('image-prompt');
    expect(prompt.textContent).toBe(HOSTILE);
    expect(prompt.querySelector('b')).toBeNull();
    expect(view.container.querySelector('img[src="x"]')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('renders an HTML-looking prompt literally in a job item', async () => {
    const { app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: HOSTILE } });
    await fireEvent.click(screen.getByTestId('generate-button'));
    const item = await screen.findByTestId('job-item');
    expect(item.querySelector('.prompt')?.textContent).toBe(HOSTILE);
    expect(item.querySelector('b')).toBeNull();
  });
});

describe('damaged originals', () => {
  it('are marked in the grid and explained in the image view', async () => {
    const { app } = start({ images: 30, damaged: ['img-000000'] });
    await fireEvent.click(screen.getByTestId('nav-library'));
    const badges = await screen.findAllByTestId('tile-damaged');
    expect(badges).toHaveLength(1);
    expect(badges[0].closest('[data-index]')?.getAttribute('aria-label')).toContain('Damaged original');
    app.nav.openImage('img-000000');
    expect(await screen.findByTestId('image-damaged')).toHaveTextContent('damaged or missing');
    cleanup();
    const other = start({ images: 30, damaged: ['img-000000'] });
    other.app.nav.openImage('img-000001');
    await screen.findByTestId('license-panel');
    expect(screen.queryByTestId('image-damaged')).toBeNull();
  });
});

describe('licence panel', () => {
  it('shows the snapshot terms', async () => {
    const { backend, app } = start();
    app.nav.openImage(backend.images[1].id);
    const panel = await screen.findByTestId('license-panel');
    expect(panel).toHaveTextContent('You own the output');
    expect(within(panel).getByTestId('license-commercial')).toHaveTextContent('Allowed');
    expect(panel).toHaveTextContent('Image generated with OpenAI');
    expect(panel).toHaveTextContent('not legal advice');
    expect(within(panel).queryByTestId('license-unknown')).toBeNull();
    await fireEvent.click(within(panel).getByTestId('license-terms-link'));
    await waitFor(() => expect(callsOf(backend, 'plugin:opener|open_url')).toHaveLength(1));
    expect(callsOf(backend, 'plugin:opener|open_url')[0].args.url).toBe('https://openai.com/policies/terms-of-use');
  });

  it('warns clearly when the terms are unknown', async () => {
    const { app } = start();
    app.nav.openImage('img-000005'); // the fake marks index 5 as unknown terms
    const panel = await screen.findByTestId('license-panel');
    expect(within(panel).getByTestId('license-unknown')).toHaveTextContent('Terms unknown');
    expect(within(panel).getByTestId('license-commercial')).toHaveTextContent('Unknown');
  });
});

describe('settings', () => {
  it('sends the key once and never shows it again', async () => {
    const secret = 'sk-test-Zq9wUNIQUEMARK-1234567890';
    const { backend } = start({ keyPresent: false });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const card = await screen.findByTestId('provider-settings-openai');
    const input = within(card).getByTestId('settings-key-input') as HTMLInputElement;
    expect(input.type).toBe('password');
    expect(input.value).toBe('');
    expect(within(card).getByTestId('settings-key-status')).toHaveTextContent('Not set up — API key not set');
    await fireEvent.input(input, { target: { value: secret } });
    await fireEvent.click(within(card).getByTestId('settings-save'));
    await waitFor(() => expect(within(card).getByTestId('settings-key-status')).toHaveTextContent('API key saved in the system keychain'));
    expect(callsOf(backend, 'set_credential')[0].args).toEqual({ provider: 'openai', field: 'api_key', value: secret });
    expect(input.value).toBe('');
    expect(document.body.innerHTML).not.toContain('Zq9wUNIQUEMARK');
    // Saving tests the key right away and reports what it can use.
    await waitFor(() => expect(within(card).getByTestId('settings-test-result')).toHaveTextContent('6 models available'));
  });

  it('says where a file-stored or environment key lives', async () => {
    start({ keySource: 'file', keychainAvailable: false });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const card = await screen.findByTestId('provider-settings-openai');
    expect(within(card).getByTestId('settings-key-status')).toHaveTextContent('in a file only you can read');
    cleanup();
    start({ keySource: 'env' });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const again = await screen.findByTestId('provider-settings-openai');
    expect(within(again).getByTestId('settings-key-status')).toHaveTextContent('API key from OPENAI_API_KEY');
    // An environment value cannot be deleted from Settings.
    expect(within(again).getByTestId('settings-delete-key')).toBeDisabled();
  });

  it('backs the library up and says what the backup holds', async () => {
    const { backend } = start({ images: 40, damaged: ['img-000003'] });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const status = await screen.findByTestId('settings-backup-status');
    expect(status).toHaveTextContent('One file with the database and every original');
    await fireEvent.click(screen.getByTestId('settings-backup'));
    await waitFor(() => expect(status).toHaveTextContent('Backed up 40 images'));
    expect(status).toHaveTextContent('easel-backup-2026-11-20.tar');
    expect(status).not.toHaveTextContent('/');
    expect(callsOf(backend, 'back_up_library')).toHaveLength(1);
    // The damaged original could not be part of it, and the user is told.
    expect(await screen.findByText('1 damaged or missing original(s) could not be backed up.')).toBeInTheDocument();
  });

  it('moves the library, asks for a restart, and then offers to remove the old copy', async () => {
    const { backend } = start({ images: 12 });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const status = await screen.findByTestId('settings-move-status');
    expect(status).toHaveTextContent('The old copy stays until you remove it');
    expect(screen.queryByTestId('settings-previous-library')).toBeNull();
    await fireEvent.click(screen.getByTestId('settings-move-library'));
    await waitFor(() => expect(status).toHaveTextContent('Copied and checked 12 images'));
    expect(status).toHaveTextContent('/media/user/Disk/Easel library');
    expect(screen.getByTestId('settings-move-library')).toBeDisabled();
    await fireEvent.click(screen.getByTestId('settings-restart'));
    expect(callsOf(backend, 'restart_app')).toHaveLength(1);
  });

  it('says why the library could not be opened, instead of the app, and offers to try again or quit', async () => {
    const message =
      'This library was written by a newer version of Easel (schema 15; this version knows up to 14). Update Easel to open it; nothing was changed.';
    const { backend, view } = start({
      openFailure: { code: 'database_too_new', message, folder: `/home/user/${HOSTILE}` },
    });
    const screenEl = await screen.findByTestId('open-failure');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Easel could not open its library');
    expect(screen.getByTestId('open-failure-message').textContent).toBe(message);
    expect(screen.getByTestId('open-failure-code')).toHaveTextContent('database_too_new');
    // A folder name is text, never markup.
    expect(screen.getByTestId('open-failure-folder').textContent).toBe(`/home/user/${HOSTILE}`);
    expect(view.container.querySelector('img[src="x"]')).toBeNull();
    // Nothing of the app behind it: no sidebar, no toast about the commands that failed.
    expect(screen.queryByTestId('nav-library')).toBeNull();
    expect(within(screenEl).getAllByRole('button').map((b) => b.textContent)).toEqual(['Try again', 'Quit']);
    await fireEvent.click(screen.getByTestId('open-failure-retry'));
    expect(callsOf(backend, 'restart_app')).toHaveLength(1);
    expect(screen.getByTestId('open-failure-quit')).toBeDisabled();
  });

  it('opens normally when the library opened', async () => {
    const { backend } = start({ images: 3 });
    expect(await screen.findByTestId('nav-library')).toBeInTheDocument();
    await waitFor(() => expect(callsOf(backend, 'library_open_failure')).toHaveLength(1));
    expect(screen.queryByTestId('open-failure')).toBeNull();
    // Asked once: the first answer is "open", and no notice shows.
    expect(callsOf(backend, 'library_open_stage')).toHaveLength(1);
    expect(screen.queryByTestId('library-upgrading')).toBeNull();
  });

  it('says that an older library is being updated while its views wait, then shows them', async () => {
    const { backend } = start({ images: 3, upgrade: { from: 12, to: 14 } });
    const notice = await screen.findByTestId('library-upgrading');
    expect(notice).toHaveAttribute('role', 'status');
    expect(notice).toHaveTextContent('Updating your library for this version of Easel');
    expect(notice).toHaveTextContent('quitting meanwhile loses nothing');
    expect(notice).toHaveTextContent('Library format 12 → 14');
    await fireEvent.click(screen.getByTestId('nav-library'));
    // The Library asked for its first page, which waits at the gate.
    await waitFor(() => expect(callsOf(backend, 'list_images').length).toBeGreaterThan(0));
    expect(screen.queryByTestId('gallery-item')).toBeNull();

    backend.options.upgrade = null;
    expect((await screen.findAllByTestId('gallery-item')).length).toBeGreaterThan(0);
    expect(screen.queryByTestId('library-upgrading')).toBeNull();
    expect(screen.queryByTestId('open-failure')).toBeNull();
  });

  it('keeps asking while the library is still opening, and stops once it is being updated', async () => {
    localStorage.clear();
    const backend = installBackend({ speed: 20, images: 3, upgrade: { from: 13, to: 14 } });
    // The shell says "opening" twice before the upgrade starts.
    const early = [{ stage: 'opening' }, { stage: 'opening' }];
    const asked: unknown[] = [];
    const handle = backend.handle;
    backend.handle = (cmd, args) => {
      const answer = cmd === 'library_open_stage' ? early.shift() : undefined;
      if (!answer) return handle(cmd, args);
      asked.push(answer);
      return Promise.resolve(answer);
    };
    render(App, { props: { app: new AppState() } });
    const notice = await screen.findByTestId('library-upgrading', {}, { timeout: 2000 });
    expect(notice).toHaveTextContent('Library format 13 → 14');
    expect(asked).toHaveLength(2);
    expect(callsOf(backend, 'library_open_stage')).toHaveLength(1);
    backend.options.upgrade = null;
    await waitFor(() => expect(screen.queryByTestId('library-upgrading')).toBeNull());
    await new Promise((r) => setTimeout(r, 500));
    expect(callsOf(backend, 'library_open_stage')).toHaveLength(1);
  });

  it('removes the old copy of a moved library only after a second click', async () => {
    const { backend } = start({ previousLibrary: '/home/user/.local/share/easel' });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const notice = await screen.findByTestId('settings-previous-library');
    expect(notice).toHaveTextContent('/home/user/.local/share/easel');
    await fireEvent.click(within(notice).getByTestId('settings-remove-previous'));
    expect(callsOf(backend, 'remove_previous_library')).toHaveLength(0);
    await fireEvent.click(within(notice).getByTestId('settings-remove-previous-confirm'));
    await waitFor(() => expect(screen.queryByTestId('settings-previous-library')).toBeNull());
    expect(callsOf(backend, 'remove_previous_library')).toHaveLength(1);
  });

  it('does not move a library with a damaged original, and says why', async () => {
    start({ images: 20, damaged: ['img-000004'] });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    await fireEvent.click(await screen.findByTestId('settings-move-library'));
    expect(await screen.findByText('The original file is damaged — restore it from a backup')).toBeInTheDocument();
    expect(screen.getByTestId('settings-move-status')).toHaveTextContent('The old copy stays until you remove it');
  });

  it('shows the error when the key test fails', async () => {
    start({ testProviderError: { code: 'auth', message: 'Incorrect API key provided.' } });
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const card = await screen.findByTestId('provider-settings-openai');
    await fireEvent.click(within(card).getByTestId('settings-test'));
    const err = await within(card).findByTestId('settings-test-error');
    expect(err).toHaveTextContent('The API key was rejected — check it in Settings');
    expect(err).toHaveTextContent('Incorrect API key provided.');
  });
});

describe('generate', () => {
  it('welcomes a first run without a key and keeps Generate off', async () => {
    const { app } = start({ keyPresent: false, stabilityFromEnv: false });
    const welcome = await screen.findByTestId('welcome-panel');
    expect(welcome).toHaveTextContent('OPENAI_API_KEY');
    expect(welcome).toHaveTextContent('FIREFLY_SERVICES_CLIENT_SECRET');
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'a fox' } });
    expect(screen.getByTestId('generate-button')).toBeDisabled();
    expect(screen.getByTestId('generate-hint')).toHaveTextContent('Set up OpenAI in Settings first.');
    expect(screen.getByTestId('provider-setup-hint')).toHaveTextContent('or set OPENAI_API_KEY in the environment');
    await fireEvent.click(screen.getByText('Browse the Library'));
    expect(app.nav.view).toBe('library');
  });

  it('shows the images kept and says what was lost when only part of an answer was stored', async () => {
    const { app } = start({ storeAtMost: 1 });
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await app.jobs.start({ provider: 'openai', model: 'gpt-image-1', prompt: 'three herons', params: { n: 3 } });
    const item = await screen.findByTestId('job-item');
    await waitFor(() => expect(item.dataset.stage).toBe('done'), { timeout: 3000 });
    expect(within(item).getAllByTestId('job-result')).toHaveLength(1);
    const err = within(item).getByTestId('job-error');
    expect(err).toHaveTextContent('Not every image could be stored — the ones shown were kept');
    expect(err).toHaveTextContent('Only 1 of the 3 images');
  });

  it('runs a generation and shows the stored results', async () => {
    const { backend, app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    const counter = screen.getByTestId('prompt-counter');
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'a red fox' } });
    expect(counter).toHaveTextContent('9 / 32,000');
    await fireEvent.keyDown(screen.getByTestId('prompt-input'), { key: 'Enter', ctrlKey: true });
    const item = await screen.findByTestId('job-item');
    await waitFor(() => expect(item.dataset.stage).toBe('done'), { timeout: 3000 });
    expect(within(item).getByTestId('job-stage')).toHaveTextContent('Done');
    const results = within(item).getAllByTestId('job-result');
    expect(results).toHaveLength(1);
    const img = results[0].querySelector('img') as HTMLImageElement;
    expect(img.src).toMatch(/^easel:\/\/localhost\/img-000500%2Fthumb-small$/);
    const request = callsOf(backend, 'start_generation')[0].args.request as { model: string; params: Record<string, unknown> };
    expect(request.model).toBe('gpt-image-1.5');
    expect(request.params).toMatchObject({ n: 1, size: 'auto', quality: 'auto', output_format: 'png' });
    expect(screen.getByTestId('job-announcement')).toHaveTextContent('Generation done (1 image): a red fox');
    await fireEvent.click(results[0]);
    expect(app.nav.imageId).toBe('img-000500');
  });

  it('shows the text for the error code at the job', async () => {
    const { app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'fail:quota' } });
    await fireEvent.click(screen.getByTestId('generate-button'));
    const err = await screen.findByTestId('job-error', {}, { timeout: 3000 });
    expect(err).toHaveTextContent('Quota used up — check billing on your provider account');
    expect(err).toHaveTextContent('You exceeded your current quota');
  });

  it('cancels a running job', async () => {
    const { backend, app } = start({ speed: 1 });
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'slow one' } });
    await fireEvent.click(screen.getByTestId('generate-button'));
    const item = await screen.findByTestId('job-item');
    const cancel = within(item).getByTestId('job-cancel');
    await waitFor(() => expect(cancel).toBeEnabled());
    await fireEvent.click(cancel);
    await waitFor(() => expect(item.dataset.stage).toBe('cancelled'), { timeout: 2000 });
    expect(callsOf(backend, 'cancel_job')).toHaveLength(1);
    expect(within(item).queryByTestId('job-error')).toBeNull();
  });

  it('greys models the key cannot use and explains an unreachable provider', async () => {
    start({ accessibleModels: ['gpt-image-1.5'] });
    const option = (await screen.findByRole('option', { name: /GPT Image 2/ })) as HTMLOptionElement;
    await waitFor(() => expect(option.disabled).toBe(true));
    expect(option.textContent).toContain('not available for your key');
    cleanup();
    const { app } = start({ testProviderError: { code: 'network', message: 'dns error' } });
    await waitFor(() => expect(app.catalog.unreachable.openai).toBeDefined());
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'a fox' } });
    expect(screen.getByTestId('generate-button')).toBeDisabled();
    expect(screen.getByTestId('generate-hint')).toHaveTextContent("Can't reach OpenAI");
  });

  it('validates custom sizes live', async () => {
    const { app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'a wide harbour' } });
    await fireEvent.change(screen.getByTestId('model-select'), { target: { value: 'gpt-image-2' } });
    await fireEvent.change(screen.getByTestId('size-select'), { target: { value: 'custom' } });
    const width = screen.getByTestId('custom-width');
    await fireEvent.input(width, { target: { value: '1000' } });
    expect(screen.getByTestId('custom-size-help')).toHaveTextContent('multiples of 16');
    expect(width).toHaveAttribute('aria-invalid', 'true');
    await fireEvent.input(width, { target: { value: '1536' } });
    await fireEvent.input(screen.getByTestId('custom-height'), { target: { value: '864' } });
    expect(screen.getByTestId('custom-size-help')).toHaveTextContent('Multiples of 16');
    expect(app.generate.request()?.params.size).toBe('1536x864');
  });
});

describe('export dialog', () => {
  it('puts licence flags first, plans live and exports to the chosen folder', async () => {
    const { backend, app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    app.nav.openExport(['img-000004', 'img-000005', 'img-000007']);
    const dialog = await screen.findByTestId('export-dialog');
    const flags = await within(dialog).findByTestId('export-flags');
    expect(within(flags).getAllByTestId('export-flag').map((f) => f.dataset.kind)).toEqual(['unknown_terms', 'non_commercial']);
    await within(dialog).findByText('1024 × 1792 px');
    await fireEvent.change(within(dialog).getByTestId('export-size-kind'), { target: { value: 'long_edge' } });
    await fireEvent.input(within(dialog).getByTestId('export-long-edge'), { target: { value: '768' } });
    await within(dialog).findByText('439 × 768 px');
    const plan = callsOf(backend, 'plan_export').at(-1)!.args as { options: { size: unknown; include_prompt: boolean } };
    expect(plan.options.size).toEqual({ kind: 'long_edge', px: 768 });
    expect(plan.options.include_prompt).toBe(false); // the settings default
    expect(within(dialog).getByTestId('export-run')).toBeDisabled();
    await fireEvent.click(within(dialog).getByTestId('export-choose-folder'));
    await within(dialog).findByText('/home/user/Pictures/Easel export');
    expect(within(dialog).getByTestId('export-run')).toBeDisabled();
    await fireEvent.click(within(dialog).getByTestId('export-acknowledge'));
    await fireEvent.click(within(dialog).getByTestId('export-run'));
    expect(await within(dialog).findByTestId('export-result')).toHaveTextContent('Exported 3 files');
    expect(within(dialog).queryByTestId('export-error')).toBeNull();
    const exported = callsOf(backend, 'export_images')[0].args;
    expect(exported.outDir).toBe('/home/user/Pictures/Easel export');
    expect(exported.ids).toEqual(['img-000004', 'img-000005', 'img-000007']);
  });

  it('prefills alt text from a single image and copies its credit line', async () => {
    const { backend, app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    app.nav.openExport(['img-000001']);
    const alt = (await screen.findByTestId('export-alt')) as HTMLTextAreaElement;
    await waitFor(() => expect(alt.value).toBe('A red fox at dawn #1'));
    await fireEvent.click(screen.getByTestId('copy-credit-line'));
    await waitFor(() => expect(callsOf(backend, 'copy_credit_line')[0]?.args).toEqual({ id: 'img-000001' }));
    await fireEvent.keyDown(screen.getByTestId('export-dialog'), { key: 'Escape' });
    expect(app.nav.exportIds).toBeNull();
  });
});

describe('the window reopens where work was left', () => {
  it('opens on Generate the first time, on the Library after it was left there, and not on Settings', async () => {
    const first = start({ images: 3 });
    expect(first.app.nav.view).toBe('generate');
    await fireEvent.click(screen.getByTestId('nav-library'));
    await screen.findAllByTestId('gallery-item');
    await fireEvent.click(screen.getByTestId('nav-settings'));
    cleanup();
    disposeBackend();

    // A new window (as after a restart) shares the webview's storage.
    installBackend({ speed: 20, images: 3 });
    const again = new AppState();
    render(App, { props: { app: again } });
    expect(again.nav.view).toBe('library');
    expect(screen.getByTestId('nav-library')).toHaveAttribute('aria-current', 'page');
    expect((await screen.findAllByTestId('gallery-item')).length).toBeGreaterThan(0);

    again.nav.go('generate');
    expect(new AppState().nav.view).toBe('generate');
  });

  it('still moves between pages when storage refuses to keep or give anything', () => {
    const set = vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const get = vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    try {
      const app = new AppState();
      expect(app.nav.view).toBe('generate');
      app.nav.go('library');
      expect(app.nav.view).toBe('library');
      expect(set).toHaveBeenCalled();
      app.generate.prompt = 'a lighthouse';
      app.generate.saveDraft();
    } finally {
      set.mockRestore();
      get.mockRestore();
    }
  });

  it('opens on Generate when what was stored is not a page it reopens on', () => {
    localStorage.setItem('easel.view.v1', '<script>settings</script>');
    expect(new AppState().nav.view).toBe('generate');
    localStorage.setItem('easel.view.v1', 'settings');
    expect(new AppState().nav.view).toBe('generate');
  });
});

describe('live library', () => {
  it('re-queries on library-changed and tells a user elsewhere that images are ready', async () => {
    const { backend, app } = start();
    await waitFor(() => expect(app.library.items.length).toBe(200));
    await fireEvent.click(screen.getByTestId('nav-library'));
    const before = callsOf(backend, 'list_images').length;
    await app.jobs.start({ provider: 'openai', model: 'gpt-image-1', prompt: 'a snow owl', params: { n: 2 } });
    await waitFor(() => expect(app.library.items[0].prompt).toBe('a snow owl'), { timeout: 3000 });
    expect(callsOf(backend, 'list_images').length).toBeGreaterThan(before);
    const toast = await screen.findByText('2 images are ready');
    await fireEvent.click(within(toast.closest('[data-testid="toast"]') as HTMLElement).getByTestId('toast-action'));
    expect(app.nav.imageId).toBe(app.jobs.jobs[0].imageIds[0]);
  });
});

describe('jobs that cannot start', () => {
  it('show the rejection at the job', async () => {
    const { app } = start({ keyPresent: false });
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await app.jobs.start({ provider: 'openai', model: 'gpt-image-1', prompt: 'x', params: {} });
    const item = await screen.findByTestId('job-item');
    expect(item.dataset.stage).toBe('failed');
    expect(within(item).getByTestId('job-error')).toHaveTextContent('The API key was rejected — check it in Settings');
    expect(within(item).queryByTestId('job-cancel')).toBeNull();
  });
});

describe('providers in Generate', () => {
  it('lists every provider with whether it is set up, and explains how to set one up', async () => {
    const { app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    const getty = await screen.findByTestId('provider-option-getty');
    expect(getty).toHaveTextContent('Not set up');
    expect(screen.getByTestId('provider-option-openai')).toHaveTextContent('Set up');
    expect(screen.getByTestId('provider-option-stability')).toHaveTextContent('Set up');
    await fireEvent.click(getty);
    const hint = await screen.findByTestId('provider-setup-hint');
    expect(hint).toHaveTextContent('Add its API key and API secret in Settings, or set GETTY_API_KEY and GETTY_API_SECRET');
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'a fox' } });
    expect(screen.getByTestId('generate-button')).toBeDisabled();
  });

  it('renders Stability controls from its parameters and sends a locked seed', async () => {
    const { backend, app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.click(await screen.findByTestId('provider-option-stability'));
    await fireEvent.change(screen.getByTestId('model-select'), { target: { value: 'ultra' } });
    expect(screen.getByTestId('credit-cost')).toHaveTextContent('8 credits per image');
    await fireEvent.click(screen.getByTestId('aspect-ratio-16:9'));
    expect(screen.getByTestId('aspect-ratio-16:9')).toHaveAttribute('aria-checked', 'true');
    await fireEvent.change(screen.getByTestId('param-style'), { target: { value: 'cinematic' } });
    await fireEvent.input(screen.getByTestId('param-negative_prompt'), { target: { value: 'text, watermark' } });
    expect(screen.getByTestId('seed-input')).toBeDisabled();
    await fireEvent.click(screen.getByTestId('seed-lock'));
    await fireEvent.input(screen.getByTestId('seed-input'), { target: { value: '1234' } });
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'a fox in the snow' } });
    await fireEvent.click(screen.getByTestId('generate-button'));
    await waitFor(() => expect(callsOf(backend, 'start_generation')).toHaveLength(1));
    const sent = callsOf(backend, 'start_generation')[0].args.request;
    expect(sent).toEqual({
      provider: 'stability',
      model: 'ultra',
      prompt: 'a fox in the snow',
      params: { aspect_ratio: '16:9', style: 'cinematic', seed: 1234, output_format: 'png', negative_prompt: 'text, watermark' },
    });
    const item = await screen.findByTestId('job-item');
    await waitFor(() => expect(item.dataset.stage).toBe('done'), { timeout: 3000 });
  });

  it('refuses an out-of-range seed locally', async () => {
    const { app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.click(await screen.findByTestId('provider-option-stability'));
    await fireEvent.click(screen.getByTestId('seed-lock'));
    await fireEvent.input(screen.getByTestId('seed-input'), { target: { value: '99999999999' } });
    await fireEvent.input(screen.getByTestId('prompt-input'), { target: { value: 'a fox' } });
    expect(screen.getByTestId('param-seed-problem')).toHaveTextContent('Seed must be from 0 to 4294967294');
    expect(screen.getByTestId('generate-button')).toBeDisabled();
  });

  it('commercially safe mode hides models without an indemnity, says why, and is remembered', async () => {
    const { app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.click(await screen.findByTestId('provider-option-stability'));
    await fireEvent.click(screen.getByTestId('safe-mode-switch'));
    expect(screen.queryByTestId('provider-option-stability')).toBeNull();
    expect(screen.getByTestId('provider-option-getty')).toBeInTheDocument();
    expect(screen.getByTestId('safe-mode-hidden')).toHaveTextContent('Stability AI: its terms offer no indemnity for the images.');
    // The selection moved to a provider still offered.
    expect(app.generate.providerId).not.toBe('stability');
    expect(localStorage.getItem('easel.commercially-safe-only.v1')).toBe('true');
    cleanup();
    // start() clears storage; keep the switch this time.
    const backend = installBackend({ speed: 20 });
    localStorage.setItem('easel.commercially-safe-only.v1', 'true');
    const again = new AppState();
    render(App, { props: { app: again } });
    await waitFor(() => expect(again.catalog.loaded).toBe(true));
    expect(again.generate.safeOnly).toBe(true);
    expect(screen.getByTestId('safe-mode-switch')).toBeChecked();
    expect(callsOf(backend, 'get_catalog').length).toBeGreaterThan(0);
  });

  it('shows a held job counting down with the provider name, then the provider at work', async () => {
    const { app } = start({ speed: 1 });
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await app.jobs.start({ provider: 'stability', model: 'core', prompt: 'held: a fox', params: {} });
    const stage = await screen.findByTestId('job-stage');
    await waitFor(() => expect(stage).toHaveTextContent(/Waiting for Stability AI's rate limit — [45] s/));
    await waitFor(() => expect(stage).toHaveTextContent('Stability AI is working on it (check'), { timeout: 8000 });
  }, 12_000);
});

describe('provider cards in Settings', () => {
  it('show each field, where it comes from, and save, test and delete per provider', async () => {
    const { backend, app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const stability = await screen.findByTestId('provider-settings-stability');
    expect(within(stability).getByTestId('settings-key-status')).toHaveTextContent('API key from STABILITY_API_KEY (overrides a saved value)');
    expect(within(stability).getByTestId('settings-env-note')).toHaveTextContent('STABILITY_API_KEY is set in the environment');
    expect(within(stability).getByTestId('settings-delete-key')).toBeDisabled();
    // Stability offers no free check of a key: Test never claims that it works.
    await fireEvent.click(within(stability).getByTestId('settings-test'));
    const stabilityResult = await within(stability).findByTestId('settings-test-result');
    expect(stabilityResult).toHaveTextContent('offers no way to check a key without generating');
    expect(stabilityResult).not.toHaveTextContent('works —');

    const getty = screen.getByTestId('provider-settings-getty');
    expect(within(getty).getByTestId('settings-configured')).toHaveTextContent('Not set up');
    const key = within(getty).getByTestId('settings-key-input') as HTMLInputElement;
    const secret = within(getty).getByTestId('settings-field-api_secret') as HTMLInputElement;
    // The client id of Getty is not secret; the secret is masked.
    expect(key.type).toBe('text');
    expect(secret.type).toBe('password');
    expect(within(getty).getByTestId('settings-test')).toBeDisabled();
    await fireEvent.input(key, { target: { value: 'getty-key-123456' } });
    await fireEvent.input(secret, { target: { value: 'getty-secret-123456' } });
    await fireEvent.click(within(getty).getByTestId('settings-save'));
    await waitFor(() => expect(within(getty).getByTestId('settings-configured')).toHaveTextContent('Set up'));
    expect(callsOf(backend, 'set_credential').map((c) => c.args)).toEqual([
      { provider: 'getty', field: 'api_key', value: 'getty-key-123456' },
      { provider: 'getty', field: 'api_secret', value: 'getty-secret-123456' },
    ]);
    expect(key.value).toBe('');
    expect(getty.textContent).not.toContain('getty-secret-123456');
    expect(await within(getty).findByTestId('settings-test-result')).toHaveTextContent('Credentials work');
    expect(callsOf(backend, 'test_provider').some((c) => c.args.provider === 'getty')).toBe(true);
    await fireEvent.click(within(getty).getByTestId('settings-delete-key'));
    await waitFor(() => expect(within(getty).getByTestId('settings-configured')).toHaveTextContent('Not set up'));
    expect(callsOf(backend, 'delete_credentials')[0].args).toEqual({ provider: 'getty' });
    expect(app.catalog.hasKey('getty')).toBe(false);
  });
});

describe('badges', () => {
  it('show on tiles and in the image view, with the licence status in the panel', async () => {
    const { app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    // In the fake library image 2 is a filtered Stability image, 8 a Getty preview, 18 licensed.
    app.nav.openImage('img-000002');
    expect(await screen.findByTestId('image-badge-filtered')).toHaveTextContent('Filtered');
    expect(screen.getByTestId('filtered-explanation')).toHaveTextContent("Stability AI's content filter");
    app.nav.openImage('img-000008');
    expect(await screen.findByTestId('image-badge-preview')).toHaveTextContent('Preview — license before use');
    expect(screen.getByTestId('license-status')).toHaveTextContent('Preview — not licensed');
    app.nav.openImage('img-000018');
    expect(await screen.findByTestId('image-badge-licensed')).toHaveTextContent('Licensed');
    expect(await screen.findByTestId('license-transaction')).toHaveTextContent('GI-TX-100018');
  });
});
