import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import App from '../../src/App.svelte';
import { AppState } from '$lib/state/app.svelte';
import { callsOf, disposeBackend, installBackend } from './harness';

function start() {
  localStorage.clear();
  const backend = installBackend({ speed: 20 });
  const app = new AppState();
  render(App, { props: { app } });
  return { backend, app };
}

afterEach(() => {
  cleanup();
  disposeBackend();
  clearMocks();
});

describe('versions in the image view', () => {
  it('shows how an edit was made and steps to its parent and children', async () => {
    const { backend, app } = start();
    const [parent, child, sibling] = backend.images;
    child.parent = parent.id;
    child.operation = 'inpaint';
    sibling.parent = parent.id;
    app.nav.openImage(child.id);
    expect(await screen.findByTestId('version-made-by')).toHaveTextContent('Inpaint of its parent');
    expect(screen.getAllByTestId('version-sibling')).toHaveLength(1);
    await fireEvent.click(screen.getByTestId('version-parent'));
    await waitFor(() => expect(screen.getAllByTestId('version-child')).toHaveLength(2));
    expect(screen.queryByTestId('version-made-by')).toBeNull();
  });

  it('shows nothing for an image made from a prompt alone', async () => {
    const { backend, app } = start();
    app.nav.openImage(backend.images[0].id);
    await screen.findByTestId('license-panel');
    expect(screen.queryByTestId('version-tree')).toBeNull();
  });

  it('Vary starts variations that run in the job list', async () => {
    const { backend, app } = start();
    await waitFor(() => expect(app.catalog.loaded).toBe(true));
    app.nav.openImage(backend.images[0].id);
    await fireEvent.click(await screen.findByTestId('vary-button'));
    const item = await screen.findByTestId('job-item');
    expect(item.querySelector('.prompt')?.textContent).toContain('Variations of:');
    expect(callsOf(backend, 'start_variations')[0].args.imageId).toBe(backend.images[0].id);
    await waitFor(() => expect(app.jobs.jobs[0].stage).toBe('done'), { timeout: 5000 });
  });
});

describe('stacks in the Library', () => {
  it('badges an image with the number of versions made from it', async () => {
    const { backend } = start();
    const [parent, child, grandchild] = backend.images;
    child.parent = parent.id;
    grandchild.parent = child.id;
    await fireEvent.click(screen.getByTestId('nav-library'));
    const badges = await screen.findAllByTestId('tile-stack');
    expect(badges.map((b) => b.textContent?.trim())).toEqual(['2 versions', '1 version']);
    expect(badges[0].closest('[data-id]')?.getAttribute('data-id')).toBe(parent.id);
    expect(badges[0].closest('[data-index]')?.getAttribute('aria-label')).toContain('2 versions');
  });
});

describe('inherited terms in the licence panel', () => {
  it('says which input limits commercial use', async () => {
    const { backend, app } = start();
    const [parent, child, other] = backend.images;
    child.parent = parent.id;
    child.limited_by = 'file';
    other.parent = parent.id;
    app.nav.openImage(child.id);
    expect(await screen.findByTestId('license-limited-by')).toHaveTextContent('reference file from outside the library');
    cleanup();
    render(App, { props: { app } });
    app.nav.openImage(other.id);
    expect(await screen.findByTestId('license-inherited')).toHaveTextContent('Made from 1 image');
  });
});
