import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import App from '../../src/App.svelte';
import { AppState } from '$lib/state/app.svelte';
import { callsOf, disposeBackend, installBackend } from './harness';

function start(opts: Parameters<typeof installBackend>[0] = {}) {
  localStorage.clear();
  const backend = installBackend({ speed: 20, ...opts });
  const app = new AppState();
  render(App, { props: { app } });
  return { backend, app };
}

afterEach(() => {
  cleanup();
  disposeBackend();
  clearMocks();
});

describe('organising in the window', () => {
  it('rates the open image with keys 0-5, but not while typing in the note', async () => {
    const { backend, app } = start();
    app.nav.openImage(backend.images[0].id);
    await screen.findByTestId('image-rating');
    await fireEvent.keyDown(document.body, { key: '3' });
    await waitFor(() => expect(screen.getByTestId('rating-value')).toHaveTextContent('3 of 5'));
    expect(callsOf(backend, 'set_rating').at(-1)?.args).toEqual({ selection: { kind: 'ids', ids: [backend.images[0].id] }, rating: 3 });
    const note = screen.getByTestId('image-note');
    await fireEvent.keyDown(note, { key: '5' });
    expect(screen.getByTestId('rating-value')).toHaveTextContent('3 of 5');
    await fireEvent.keyDown(document.body, { key: '0' });
    await waitFor(() => expect(screen.getByTestId('rating-value')).toHaveTextContent('Not rated'));
  });

  it('lists boards and tags with counts in the sidebar and opens a board view', async () => {
    const { app } = start({ boards: { Covers: ['img-000001', 'img-000002'] }, tags: { draft: ['img-000003'] } });
    const board = await screen.findByTestId('board-item');
    expect(board).toHaveTextContent('Covers');
    expect(board).toHaveTextContent('2');
    expect(await screen.findByTestId('tag-item')).toHaveTextContent('draft');
    await fireEvent.click(board);
    expect(app.nav.view).toBe('library');
    await waitFor(() => expect(screen.getByTestId('library-count')).toHaveTextContent('2 images'));
    expect(screen.getByTestId('board-title')).toHaveTextContent('Covers');
  });

  it('shows an unknown search key inline, never as "no images match"', async () => {
    const { app } = start();
    app.nav.go('library');
    const input = await screen.findByTestId('search-input');
    await fireEvent.input(input, { target: { value: 'fox colour:red' } });
    expect(await screen.findByTestId('search-error')).toHaveTextContent('"colour:" is not a search key');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByTestId('library-empty')).toBeNull();
    expect(screen.getByTestId('library-search-problem')).toBeInTheDocument();
  });
});
