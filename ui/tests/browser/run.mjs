// Browser tests: the built UI (vite preview of ui/dist) in Debian's Chromium, driven by
// playwright-core, with the Tauri IPC replaced by the in-memory fake backend.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { imageFor } from './images.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' easel: http://easel.localhost; connect-src 'self' ipc: http://ipc.localhost; object-src 'none'; base-uri 'none'";
const here = dirname(fileURLToPath(import.meta.url));
const uiRoot = resolve(here, '../..');
const artifacts = resolve(uiRoot, '../tests/artifacts/ui');
const fakeSource = readFileSync(resolve(uiRoot, 'tests/fake/fake-backend.js'), 'utf8');
const axeSource = readFileSync(resolve(uiRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');

if (!existsSync(CHROMIUM)) {
  console.error(`Chromium not found at ${CHROMIUM}. Install it with: apt-get install -y chromium (never 'npx playwright install').`);
  process.exit(1);
}
if (!existsSync(resolve(uiRoot, 'dist/index.html'))) {
  console.error('ui/dist is missing: run `npm run build` first (npm run test:browser does).');
  process.exit(1);
}
mkdirSync(artifacts, { recursive: true });

let server;
let baseUrl;
let browser;
const jpegs = new Map();

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

async function waitForServer(url, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`vite preview did not come up at ${url}`);
}

before(async () => {
  const port = await freePort();
  server = spawn(process.execPath, [resolve(uiRoot, 'node_modules/vite/bin/vite.js'), 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: uiRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  baseUrl = `http://127.0.0.1:${port}/`;
  await waitForServer(baseUrl);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  // JPEG originals are encoded by the browser itself (node has no JPEG encoder).
  const page = await browser.newPage();
  for (const [w, h] of [[1024, 1024], [1536, 1024], [1024, 1536], [1792, 1024], [1024, 1792]]) {
    const b64 = await page.evaluate(([w, h]) => {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const g = c.getContext('2d');
      const grad = g.createLinearGradient(0, 0, w, h);
      grad.addColorStop(0, '#3b5bdb');
      grad.addColorStop(1, '#f08c00');
      g.fillStyle = grad;
      g.fillRect(0, 0, w, h);
      return c.toDataURL('image/jpeg', 0.8).split(',')[1];
    }, [w, h]);
    jpegs.set(`${w}x${h}`, Buffer.from(b64, 'base64'));
  }
  await page.close();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** A fresh page on the app with the fake backend; fails the test on any console error. */
async function openApp(t, { viewport = { width: 1280, height: 800 }, colorScheme = 'light', backend = {}, ready = 'nav-generate' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  const errors = [];
  let imageRequests = 0;
  await context.addInitScript({ content: `${fakeSource}\n;globalThis.__easelFake.installFakeTauri(${JSON.stringify({ images: 10000, ...backend })});` });
  await context.route(/^easel:\/\//, (route) => {
    imageRequests++;
    const path = decodeURIComponent(new URL(route.request().url()).pathname.slice(1));
    const [id, variant] = path.split('/');
    const { type, body } = imageFor(id, variant, jpegs);
    return route.fulfill({ status: 200, contentType: type, body });
  });
  // Serve the app under the strict CSP the desktop shell uses, so anything needing
  // 'unsafe-inline' or a remote asset shows up as a console error and fails the test.
  await context.route((url) => url.href.startsWith(baseUrl), async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    return route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(baseUrl);
  await page.getByTestId(ready).waitFor();
  t.after(async () => {
    // What the page showed when a test failed, for the artifacts.
    if (process.env.EASEL_SHOT_ON_EXIT) await page.screenshot({ path: resolve(artifacts, `last-${t.name.replace(/[^\w-]+/g, '_')}.png`) }).catch(() => {});
    await context.close();
  });
  return {
    page,
    context,
    errors,
    imageRequests: () => imageRequests,
    assertClean: () => assert.deepEqual(errors, [], `console errors:\n${errors.join('\n')}`),
  };
}

/** axe-core accessibility audit of what is on screen; serious and critical findings fail. */
async function checkA11y(page, name) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }, axeSource);
  assert.deepEqual(violations, [], `accessibility problems in ${name}:\n${violations.join('\n')}`);
}

const shot = (page, name) => page.screenshot({ path: resolve(artifacts, `${name}.png`) });

async function imagesLoaded(page, selector) {
  await page.waitForFunction(
    (sel) => {
      const imgs = [...document.querySelectorAll(sel)];
      return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    selector,
    { timeout: 10000 },
  );
}

describe('a library that could not be opened', () => {
  const failure = {
    code: 'database_too_new',
    message:
      'This library was written by a newer version of Easel (schema 15; this version knows up to 14). Update Easel to open it; nothing was changed.',
    folder: '/home/user/.local/share/easel',
  };
  for (const { viewport, colorScheme } of [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ]) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    test(`at ${tag}: the window says why and where, with nothing of the app behind it`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme, ready: 'open-failure', backend: { openFailure: failure } });
      assert.equal(await page.getByTestId('open-failure-message').textContent(), failure.message);
      assert.equal(await page.getByTestId('open-failure-folder').textContent(), failure.folder);
      assert.equal(await page.getByTestId('nav-generate').count(), 0);
      // Everything fits: no scrolling needed to reach the buttons.
      const quit = await page.getByTestId('open-failure-quit').boundingBox();
      assert.ok(quit && quit.y + quit.height <= viewport.height, `Quit is on screen at ${tag}`);
      await shot(page, `open-failure-${tag}`);
      await checkA11y(page, `open failure ${tag}`);
      assertClean();
    });
  }
});

describe('an older library being updated as it opens', () => {
  for (const { viewport, colorScheme } of [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ]) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    test(`at ${tag}: the window says so over the waiting views, then shows the library`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme, ready: 'library-upgrading', backend: { upgrade: { from: 12, to: 14 } } });
      await page.getByTestId('nav-library').click();
      const notice = page.getByTestId('library-upgrading');
      assert.match(await notice.textContent(), /Updating your library for this version of Easel/);
      // Nothing claims the library is empty while it waits.
      assert.doesNotMatch(await page.locator('main').textContent(), /\b0 images\b|No images/);
      const box = await notice.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height, `the notice fits at ${tag}`);
      await shot(page, `library-upgrading-${tag}`);
      await checkA11y(page, `library upgrading ${tag}`);
      await page.evaluate(() => (window.__easelBackend.options.upgrade = null));
      await page.getByTestId('gallery-item').first().waitFor();
      await notice.waitFor({ state: 'detached' });
      assertClean();
    });
  }
});

describe('every view renders cleanly', () => {
  const runs = [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ];
  for (const { viewport, colorScheme } of runs) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    test(`views at ${tag}`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme });
      await page.getByTestId('prompt-input').fill('A lighthouse on a cliff at dawn, watercolour');
      await shot(page, `generate-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `generate ${tag}`);

      await page.getByTestId('nav-library').click();
      await page.getByTestId('gallery-item').first().waitFor();
      await imagesLoaded(page, '[data-testid="gallery-item"] img');
      await shot(page, `library-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `library ${tag}`);

      await page.getByTestId('gallery-item').nth(2).dblclick();
      await page.getByTestId('license-panel').waitFor();
      await imagesLoaded(page, '[data-testid="image-original"]');
      await shot(page, `image-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `image view ${tag}`);

      await page.getByTestId('export-button').click();
      await page.getByTestId('export-dialog').waitFor();
      await page.getByTestId('export-plan').getByText(' px').waitFor();
      await shot(page, `export-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `export dialog ${tag}`);
      await page.keyboard.press('Escape');
      await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
      await page.getByTestId('image-back').click();

      await page.getByTestId('nav-settings').click();
      await page.getByTestId('provider-settings-firefly').waitFor();
      await shot(page, `settings-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `settings ${tag}`);
      assertClean();
    });
  }

  test('dark theme and first run without a key', async (t) => {
    const { page, assertClean } = await openApp(t, { colorScheme: 'dark', backend: { keyPresent: false, stabilityFromEnv: false, images: 0 } });
    await page.getByTestId('welcome-panel').waitFor();
    assert.equal(await page.getByTestId('generate-button').isDisabled(), true);
    await shot(page, 'welcome-dark-1280x800');
    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-empty').waitFor();
    await shot(page, 'library-empty-dark-1280x800');
    assertClean();
    // The CSP really is in force: an inline script is refused.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      return window.__inlineRan === true;
    });
    assert.equal(ran, false);
  });
});

test('a generation streams its stages and shows the result', async (t) => {
  const { page, assertClean } = await openApp(t, { backend: { speed: 2 } });
  await page.getByTestId('prompt-input').fill('retry: a paper boat on a pond');
  await page.getByTestId('prompt-input').press('Control+Enter');
  const job = page.getByTestId('job-item').first();
  await job.waitFor();
  await page.getByTestId('job-stage').getByText(/Waiting to retry in \d s/).waitFor();
  const first = await page.getByTestId('job-stage').textContent();
  await page.waitForTimeout(1100);
  const later = await page.getByTestId('job-stage').textContent();
  assert.notEqual(first, later, 'the retry countdown should move');
  await shot(page, 'generate-retrying-1280x800');
  await page.locator('[data-testid="job-item"][data-stage="done"]').waitFor({ timeout: 10000 });
  await imagesLoaded(page, '[data-testid="job-result"] img');

  // A second and third job run side by side; one fails with a clear message.
  await page.getByTestId('prompt-input').fill('fail:safety something');
  await page.getByTestId('generate-button').click();
  await page.getByTestId('prompt-input').fill('slow: a koi pond');
  await page.getByTestId('generate-button').click();
  await page.getByTestId('job-error').getByText("Prompt refused by the provider's safety system").waitFor();
  assert.equal(await page.getByTestId('job-item').count(), 3);
  await page.getByTestId('job-cancel').first().click();
  await page.locator('[data-testid="job-item"][data-stage="cancelled"]').waitFor();
  await shot(page, 'generate-jobs-1280x800');

  await page.getByTestId('job-result').first().click();
  await page.getByTestId('license-panel').waitFor();
  assert.match(await page.getByTestId('image-prompt').textContent(), /paper boat/);
  assertClean();
});

test('offline: Generate says why it cannot run', async (t) => {
  const { page, context, assertClean } = await openApp(t);
  await page.getByTestId('prompt-input').fill('a lighthouse');
  assert.equal(await page.getByTestId('generate-button').isEnabled(), true);
  await context.setOffline(true);
  await page.getByTestId('generate-hint').getByText('You are offline').waitFor();
  assert.equal(await page.getByTestId('generate-button').isDisabled(), true);
  await page.getByRole('status').getByText('Offline').waitFor();
  await shot(page, 'generate-offline-1280x800');
  await context.setOffline(false);
  await page.waitForFunction(() => !document.querySelector('[data-testid="generate-button"]').disabled);
  assertClean();
});

test('library scroll keeps the DOM small and pages by cursor', async (t) => {
  const { page, assertClean } = await openApp(t);
  await page.getByTestId('nav-library').click();
  await page.getByTestId('gallery-item').first().waitFor();
  const grid = page.getByTestId('gallery');
  let maxTiles = 0;
  const started = Date.now();
  for (let i = 0; i < 40; i++) {
    await grid.evaluate((el) => el.scrollBy(0, el.clientHeight * 3));
    await page.waitForTimeout(40);
    maxTiles = Math.max(maxTiles, await page.getByTestId('gallery-item').count());
  }
  const loaded = Number(await page.getByTestId('gallery').getAttribute('data-loaded'));
  console.log(`# scrolled 40 screens in ${Date.now() - started} ms; ${loaded} summaries loaded; at most ${maxTiles} tiles in the DOM`);
  assert.ok(loaded >= 1000, `pages should load while scrolling (loaded ${loaded})`);
  assert.ok(maxTiles <= 80, `only visible rows should be in the DOM (saw ${maxTiles})`);
  const visibleIndex = Number(await page.getByTestId('gallery-item').first().getAttribute('data-index'));
  assert.ok(visibleIndex > 500, `the window should have moved down (first rendered index ${visibleIndex})`);
  await imagesLoaded(page, '[data-testid="gallery-item"] img');
  await shot(page, 'library-scrolled-1280x800');

  // Smoothness: scroll one step per animation frame back up through what is loaded, timing frames.
  const frames = await grid.evaluate(async (el) => {
    const times = [];
    let last = performance.now();
    for (let i = 0; i < 120; i++) {
      el.scrollTop = Math.max(0, el.scrollTop - 400);
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
  });
  console.log(`# scroll frames: median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms`);
  assert.ok(frames.median < 50, `scrolling should stay smooth (median frame ${frames.median} ms)`);
  assertClean();
});

test('100,000 images: the scroll bar spans them all, End goes straight to the last, a dragged bar lands in place', async (t) => {
  const { page, assertClean } = await openApp(t, { backend: { images: 100000 } });
  await page.getByTestId('nav-library').click();
  await page.getByTestId('gallery-item').first().click();
  await page.evaluate(installGridState);
  const grid = page.getByTestId('gallery');
  const started = Date.now();
  await page.getByTestId('library-count').getByText('100,000 images').waitFor({ timeout: 20000 });
  // Every position has its place from the start: the bar's length is the whole library.
  await page.waitForFunction(() => document.querySelector('[data-testid="gallery"]').dataset.total === '100000');
  // One press of End: the last image, at its place, its page found by position.
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-index') === '99999', null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), 'img-099999');
  await page.waitForFunction(() => !window.__gridState(document.querySelector('[data-testid="gallery"]')).waiting, null, { timeout: 10000 });
  const end = await grid.evaluate((el) => window.__gridState(el));
  assert.deepEqual(end.problems, []);
  assert.ok(end.loaded <= 4000 && end.offset >= 95000, `only the end is loaded (${end.loaded} after ${end.offset})`);
  await shot(page, 'library-100k-end-1280x800');
  // The bar dragged to 37 % (one jump, as a drag's last position): the images of that place.
  const dragged = await grid.evaluate(async (el) => {
    el.scrollTop = Math.round((el.scrollHeight - el.clientHeight) * 0.37);
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    await frame();
    let s = window.__gridState(el);
    for (let w = 0; w < 600 && s.waiting; w++) {
      await frame();
      s = window.__gridState(el);
    }
    return s;
  });
  assert.equal(dragged.waiting, false, 'the dragged-to rows arrive');
  assert.deepEqual(dragged.problems, []);
  const expected = 0.37 * 100000;
  assert.ok(Math.abs(dragged.firstInView - expected) < 100, `37 % down shows images near ${expected} (first in view ${dragged.firstInView})`);
  assert.ok(dragged.loaded <= 4000, `a bounded window (${dragged.loaded})`);
  const tiles = await page.getByTestId('gallery-item').count();
  const frames = await grid.evaluate(async (el) => {
    const times = [];
    let last = performance.now();
    for (let i = 0; i < 120; i++) {
      el.scrollTop += 300;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    times.sort((a, b) => a - b);
    return { median: times[60], p95: times[114], height: el.scrollHeight };
  });
  console.log(`# 100k: counted in ${Date.now() - started} ms; ${tiles} tiles in the DOM; scroll height ${frames.height} px; frames median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms`);
  assert.ok(tiles <= 80, `DOM stays small (${tiles} tiles)`);
  assert.ok(frames.median < 50, `smooth (median frame ${frames.median} ms)`);
  await imagesLoaded(page, '[data-testid="gallery-item"] img');
  await shot(page, 'library-100k-1280x800');
  assertClean();
});

test('100,000 images searched for a word: the bar spans every match, End and a dragged bar land in place', async (t) => {
  const { page, assertClean } = await openApp(t, { backend: { images: 100000 } });
  await page.getByTestId('nav-library').click();
  await page.getByTestId('gallery-item').first().waitFor();
  await page.getByTestId('search-input').fill('lighthouse');
  // The fake's prompts name a lighthouse at every twelfth image: match k is img-(12 k).
  await page.getByTestId('library-count').getByText('8,334 matches').waitFor({ timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="gallery"]').dataset.total === '8334');
  const grid = page.getByTestId('gallery');
  const state = () => grid.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const tiles = [...el.querySelectorAll('[data-testid="gallery-item"], [data-testid="gallery-placeholder"]')]
      .filter((t) => { const r = t.getBoundingClientRect(); return r.bottom > box.top && r.top < box.bottom; })
      .map((t) => ({ index: Number(t.getAttribute('data-index') ?? t.getAttribute('data-placeholder-index')), id: t.getAttribute('data-id') }))
      .sort((a, b) => a.index - b.index);
    return {
      waiting: tiles.length === 0 || tiles.some((t) => t.id === null),
      wrong: tiles.filter((t) => t.id !== null && t.id !== `img-${String(12 * t.index).padStart(6, '0')}`).map((t) => `${t.index}:${t.id}`),
      firstInView: tiles[0]?.index ?? -1,
      loaded: Number(el.dataset.loaded),
    };
  });
  await page.getByTestId('gallery-item').first().click();
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-index') === '8333', null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), 'img-099996');
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="gallery"]');
    return ![...el.querySelectorAll('[data-testid="gallery-placeholder"]')].some((t) => {
      const r = t.getBoundingClientRect(), box = el.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    });
  }, null, { timeout: 10000 });
  const end = await state();
  assert.deepEqual(end.wrong, []);
  assert.ok(end.loaded < 8334, `only the end is loaded, not every match before it (${end.loaded})`);
  // The bar dragged to 60 %: the matches of that place.
  await grid.evaluate((el) => { el.scrollTop = Math.round((el.scrollHeight - el.clientHeight) * 0.6); });
  let dragged = await state();
  for (let w = 0; w < 100 && dragged.waiting; w++) {
    await page.waitForTimeout(50);
    dragged = await state();
  }
  assert.equal(dragged.waiting, false, 'the dragged-to matches arrive');
  assert.deepEqual(dragged.wrong, []);
  assert.ok(Math.abs(dragged.firstInView - 0.6 * 8334) < 40, `60 % down shows matches near ${Math.round(0.6 * 8334)} (first in view ${dragged.firstInView})`);
  await imagesLoaded(page, '[data-testid="gallery-item"] img');
  await shot(page, 'library-100k-word-1280x800');
  assertClean();
});

/** Installs `window.__gridState(el)`: what the grid shows. Every tile must hold the image of its
 *  place (the fake lists img-N at N), in reading order, none overlapping. */
function installGridState() {
  window.__gridState = (el) => {
    const tiles = [...el.querySelectorAll('[data-testid="gallery-item"], [data-testid="gallery-placeholder"]')]
      .map((t) => ({ index: Number(t.getAttribute('data-index') ?? t.getAttribute('data-placeholder-index')), id: t.getAttribute('data-id'), r: t.getBoundingClientRect() }))
      .sort((a, b) => a.index - b.index);
    const wrong = tiles.filter((t) => t.id !== null && t.id !== `img-${String(t.index).padStart(6, '0')}`).map((t) => `${t.index}:${t.id}`);
    let overlaps = 0;
    let disorder = 0;
    for (let a = 0; a < tiles.length; a++) {
      const r = tiles[a].r;
      const n = tiles[a + 1]?.r;
      if (n && !(n.top > r.top + 1 || (Math.abs(n.top - r.top) <= 1 && n.left > r.left + 1))) disorder++;
      for (let b = a + 1; b < tiles.length; b++) {
        const s = tiles[b].r;
        if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1 && s.top < r.bottom - 1) overlaps++;
      }
    }
    const box = el.getBoundingClientRect();
    const shown = (r) => r.bottom > box.top && r.top < box.bottom;
    const inView = tiles.filter((t) => shown(t.r));
    const more = el.querySelector('.more');
    return {
      problems: [...wrong.map((w) => `wrong image ${w}`), ...(overlaps ? [`${overlaps} overlaps`] : []), ...(disorder ? [`${disorder} out of order`] : [])],
      placeholders: inView.filter((t) => t.id === null).map((t) => t.index),
      waiting: inView.length === 0 || inView.some((t) => t.id === null) || (more !== null && shown(more.getBoundingClientRect())),
      firstInView: inView[0]?.index ?? -1,
      columns: inView.filter((t) => Math.abs(t.r.top - inView[0].r.top) <= 1).length,
      firstTop: inView[0] ? inView[0].r.top - box.top + el.scrollTop : 0,
      loaded: Number(el.dataset.loaded),
      offset: Number(el.dataset.offset),
      total: Number(el.dataset.total),
      scrollTop: el.scrollTop,
    };
  };
}

test('30,000 images down and back up: a bounded window slides, released rows come back in place', async (t) => {
  const { page, assertClean } = await openApp(t, { backend: { images: 40000 } });
  await page.getByTestId('nav-library').click();
  await page.getByTestId('gallery-item').first().waitFor();
  await page.evaluate(installGridState);
  const grid = page.getByTestId('gallery');
  // Ten screens a step, in the page (no round trips): after each, wait for the rows in view,
  // then check them. Rows whose page has not arrived wait as placeholders.
  const travel = (down) =>
    grid.evaluate(async (el, down) => {
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const problems = [];
      let maxLoaded = 0;
      let maxOffset = 0;
      let steps = 0;
      let s = window.__gridState(el);
      const started = performance.now();
      while (down ? s.firstInView < 30000 : s.scrollTop > 0) {
        if (++steps > 1000) return { problems: [`stuck at ${s.firstInView}`] };
        const wanted = down ? el.scrollTop + el.clientHeight * 10 : Math.max(0, el.scrollTop - el.clientHeight * 10);
        el.scrollTop = wanted;
        const set = el.scrollTop;
        await frame(); // the scroll event renders the rows; until then none are in view (waiting)
        for (let w = 0; w < 600 && (s = window.__gridState(el)).waiting; w++) await frame();
        if (s.waiting) return { problems: [`rows at ${s.firstInView} never arrived`] };
        if (!down && s.scrollTop !== set) problems.push(`the view jumped from ${set} to ${s.scrollTop}`);
        problems.push(...s.problems.map((p) => `at ${s.firstInView}: ${p}`));
        maxLoaded = Math.max(maxLoaded, s.loaded);
        maxOffset = Math.max(maxOffset, s.offset);
      }
      return { problems, maxLoaded, maxOffset, steps, ms: Math.round(performance.now() - started), state: s };
    }, down);

  const deep = await travel(true);
  assert.deepEqual(deep.problems, []);
  console.log(`# down to image ${deep.state.firstInView} in ${deep.steps} steps, ${deep.ms} ms; at most ${deep.maxLoaded} summaries loaded; ${deep.state.offset} released above`);
  assert.ok(deep.maxOffset >= 25000, `pages above should be released (offset ${deep.maxOffset})`);
  assert.ok(deep.maxLoaded <= 4000, `the loaded window stays bounded (saw ${deep.maxLoaded})`);

  // Pages arrive slowly now. Bring the top edge of the loaded window into the middle of the
  // view: released rows above it are placeholders of the same size, loaded ones below.
  await page.evaluate(() => (window.__easelBackend.options.listDelayMs = 4000));
  const edge = await grid.evaluate((el) => {
    const s = window.__gridState(el);
    const rowHeight = (s.firstTop - 16) / Math.floor(s.firstInView / s.columns);
    el.scrollTop = Math.round(16 + Math.floor(s.offset / s.columns) * rowHeight - el.clientHeight / 2);
    return { offset: s.offset, scrollTop: el.scrollTop };
  });
  await page.getByTestId('gallery-placeholder').first().waitFor();
  const waiting = await grid.evaluate((el) => window.__gridState(el));
  assert.deepEqual(waiting.problems, []);
  assert.ok(waiting.placeholders.length > 0, 'released rows show placeholders while their page is fetched');
  assert.ok(waiting.placeholders.every((i) => i < edge.offset), `placeholders only stand for released rows (${waiting.placeholders})`);
  await imagesLoaded(page, '[data-testid="gallery-item"] img');
  await shot(page, 'library-released-rows-1280x800');
  await page.evaluate(() => (window.__easelBackend.options.listDelayMs = 0));
  await page.waitForFunction(() => !window.__gridState(document.querySelector('[data-testid="gallery"]')).waiting, null, { timeout: 10000 });
  const back = await grid.evaluate((el) => window.__gridState(el));
  assert.deepEqual(back.problems, []);
  assert.equal(back.scrollTop, edge.scrollTop, 'the scroll position does not move when a page arrives');
  assert.equal(back.firstInView, waiting.firstInView, 'the same places stay in view');
  assert.equal(back.total, deep.state.total, 'the known length stays');

  // Up to the top: released pages come back by their cursors, the bottom ones are released.
  const top = await travel(false);
  assert.deepEqual(top.problems, []);
  console.log(`# back to the top in ${top.steps} steps, ${top.ms} ms; at most ${top.maxLoaded} summaries loaded`);
  assert.equal(top.state.offset, 0);
  assert.equal(top.state.firstInView, 0);
  assert.ok(top.maxLoaded <= 4000, `the loaded window stays bounded (saw ${top.maxLoaded})`);
  assert.equal(top.state.total, deep.state.total);

  // The keyboard reaches released rows: End goes to the last image (its page found by its
  // position), Home back to the first.
  await page.locator('[data-id="img-000000"]').click();
  const lastKnown = deep.state.total - 1;
  await page.keyboard.press('End');
  await page.waitForFunction((i) => document.activeElement?.getAttribute('data-index') === String(i), lastKnown, { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), `img-${String(lastKnown).padStart(6, '0')}`);
  assert.equal(await page.getByTestId('selection-count').count(), 0, 'one image selected: no bulk bar');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-id') === 'img-000000', null, { timeout: 10000 });
  const end = await grid.evaluate((el) => window.__gridState(el));
  assert.deepEqual(end.problems, []);
  assert.ok(end.loaded <= 4000);
  assertClean();
});

test('search, keyboard, favourite, delete with undo', async (t) => {
  const { page, assertClean } = await openApp(t);
  await page.getByTestId('nav-library').click();
  await page.getByTestId('search-input').fill('koi pond');
  await page.waitForFunction(() => {
    const tiles = [...document.querySelectorAll('[data-testid="gallery-item"]')];
    return tiles.length > 0 && tiles.every((el) => el.getAttribute('aria-label').includes('koi pond'));
  });
  const matches = await page.getByTestId('gallery-item').count();
  assert.ok(matches > 0);
  await page.getByTestId('search-input').fill('');
  await page.locator('[data-testid="gallery-item"][data-id="img-000000"]').waitFor();

  const firstTile = page.getByTestId('gallery-item').first();
  await firstTile.click();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-index'));
  const columns = await page.evaluate(() => {
    const tiles = [...document.querySelectorAll('[data-testid="gallery-item"]')];
    const top = tiles[0].getBoundingClientRect().top;
    return tiles.filter((el) => el.getBoundingClientRect().top === top).length;
  });
  assert.equal(Number(focused), 1 + columns);
  const id = await page.evaluate(() => document.activeElement?.getAttribute('data-id'));
  const wasFav = await page.locator(`[data-id="${id}"] .fav`).count();
  await page.keyboard.press(' ');
  await page.waitForFunction(([id, was]) => (document.querySelector(`[data-id="${id}"] .fav`) ? 1 : 0) !== was, [id, wasFav]);

  // Shift-click a range, then delete it and undo.
  await page.keyboard.press('Shift+ArrowRight');
  assert.equal(await page.getByTestId('selection-count').textContent(), '2 selected');
  await page.keyboard.press('Delete');
  await page.getByTestId('toast').getByText('2 images deleted').waitFor();
  assert.equal(await page.locator(`[data-id="${id}"]`).count(), 0);
  await page.getByTestId('toast-action').click();
  await page.locator(`[data-id="${id}"]`).waitFor();

  await page.locator(`[data-id="${id}"]`).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('image-view').waitFor();
  assertClean();
});

test('export dialog shows licence flags before exporting', async (t) => {
  const { page, assertClean } = await openApp(t);
  await page.getByTestId('nav-library').click();
  await page.getByTestId('gallery-item').first().waitFor();
  // Index 5 has unknown terms and 7 is non-commercial in the fake library.
  await page.locator('[data-id="img-000004"]').click();
  await page.locator('[data-id="img-000007"]').click({ modifiers: ['Shift'] });
  assert.equal(await page.getByTestId('selection-count').textContent(), '4 selected');
  await page.getByTestId('export-selection').click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.waitFor();
  await dialog.getByTestId('export-flags').waitFor();
  const kinds = await dialog.getByTestId('export-flag').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  assert.deepEqual(kinds.sort(), ['non_commercial', 'unknown_terms']);
  await dialog.getByTestId('export-preset').selectOption('print-a4');
  await dialog.getByTestId('export-plan').getByText('2400 × ').waitFor();
  await dialog.getByTestId('export-plan').getByText('8.00 in').waitFor();
  await dialog.getByTestId('export-format').selectOption('jpeg');
  await dialog.getByTestId('export-background').waitFor();
  await shot(page, 'export-flags-1280x800');
  assert.equal(await dialog.getByTestId('export-run').isDisabled(), true);
  await dialog.getByTestId('export-choose-folder').click();
  await dialog.getByTestId('export-folder').getByText('Easel export').waitFor();
  assert.equal(await dialog.getByTestId('export-run').isDisabled(), true, 'flagged images need an acknowledgement');
  await dialog.getByTestId('export-acknowledge').check();
  await dialog.getByTestId('export-run').click();
  await dialog.getByTestId('export-result').getByText('Exported 4 files').waitFor();
  await shot(page, 'export-done-1280x800');
  assertClean();
});

test('image view: licence panel, unknown terms, 100 % toggle, actions', async (t) => {
  const { page, assertClean } = await openApp(t);
  await page.getByTestId('nav-library').click();
  await page.locator('[data-id="img-000005"]').dblclick();
  const panel = page.getByTestId('license-panel');
  await panel.getByTestId('license-unknown').waitFor();
  await shot(page, 'image-unknown-terms-1280x800');
  const before = await page.getByTestId('image-original').boundingBox();
  await page.getByTestId('zoom-toggle').click();
  const natural = await page.getByTestId('image-original').evaluate((img) => img.naturalWidth);
  const after = await page.getByTestId('image-original').boundingBox();
  assert.ok(before.width < natural, 'fitted first');
  assert.equal(Math.round(after.width), natural);
  await page.getByTestId('copy-prompt').click();
  await page.getByTestId('toast').getByText('Prompt copied').waitFor();

  // Arrow keys step through the library order; Escape returns focus to the tile.
  await page.getByTestId('zoom-toggle').focus();
  await page.keyboard.press('ArrowRight');
  await page.getByTestId('image-prompt').getByText(/#6$/).waitFor();
  await page.getByTestId('image-back').click();
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-id') === 'img-000006');
  await page.keyboard.press('Enter');
  await page.getByTestId('image-view').waitFor();
  await page.getByTestId('edit-run-button').click();
  assert.match(await page.getByTestId('prompt-input').inputValue(), /#6$/);
  assertClean();
});

describe('providers, licences and rate limits', () => {
  const runs = [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ];
  for (const { viewport, colorScheme } of runs) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    test(`Stability controls, safe mode, provider cards and badges at ${tag}`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme, backend: { speed: 1 } });
      await page.getByTestId('provider-option-stability').click();
      await page.getByTestId('model-select').selectOption('ultra');
      await page.getByTestId('aspect-ratio-16:9').click();
      await page.getByTestId('param-style').selectOption('cinematic');
      await page.getByTestId('param-negative_prompt').fill('text, watermark');
      await page.getByTestId('seed-lock').click();
      await page.getByTestId('seed-input').fill('1234');
      await page.getByTestId('prompt-input').fill('held: a lighthouse on a cliff at dawn, watercolour');
      assert.equal(await page.getByTestId('credit-cost').textContent(), '8 credits per image');
      await shot(page, `generate-stability-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `generate stability ${tag}`);
      await page.getByTestId('generate-button').click();
      const stage = page.getByTestId('job-stage').first();
      await stage.getByText(/Waiting for Stability AI's rate limit — \d s/).waitFor();
      const first = await stage.textContent();
      // The countdown moves on its own (no new event arrives while held).
      await page.waitForFunction(
        (before) => {
          const now = document.querySelector('[data-testid="job-stage"]')?.textContent;
          return now !== before && /rate limit — \d s/.test(now ?? '');
        },
        first,
        { timeout: 4000 },
      );
      await shot(page, `generate-held-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `held job ${tag}`);
      await page.locator('[data-testid="job-item"][data-stage="done"]').waitFor({ timeout: 15000 });

      await page.getByTestId('safe-mode-switch').check();
      await page.getByTestId('safe-mode-hidden').locator('summary').click();
      await page.getByTestId('safe-mode-hidden').getByText('Stability AI').waitFor();
      assert.equal(await page.getByTestId('provider-option-stability').count(), 0);
      await page.getByTestId('provider-option-getty').click();
      await page.getByTestId('provider-setup-hint').waitFor();
      await shot(page, `generate-safe-mode-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `safe mode ${tag}`);

      await page.getByTestId('nav-library').click();
      await page.locator('[data-id="img-000008"] [data-testid="tile-badge-preview"]').waitFor();
      await page.locator('[data-id="img-000002"] [data-testid="tile-badge-filtered"]').waitFor();
      await imagesLoaded(page, '[data-testid="gallery-item"] img');
      await shot(page, `library-badges-${tag}`);
      await page.locator('[data-id="img-000002"]').dblclick();
      await page.getByTestId('filtered-explanation').waitFor();
      await imagesLoaded(page, '[data-testid="image-original"]');
      await shot(page, `image-filtered-${tag}`);
      await page.getByTestId('image-back').click();
      // Only Getty's images: previews and a licensed file near the top at any window size.
      await page.getByTestId('filter-provider').selectOption('getty');
      await page.locator('[data-id="img-000018"] [data-testid="tile-badge-licensed"]').waitFor();
      await page.locator('[data-id="img-000018"]').dblclick();
      await page.getByTestId('license-transaction').waitFor();
      await imagesLoaded(page, '[data-testid="image-original"]');
      await shot(page, `image-licensed-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `licensed image ${tag}`);
      await page.getByTestId('image-back').click();

      await page.getByTestId('nav-settings').click();
      const getty = page.getByTestId('provider-settings-getty');
      await getty.getByTestId('settings-key-input').fill('getty-key-123456');
      await getty.getByTestId('settings-field-api_secret').fill('getty-secret-123456');
      await getty.getByTestId('settings-save').click();
      await getty.getByTestId('settings-test-result').waitFor();
      assert.equal(await page.content().then((html) => html.includes('getty-secret-123456')), false);
      await page.getByTestId('provider-settings-stability').getByTestId('settings-env-note').waitFor();
      await shot(page, `settings-providers-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `settings providers ${tag}`);
      assertClean();
    });
  }

  test('a Getty preview is licensed from the image view', async (t) => {
    const { page, assertClean } = await openApp(t);
    await page.getByTestId('nav-library').click();
    await page.locator('[data-id="img-000008"]').dblclick();
    await page.getByTestId('preview-explanation').waitFor();
    await page.getByTestId('license-button').click();
    await page.getByTestId('license-dialog').waitFor();
    assert.equal(await page.getByTestId('license-size').count(), 2);
    await page.getByTestId('license-size').filter({ hasText: '4k' }).waitFor();
    await shot(page, 'image-license-dialog-1280x800');
    await checkA11y(page, 'licence dialog');
    await page.getByTestId('license-confirm').click();
    await page.getByTestId('license-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('license-transaction').waitFor();
    assert.match(await page.getByTestId('license-transaction').textContent(), /GA-img-000008/);
    assertClean();
  });

  test('the library filter leaves unlicensed previews out of "commercial use allowed"', async (t) => {
    const { page, assertClean } = await openApp(t);
    await page.getByTestId('nav-library').click();
    await page.locator('[data-id="img-000008"]').waitFor();
    await page.getByTestId('filter-commercial').check();
    await page.locator('[data-id="img-000018"]').waitFor();
    assert.equal(await page.locator('[data-id="img-000008"]').count(), 0);
    assert.match(await page.locator('label:has([data-testid="filter-commercial"])').textContent(), /previews excluded/);
    assertClean();
  });
});

test('settings: move the library, and the old copy offered for removal', async (t) => {
  const { page, assertClean } = await openApp(t, { backend: { previousLibrary: '/home/user/.local/share/easel' } });
  await page.getByTestId('nav-settings').click();
  const notice = page.getByTestId('settings-previous-library');
  await notice.waitFor();
  await notice.scrollIntoViewIfNeeded();
  await shot(page, 'settings-library-1280x800');
  await checkA11y(page, 'settings library section');
  await page.getByTestId('settings-move-library').click();
  await page.getByTestId('settings-restart').waitFor();
  assert.match(await page.getByTestId('settings-move-status').textContent(), /Copied and checked \d+ images/);
  await page.getByTestId('settings-restart').scrollIntoViewIfNeeded();
  await shot(page, 'settings-library-moved-1280x800');
  assertClean();
});

test('a damaged original is badged in the grid and explained in the image view', async (t) => {
  const { page, assertClean } = await openApp(t, { backend: { damaged: ['img-000001'] } });
  await page.getByTestId('nav-library').click();
  const tile = page.locator('[data-id="img-000001"]');
  await tile.getByTestId('tile-damaged').waitFor();
  assert.equal(await page.getByTestId('tile-damaged').count(), 1);
  await imagesLoaded(page, '[data-testid="gallery-item"] img');
  await shot(page, 'library-damaged-1280x800');
  await checkA11y(page, 'library with a damaged image');
  await tile.dblclick();
  await page.getByTestId('image-damaged').waitFor();
  await shot(page, 'image-damaged-1280x800');
  await checkA11y(page, 'image view of a damaged image');
  assertClean();
});

test('versions: a stack badge in the Library, the version tree in the image view, Vary into the job list', async (t) => {
  const lineage = { 'img-000001': ['img-000003', 'inpaint'], 'img-000002': ['img-000003', 'variation'], 'img-000000': ['img-000001', 'outpaint'] };
  const { page, assertClean } = await openApp(t, { backend: { lineage } });
  await page.getByTestId('nav-library').click();
  const parent = page.locator('[data-id="img-000003"]');
  await parent.getByTestId('tile-stack').waitFor();
  assert.equal((await parent.getByTestId('tile-stack').textContent()).trim(), '3 versions');
  await imagesLoaded(page, '[data-testid="gallery-item"] img');
  await shot(page, 'library-stacks-1280x800');
  await checkA11y(page, 'library with stacks');
  await page.locator('[data-id="img-000001"]').dblclick();
  await page.getByTestId('version-made-by').waitFor();
  assert.match(await page.getByTestId('version-made-by').textContent(), /Inpaint\s+of\s+its parent/);
  assert.equal(await page.getByTestId('version-sibling').count(), 1);
  assert.equal(await page.getByTestId('version-child').count(), 1);
  await shot(page, 'image-version-tree-1280x800');
  await checkA11y(page, 'image view with its version tree');
  await page.getByTestId('version-parent').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="version-child"]').length === 2);
  await page.getByTestId('vary-button').click();
  const job = page.getByTestId('job-item').first();
  await job.waitFor();
  assert.match(await job.textContent(), /Variations of:/);
  assertClean();
});

for (const { viewport, colorScheme } of [
  { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
  { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
]) {
  const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
  test(`a stack expands at ${tag}: select the parent, show its versions (children and theirs), open one`, async (t) => {
    const lineage = { 'img-000001': ['img-000003', 'inpaint'], 'img-000002': ['img-000003', 'variation'], 'img-000000': ['img-000001', 'outpaint'] };
    const { page, assertClean } = await openApp(t, { viewport, colorScheme, backend: { lineage } });
    await page.getByTestId('nav-library').click();
    const parent = page.locator('[data-id="img-000003"]');
    await parent.getByTestId('tile-stack').waitFor();
    // Nothing selected, or an image without versions: no strip.
    assert.equal(await page.getByTestId('stack-strip').count(), 0);
    await page.locator('[data-id="img-000004"]').click();
    assert.equal(await page.getByTestId('stack-strip').count(), 0);
    await parent.click();
    const expand = page.getByTestId('stack-expand');
    await expand.waitFor();
    assert.equal((await expand.textContent()).trim(), 'Show its 3 versions');
    assert.equal(await expand.getAttribute('aria-expanded'), 'false');
    await expand.click();
    await page.getByTestId('stack-versions').waitFor();
    assert.deepEqual(await page.getByTestId('stack-version').evaluateAll((els) => els.map((e) => e.dataset.versionId)), ['img-000001', 'img-000002', 'img-000000']);
    assert.equal(await expand.getAttribute('aria-expanded'), 'true');
    await imagesLoaded(page, '[data-testid="stack-versions"] img');
    await shot(page, `library-stack-expanded-${tag}`);
    if (viewport.width === 1280) await checkA11y(page, `library with a stack expanded ${tag}`);
    // Another image selected: the strip goes; two selected: the selection bar takes its place.
    await page.locator('[data-id="img-000001"]').click({ modifiers: ['Control'] });
    assert.equal(await page.getByTestId('stack-strip').count(), 0);
    await parent.click();
    await page.getByTestId('stack-expand').click();
    await page.getByTestId('stack-version').nth(2).click();
    await page.getByTestId('version-made-by').waitFor();
    assert.match(await page.getByTestId('version-made-by').textContent(), /Outpaint\s+of\s+its parent/);
    assertClean();
  });
}

// --- Organising (issue 11): boards, tags, ratings, notes, the search language, saved
// searches, bulk actions and near-duplicates, at every size and in dark mode. ---
describe('organising the library', () => {
  const runs = [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ];
  for (const { viewport, colorScheme } of runs) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    const audit = (page, name) => (viewport.width === 1280 ? checkA11y(page, `${name} ${tag}`) : Promise.resolve());
    test(`boards, tags, rating, note, search language and saved searches at ${tag}`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme, backend: { tags: { draft: ['img-000003', 'img-000005'] } } });
      await page.getByTestId('nav-library').click();
      // The header counts what core matches, not the pages loaded.
      await page.getByTestId('library-count').getByText('10,000 images').waitFor();

      // A board, made in the sidebar; two images dragged onto it.
      await page.getByTestId('board-new').click();
      await page.getByTestId('board-name-input').fill('Spring campaign');
      await page.getByTestId('board-name-input').press('Enter');
      const board = page.locator('[data-testid="board-item"][data-board="Spring campaign"]');
      await board.waitFor();
      await page.locator('[data-id="img-000001"]').click();
      await page.locator('[data-id="img-000002"]').click({ modifiers: ['Control'] });
      assert.equal(await page.getByTestId('selection-count').textContent(), '2 selected');
      await imagesLoaded(page, '[data-testid="gallery-item"] img');
      await shot(page, `organise-selection-${tag}`);
      await audit(page, 'library with a selection');
      await page.locator('[data-id="img-000002"]').dragTo(board);
      await page.getByTestId('toast').getByText('2 images added to “Spring campaign”').waitFor();
      await board.locator('.n').getByText('2', { exact: true }).waitFor();

      // The board view.
      await board.click();
      await page.getByTestId('board-title').getByText('Spring campaign').waitFor();
      await page.getByTestId('library-count').getByText('2 images').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="gallery-item"]').length === 2);
      await imagesLoaded(page, '[data-testid="gallery-item"] img');
      await shot(page, `organise-board-${tag}`);
      await audit(page, 'board view');

      // Rating with a key, a tag with autocomplete, a note.
      await page.locator('[data-id="img-000001"]').dblclick();
      const organise = page.getByTestId('image-organise');
      await organise.getByTestId('image-rating').waitFor();
      await page.getByTestId('image-back').focus();
      await page.keyboard.press('4');
      await organise.getByTestId('rating-value').getByText('4 of 5').waitFor();
      await organise.getByTestId('image-tag-input').fill('hero');
      await organise.getByTestId('image-tag-input').press('Enter');
      await organise.getByTestId('image-tag').getByText('hero').waitFor();
      await organise.getByTestId('image-board').getByText('Spring campaign').waitFor();
      await organise.getByTestId('image-note').fill('Cover of the spring mailing');
      await organise.getByTestId('image-note').blur();
      await organise.getByTestId('note-status').getByText('Note saved').waitFor();
      await organise.scrollIntoViewIfNeeded();
      await imagesLoaded(page, '[data-testid="image-original"]');
      await shot(page, `organise-image-${tag}`);
      await audit(page, 'image view organise panel');
      await page.getByTestId('image-back').click();

      // The search language: autocomplete of tags, then found by `tag:`.
      await page.getByTestId('nav-library').click();
      await page.getByTestId('library-count').getByText('10,000 images').waitFor();
      const search = page.getByTestId('search-input');
      await search.click();
      await search.pressSequentially('ta');
      await page.getByTestId('search-suggestion').getByText('tag:', { exact: true }).waitFor();
      await search.press('Enter');
      assert.equal(await search.inputValue(), 'tag:');
      await search.pressSequentially('he');
      await page.getByTestId('search-suggestion').getByText('tag:hero').waitFor();
      await shot(page, `organise-autocomplete-${tag}`);
      await audit(page, 'search autocomplete');
      await search.press('Enter');
      assert.equal(await search.inputValue(), 'tag:hero ');
      await page.getByTestId('library-count').getByText('1 match', { exact: true }).waitFor();
      await page.waitForFunction(() => {
        const tiles = [...document.querySelectorAll('[data-testid="gallery-item"]')];
        return tiles.length === 1 && tiles[0].getAttribute('data-id') === 'img-000001';
      });

      // Saved under a name, in the sidebar.
      await page.getByTestId('search-save').click();
      await page.getByTestId('search-save-name').fill('Heroes');
      await page.getByTestId('search-save-name').press('Enter');
      await page.getByTestId('saved-search-item').getByText('Heroes').waitFor();

      // An unknown key is an inline error, not an empty result.
      await search.fill('fox colour:red');
      await page.getByTestId('search-error').getByText('"colour:" is not a search key').waitFor();
      assert.match(await page.getByTestId('search-error').textContent(), /colour:red/);
      await page.getByTestId('library-search-problem').waitFor();
      assert.equal(await page.getByTestId('library-empty').count(), 0);
      assert.equal(await search.getAttribute('aria-invalid'), 'true');
      await shot(page, `organise-search-error-${tag}`);
      await audit(page, 'search error');

      // The help popover lists every key.
      await page.getByTestId('search-help-button').click();
      const help = page.getByTestId('search-help');
      await help.getByText('favourites only', { exact: true }).waitFor();
      await help.getByText('license:', { exact: true }).waitFor();
      await shot(page, `organise-search-help-${tag}`);
      await audit(page, 'search help');
      await page.getByTestId('search-help-button').click();
      await help.waitFor({ state: 'detached' });

      // The saved search runs from the sidebar.
      await page.getByTestId('saved-search-item').click();
      assert.equal(await search.inputValue(), 'tag:hero');
      await page.getByTestId('library-count').getByText('1 match', { exact: true }).waitFor();

      // Tags in use are listed in the sidebar; renaming one into another merges them.
      await page.locator('[data-testid="tag-item"]', { hasText: 'draft' }).waitFor();
      await page.getByTestId('tag-rename').click();
      await page.getByTestId('tag-rename-input').fill('Draft');
      await shot(page, `organise-tag-rename-${tag}`);
      await audit(page, 'tag rename');
      await page.getByTestId('tag-rename-input').fill('draft');
      await page.getByTestId('tag-rename-confirm').click();
      await page.getByTestId('toast').getByText('Tag “hero” is now “draft” on 3 images').waitFor();
      assert.equal(await search.inputValue(), 'tag:draft');
      await page.getByTestId('library-count').getByText('3 matches').waitFor();
      assertClean();
    });

    test(`bulk actions over all results, and near-duplicates, at ${tag}`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme });
      await page.getByTestId('nav-library').click();
      const search = page.getByTestId('search-input');
      await search.fill('koi pond');
      await page.getByTestId('library-count').getByText(/^[\d,]+ matches$/).waitFor();
      await page.waitForFunction(() => {
        const tiles = [...document.querySelectorAll('[data-testid="gallery-item"]')];
        return tiles.length > 0 && tiles.every((el) => el.getAttribute('aria-label').includes('koi pond'));
      });
      const matches = Number((await page.getByTestId('library-count').textContent()).replace(/\D/g, ''));
      assert.ok(matches > 200, `more matches than one page (${matches})`);
      await page.getByTestId('gallery-item').first().click();
      await page.keyboard.press('Control+a');
      await page.getByTestId('select-all-results').click();
      assert.equal(await page.getByTestId('selection-count').textContent(), `All ${matches.toLocaleString('en-US')} selected`);
      await page.getByTestId('bulk-tag').click();
      await page.getByTestId('bulk-tag-input').fill('pond');
      await shot(page, `organise-bulk-${tag}`);
      await audit(page, 'selection bar with all results');
      await page.getByTestId('bulk-tag-confirm').click();
      await page.getByTestId('toast').getByText('Tagged “pond”').waitFor();
      await search.fill('tag:pond');
      await page.getByTestId('library-count').getByText(`${matches.toLocaleString('en-US')} matches`).waitFor();

      // Rate with keys in the grid, then delete all results at once and undo.
      await page.getByTestId('gallery-item').first().click();
      await page.keyboard.press('5');
      await page.getByTestId('toast').getByText('Rated ★★★★★').waitFor();
      await search.fill('tag:pond rating:5');
      await page.getByTestId('library-count').getByText('1 match', { exact: true }).waitFor();
      await search.fill('tag:pond');
      await page.getByTestId('library-count').getByText(`${matches.toLocaleString('en-US')} matches`).waitFor();
      await page.getByTestId('gallery-item').first().click();
      await page.keyboard.press('Control+a');
      await page.getByTestId('select-all-results').click();
      await page.getByTestId('delete-selection').click();
      await page.getByTestId('toast').getByText(`${matches.toLocaleString('en-US')} images deleted`).waitFor();
      await page.getByTestId('library-count').getByText('0 matches').waitFor();
      await page.getByTestId('toast-action').first().click();
      await page.getByTestId('library-count').getByText(`${matches.toLocaleString('en-US')} matches`).waitFor();

      // Near-duplicates: groups to review, keep one, delete the rest, undo.
      await search.fill('');
      await page.getByTestId('open-duplicates').click();
      await page.getByTestId('duplicate-group').first().waitFor();
      assert.equal(await page.getByTestId('duplicate-group').count(), 2);
      await imagesLoaded(page, '[data-testid="duplicate-group"] img');
      await shot(page, `organise-duplicates-${tag}`);
      await audit(page, 'near-duplicates');
      await page.getByTestId('duplicate-resolve').first().click();
      await page.getByTestId('toast').getByText('2 duplicates deleted').waitFor();
      assert.equal(await page.getByTestId('duplicate-group').count(), 1);
      assertClean();
    });
  }
});

// ---- Issue 8/9 UI: local engines in Settings; Edit, Outpaint and references in the image view ----
const shots89 = process.env.EASEL_SHOTS_DIR || artifacts;
mkdirSync(shots89, { recursive: true });
const shot89 = (page, name) => page.screenshot({ path: resolve(shots89, `${name}.png`) });
const calls = (page, cmd) => page.evaluate((c) => window.__easelBackend.calls.filter((x) => x.cmd === c).map((x) => x.args), cmd);

test('local engines in Settings: add, test (down, --api missing, auth), models, a declared licence, workflows, edit, remove', async (t) => {
  const { page, assertClean } = await openApp(t, { backend: { endpoints: [{ name: 'forge', kind: 'a1111', url: 'http://127.0.0.1:7860/noapi' }] } });
  await page.getByTestId('nav-settings').click();
  const section = page.getByTestId('endpoints-section');
  await section.getByTestId('endpoint-forge').waitFor();

  // Add a ComfyUI endpoint; a bad name is refused before anything is sent.
  await section.getByTestId('endpoint-add').click();
  await section.getByTestId('endpoint-name').fill('my comfy');
  await section.getByTestId('endpoint-url').fill('http://127.0.0.1:8188');
  await section.getByTestId('endpoint-save').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="endpoint-name"]')?.getAttribute('aria-invalid') === 'true');
  assert.equal((await calls(page, 'save_endpoint')).length, 0);
  await section.getByTestId('endpoint-name').fill('studio-comfy');
  await section.getByTestId('endpoint-kind').selectOption('comfyui');
  await shot89(page, 'settings-endpoint-form-1280x800');
  await checkA11y(page, 'endpoint form');
  await section.getByTestId('endpoint-save').click();
  const comfy = section.getByTestId('endpoint-studio-comfy');
  // A saved endpoint tests itself once.
  await comfy.getByTestId('endpoint-test-result').waitFor();
  assert.match(await comfy.getByTestId('endpoint-test-result').textContent(), /answers — 3 models/);
  assert.deepEqual((await calls(page, 'save_endpoint'))[0], { endpoint: { name: 'studio-comfy', kind: 'comfyui', url: 'http://127.0.0.1:8188', username: null, preset: null }, password: null });

  // Models with their checkpoint terms; declare the licence of the unknown one.
  await comfy.getByTestId('endpoint-models-button').click();
  await comfy.getByTestId('endpoint-models').waitFor();
  assert.equal(await comfy.getByTestId('endpoint-model').count(), 3);
  assert.match(await comfy.getByTestId('endpoint-model').nth(0).textContent(), /OpenRAIL\+\+-M/);
  const unknown = comfy.getByTestId('endpoint-model').nth(2);
  assert.match(await unknown.textContent(), /Terms unknown/);
  await unknown.getByTestId('endpoint-declare').click();
  await unknown.getByTestId('declare-license').fill('My studio licence');
  await unknown.getByTestId('declare-commercial').selectOption('no');
  await unknown.getByTestId('declare-url').fill('https://example.com/licence');
  await shot89(page, 'settings-endpoint-declare-1280x800');
  await checkA11y(page, 'declaring a checkpoint licence');
  await unknown.getByTestId('declare-save').click();
  await section.getByTestId('declared-licenses').waitFor();
  assert.match(await section.getByTestId('declared-licenses').textContent(), /mymix_v3\.safetensors — My studio licence, no commercial use/);
  await page.waitForFunction(() => /licence declared by you/.test(document.querySelectorAll('[data-testid="endpoint-studio-comfy"] [data-testid="endpoint-model"]')[2]?.textContent ?? ''));

  // Import a workflow, see what Easel found, correct the checkpoint input.
  await comfy.getByTestId('workflow-name').fill('portrait');
  await comfy.getByTestId('workflow-import').click();
  await comfy.getByTestId('workflow-mapping').waitFor();
  assert.equal(await comfy.getByTestId('mapping-prompt').inputValue(), '6\u0000text');
  assert.equal(await comfy.getByTestId('mapping-checkpoint').inputValue(), '');
  await comfy.getByTestId('mapping-checkpoint').selectOption('4\u0000ckpt_name');
  await comfy.getByTestId('workflow-mapping-save').click();
  await page.waitForFunction(() => window.__easelBackend.calls.some((c) => c.cmd === 'correct_workflow_mapping'));
  assert.deepEqual((await calls(page, 'correct_workflow_mapping'))[0].corrections, { checkpoint: { node: '4', input: 'ckpt_name' } });
  await shot89(page, 'settings-endpoint-workflow-1280x800');
  await checkA11y(page, 'workflow mapping');

  // An A1111 started without --api, then down, then refusing the password: each says what to do.
  const forge = section.getByTestId('endpoint-forge');
  await forge.getByTestId('endpoint-test').click();
  await forge.getByTestId('endpoint-test-error').waitFor();
  assert.equal(await forge.getByTestId('endpoint-test-error').getAttribute('data-code'), 'engine_api_off');
  assert.match(await forge.getByTestId('endpoint-test-error').textContent(), /--api/);
  await shot89(page, 'settings-endpoint-api-off-1280x800');
  await forge.getByTestId('endpoint-edit').click();
  await section.getByTestId('endpoint-url').fill('http://127.0.0.1:9');
  await section.getByTestId('endpoint-save').click();
  await forge.getByTestId('endpoint-test-error').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="endpoint-forge"] [data-testid="endpoint-test-error"]')?.getAttribute('data-code') === 'engine_unreachable');
  assert.match(await forge.getByTestId('endpoint-test-error').textContent(), /Nothing answers at http:\/\/127\.0\.0\.1:9/);
  await forge.getByTestId('endpoint-edit').click();
  await section.getByTestId('endpoint-url').fill('http://127.0.0.1:7860');
  await section.getByTestId('endpoint-username').fill('me');
  await section.getByTestId('endpoint-password').fill('wrong');
  await section.getByTestId('endpoint-save').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="endpoint-forge"] [data-testid="endpoint-test-error"]')?.getAttribute('data-code') === 'auth');
  // The password went to the keychain and is never shown back.
  await forge.getByTestId('endpoint-edit').click();
  assert.equal(await section.getByTestId('endpoint-password').inputValue(), '');
  assert.equal(await section.getByTestId('endpoint-password').getAttribute('placeholder'), 'Saved — type to replace');
  await section.getByTestId('endpoint-password').fill('secret');
  await section.getByTestId('endpoint-save').click();
  await forge.getByTestId('endpoint-test-result').waitFor();
  assert.match(await forge.getByTestId('endpoint-auth').textContent(), /Basic auth as me; password saved in the keychain/);

  await section.screenshot({ path: resolve(shots89, 'settings-endpoints-1280x800.png') });

  // The endpoints are providers in Generate: checkpoints as models, the engine's parameters.
  await page.getByTestId('nav-generate').click();
  await page.getByTestId('provider-option-studio-comfy').click();
  assert.deepEqual(await page.getByTestId('model-select').locator('option').allTextContents(), ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors', 'myMix_v3.safetensors']);
  // Left random, the seed is one Easel picks and records, not "no seed".
  assert.match(await page.getByTestId('seed-hint').textContent(), /^Easel picks a new seed and records it/);
  // CFG scale takes decimals; out of range is refused before sending.
  const cfg = page.getByTestId('param-cfg_scale');
  assert.equal(await cfg.getAttribute('step'), '0.5');
  await cfg.fill('150');
  await page.getByTestId('prompt-input').fill('A koi pond at dawn');
  assert.match(await page.getByTestId('generate-hint').textContent(), /CFG scale must be from 0 to 100/);
  assert.equal(await page.getByTestId('generate-button').isDisabled(), true);
  await cfg.fill('6.5');
  await page.getByTestId('generate-button').click();
  const job = page.getByTestId('job-item').first();
  await job.waitFor();
  await page.waitForFunction(() => window.__easelBackend.images.some((i) => i.provider === 'studio-comfy'), null, { timeout: 10000 });
  const [generated] = await calls(page, 'start_generation');
  assert.equal(generated.request.provider, 'studio-comfy');
  assert.equal(generated.request.model, 'sd_xl_base_1.0.safetensors');
  assert.equal(generated.request.params.cfg_scale, 6.5);
  assert.equal(generated.request.params.seed, undefined);
  await shot89(page, 'generate-endpoint-1280x800');
  await checkA11y(page, 'generate on a local engine');
  await page.getByTestId('nav-settings').click();

  // Remove.
  await forge.getByTestId('endpoint-remove').click();
  await forge.getByTestId('endpoint-remove-confirm').click();
  await forge.waitFor({ state: 'detached' });
  assert.deepEqual((await calls(page, 'remove_endpoint'))[0], { name: 'forge' });
  assertClean();
});

for (const { viewport, colorScheme } of [
  { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
  { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
]) {
  const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
  test(`local engines at ${tag}: a UI-format workflow gets the core's message`, async (t) => {
    const { page, assertClean } = await openApp(t, {
      viewport,
      colorScheme,
      backend: { workflowFile: 'ui', endpoints: [{ name: 'studio-comfy', kind: 'comfyui', url: 'http://127.0.0.1:8188' }, { name: 'localai', kind: 'openai-compatible', url: 'http://127.0.0.1:8080/v1' }] },
    });
    await page.getByTestId('nav-settings').click();
    const comfy = page.getByTestId('endpoint-studio-comfy');
    await comfy.getByTestId('endpoint-models-button').click();
    await comfy.getByTestId('endpoint-models').waitFor();
    await comfy.getByTestId('workflow-name').fill('canvas');
    await comfy.getByTestId('workflow-import').click();
    await comfy.getByTestId('workflow-error').waitFor();
    assert.equal(await comfy.getByTestId('workflow-error').getAttribute('data-code'), 'workflow');
    assert.match(await comfy.getByTestId('workflow-error').textContent(), /Export \(API\)/);
    await page.getByTestId('endpoint-add').click();
    await page.getByTestId('endpoint-kind').selectOption('openai-compatible');
    await page.getByTestId('endpoint-preset').waitFor();
    await page.getByTestId('endpoints-section').scrollIntoViewIfNeeded();
    await shot89(page, `settings-endpoints-${tag}`);
    if (viewport.width === 1280) await checkA11y(page, `local engines ${tag}`);
    assertClean();
  });
}

/** Drags the mouse along `points` (fractions of the element's box), pressed. */
async function paint(page, locator, points) {
  const box = await locator.boundingBox();
  const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
  await page.mouse.up();
}

/** Alpha of the mask overlay at a fraction of the canvas. */
const overlayAlpha = (page, fx, fy) =>
  page.evaluate(
    ([fx, fy]) => {
      const c = document.querySelector('[data-testid="mask-canvas"]');
      return c.getContext('2d').getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data[3];
    },
    [fx, fy],
  );

for (const { viewport, colorScheme } of [
  { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
  { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
]) {
  const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
  test(`edit at ${tag}: paint a mask with the mouse, add references, run, the result stacks under its parent`, async (t) => {
    const { page, assertClean } = await openApp(t, { viewport, colorScheme });
    await page.getByTestId('nav-library').click();
    await page.locator('[data-id="img-000000"]').dblclick();
    await page.getByTestId('edit-button').click();
    const panel = page.getByTestId('edit-panel');
    await panel.waitFor();
    assert.equal(await panel.getByTestId('edit-provider').inputValue(), 'openai');
    assert.equal(await panel.getByTestId('edit-model').inputValue(), 'gpt-image-1');
    const canvas = page.getByTestId('mask-canvas');
    await imagesLoaded(page, '[data-testid="image-original"]');
    // A horizontal stroke across the middle, then the eraser through its centre.
    await paint(page, canvas, [[0.2, 0.5], [0.5, 0.5], [0.8, 0.5]]);
    await page.waitForFunction(() => document.querySelector('[data-testid="mask-canvas"]').dataset.strokes === '1');
    assert.ok((await overlayAlpha(page, 0.35, 0.5)) > 100, 'painted area shows tinted');
    assert.equal(await overlayAlpha(page, 0.35, 0.1), 0, 'unpainted area is clear');
    await panel.getByTestId('mask-eraser').click();
    await paint(page, canvas, [[0.5, 0.45], [0.5, 0.55]]);
    assert.equal(await overlayAlpha(page, 0.5, 0.5), 0, 'erased');
    await panel.getByTestId('mask-invert').click();
    assert.ok((await overlayAlpha(page, 0.35, 0.1)) > 100, 'inverted: the rest changes');
    await panel.getByTestId('mask-invert').click();
    await panel.getByTestId('mask-brush').click();
    await panel.getByTestId('edit-prompt').fill('make the sky stormy');
    // References: a Library image dragged onto the prompt area, another clicked, a file dropped from the desktop.
    await panel.getByTestId('reference-tile').nth(0).dragTo(panel.getByTestId('edit-prompt-area'));
    await panel.getByTestId('reference-tile').nth(1).click();
    const area = await panel.getByTestId('edit-prompt-area').boundingBox();
    await page.evaluate(
      ([x, y]) => window.__easelBackend.hooks.emitEvent('tauri://drag-drop', { type: 'drop', paths: ['/home/ann/Desktop/palette.png'], position: { x, y } }),
      [area.x + area.width / 2, area.y + area.height / 2],
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="edit-reference"]').length === 3);
    // Any image of the library can be found and used, not only those the Library has loaded.
    const find = panel.getByTestId('edit-reference-search');
    await find.fill('frog:green');
    assert.match(await panel.getByTestId('edit-reference-search-error').textContent(), /"frog:" is not a search key/);
    assert.equal(await find.getAttribute('aria-invalid'), 'true');
    await find.fill('"#7321"');
    await page.waitForFunction(() => {
      const tiles = document.querySelectorAll('[data-testid="reference-tile"]');
      return tiles.length === 1 && tiles[0].getAttribute('aria-label').endsWith('#7321');
    });
    await panel.getByTestId('reference-tile').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="edit-reference"]').length === 4);
    await find.fill('"no such words anywhere"');
    await panel.getByTestId('edit-reference-none').waitFor();
    await find.fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="reference-tile"]').length === 8);
    // The options gpt-image-1 takes for an edit (catalogue data): two images, high quality,
    // high input fidelity.
    const options = panel.getByTestId('edit-options');
    await options.getByTestId('n-select').selectOption('2');
    await options.locator('[data-testid="param-quality"] [data-value="high"]').click();
    await options.locator('[data-testid="param-input_fidelity"] [data-value="high"]').click();
    assert.equal(await options.locator('[data-testid="param-input_fidelity"] [data-value="high"]').getAttribute('aria-checked'), 'true');
    await imagesLoaded(page, '[data-testid="edit-panel"] img');
    await shot89(page, `image-edit-${tag}`);
    if (viewport.width === 1280) await checkA11y(page, `edit mode ${tag}`);

    await panel.getByTestId('edit-run').click();
    const job = page.getByTestId('job-item').first();
    await job.waitFor();
    assert.match(await job.textContent(), /Edit: make the sky stormy/);
    await page.waitForFunction(() => window.__easelBackend.images.some((i) => i.parent === 'img-000000'), null, { timeout: 10000 });
    const [sent] = await page.evaluate(() => window.__easelBackend.edits.map((e) => e.request));
    assert.deepEqual(sent.operation, { kind: 'edit' });
    assert.equal(sent.image_id, 'img-000000');
    assert.equal(sent.reference_ids.length, 3);
    assert.equal(sent.reference_ids[2], 'img-007321');
    assert.deepEqual(sent.reference_files, ['/home/ann/Desktop/palette.png']);
    assert.equal(sent.mask.strokes.length, 2);
    assert.equal(sent.mask.invert, false);
    assert.equal(sent.params.n, 2);
    assert.equal(sent.params.quality, 'high');
    assert.equal(sent.params.input_fidelity, 'high');
    const [brushStroke, eraser] = sent.mask.strokes;
    assert.equal(eraser.erase, true);
    // In the image's own pixels (1024 × 1024), whatever the size on screen.
    const xs = brushStroke.points.map((p) => p[0]);
    assert.ok(Math.min(...xs) < 1024 * 0.25 && Math.max(...xs) > 1024 * 0.75, `stroke spans the image: ${Math.min(...xs)}..${Math.max(...xs)}`);
    for (const [, y] of brushStroke.points) assert.ok(Math.abs(y - 512) < 12, `y ${y}`);
    assert.ok(brushStroke.radius > 24, `radius ${brushStroke.radius} scaled to image pixels`);

    await page.getByTestId('nav-library').click();
    const parent = page.locator('[data-id="img-000000"]');
    await parent.getByTestId('tile-stack').waitFor({ timeout: 10000 });
    assert.equal((await parent.getByTestId('tile-stack').textContent()).trim(), '2 versions');
    assertClean();
  });
}

test('edit options: only what the chosen model takes is offered, checked before sending, and sent', async (t) => {
  const { page, assertClean } = await openApp(t);
  await page.getByTestId('nav-library').click();
  await page.locator('[data-id="img-000000"]').dblclick();
  await page.getByTestId('edit-button').click();
  const panel = page.getByTestId('edit-panel');
  const options = panel.getByTestId('edit-options');
  const shown = () => options.locator('label, legend').allTextContents().then((l) => l.map((x) => x.trim().split(/\s/)[0]));
  await options.waitFor();
  assert.deepEqual(await shown(), ['Options', 'Images', 'Size', 'Quality', 'Background', 'Format', 'Input']);
  await options.locator('[data-testid="param-input_fidelity"] [data-value="high"]').click();
  await options.getByTestId('n-select').selectOption('3');
  // gpt-image-1-mini has no input fidelity: the control goes, the other choices stay.
  await panel.getByTestId('edit-model').selectOption('gpt-image-1-mini');
  await options.getByTestId('param-input_fidelity').waitFor({ state: 'detached' });
  assert.equal(await options.getByTestId('n-select').inputValue(), '3');
  // A transparent background in JPEG is refused here, before anything is sent.
  await panel.getByTestId('edit-prompt').fill('a brighter sky');
  await options.locator('[data-testid="param-background"] [data-value="transparent"]').click();
  await options.locator('[data-testid="param-output_format"] [data-value="jpeg"]').click();
  assert.match(await panel.getByTestId('edit-problem').textContent(), /transparent background needs PNG or WebP/);
  assert.equal(await panel.getByTestId('edit-run').isDisabled(), true);
  await shot(page, 'edit-options-problem');
  await options.locator('[data-testid="param-output_format"] [data-value="png"]').click();
  await panel.getByTestId('edit-run').click();
  await page.waitForFunction(() => window.__easelBackend.edits.length === 1);
  const [sent] = await page.evaluate(() => window.__easelBackend.edits.map((e) => e.request));
  assert.equal(sent.model, 'gpt-image-1-mini');
  assert.equal(sent.params.n, 3);
  assert.equal(sent.params.background, 'transparent');
  assert.equal(sent.params.output_format, 'png');
  assert.equal('input_fidelity' in sent.params, false, 'no input fidelity for a model without it');
  assertClean();
});

test('outpaint: extend the canvas per side, preview the new canvas, run with a model that can', async (t) => {
  const { page, assertClean } = await openApp(t);
  await page.getByTestId('nav-library').click();
  await page.locator('[data-id="img-000000"]').dblclick();
  // Only what the chosen operation takes is offered: no painter for removing the background.
  await page.getByTestId('edit-button').click();
  await page.getByTestId('mask-canvas').waitFor();
  await page.getByTestId('edit-provider').selectOption('stability');
  assert.deepEqual(await page.getByTestId('edit-operation').locator('option').allTextContents(), ['Inpaint', 'Erase', 'Search and replace', 'Remove background']);
  await page.getByTestId('edit-operation').selectOption('remove_background');
  await page.getByTestId('mask-canvas').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('edit-prompt').count(), 0);
  await page.getByTestId('edit-operation').selectOption('search_and_replace');
  await page.getByTestId('edit-search').waitFor();
  await page.getByTestId('edit-close').click();
  await page.getByTestId('outpaint-button').click();
  const panel = page.getByTestId('edit-panel');
  await panel.waitFor();
  assert.equal(await panel.getByTestId('edit-provider').inputValue(), 'stability');
  assert.equal(await panel.getByTestId('edit-model').inputValue(), 'stable-image-edit');
  assert.match(await panel.getByTestId('edit-problem').textContent(), /at least one side/);
  await panel.getByTestId('outpaint-left').fill('512');
  await panel.getByTestId('outpaint-up').fill('256');
  await panel.getByTestId('outpaint-right').fill('5000');
  assert.match(await panel.getByTestId('outpaint-size').textContent(), /New canvas 3536 × 1280 \(was 1024 × 1024\)/);
  const frame = await page.getByTestId('image-frame').boundingBox();
  assert.ok(Math.abs(frame.width / frame.height - 3536 / 1280) < 0.02, 'the preview has the new canvas proportions');
  await panel.getByTestId('outpaint-right').fill('0');
  assert.equal(await page.getByTestId('mask-canvas').count(), 0);
  await panel.getByTestId('edit-prompt').fill('more of the coast');
  await imagesLoaded(page, '[data-testid="image-original"]');
  await shot89(page, 'image-outpaint-1280x800');
  await checkA11y(page, 'outpaint mode');
  await panel.getByTestId('edit-run').click();
  await page.getByTestId('job-item').first().waitFor();
  const [sent] = await page.evaluate(() => window.__easelBackend.edits.map((e) => e.request));
  assert.deepEqual(sent.operation, { kind: 'outpaint', left: 512, right: 0, up: 256, down: 0 });
  assert.equal(sent.mask, null);
  assertClean();
});

// --- Issue 10 UI: Content Credentials in the image view, the export's sign switch, the filter. ---
describe('content credentials', () => {
  const credentials = { 'img-000000': 'trusted', 'img-000001': 'hostile', 'img-000002': 'unread', 'img-000003': 'invalid', 'img-000004': 'none' };
  for (const { viewport, colorScheme } of [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ]) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    test(`credentials at ${tag}: sentence, details, hostile text as text, read, sign switch`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme, backend: { credentials } });
      await page.getByTestId('nav-library').click();
      await page.locator('[data-id="img-000000"]').dblclick();
      const panel = page.getByTestId('credentials-panel');
      await panel.getByTestId('credentials-sentence').waitFor();
      assert.equal(await panel.getByTestId('credentials-sentence').textContent(), 'Made by OpenAI with generative AI, signed by OpenAI, intact.');
      assert.equal(await panel.getByTestId('credentials-state').textContent(), 'Intact · trusted signer');
      await panel.locator('summary').click();
      await panel.getByTestId('credentials-trust-list').waitFor();
      assert.equal(await panel.getByTestId('credentials-signer').textContent(), 'OpenAI');
      assert.match(await panel.getByTestId('credentials-actions').textContent(), /Created/);
      await panel.scrollIntoViewIfNeeded();
      await shot(page, `credentials-trusted-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `credentials ${tag}`);

      // Markup and escapes a manifest carries show as text; nothing of it runs or renders.
      await page.getByTestId('image-next').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="credentials-panel"]')?.getAttribute('data-state') === 'valid');
      assert.match(await panel.getByTestId('credentials-sentence').textContent(), /^Made by <img src=x onerror="window.__pwned=1">Evil\u001b\[31m with generative AI, signed by <b>Signer<\/b>, intact, from a signer not on the C2PA trust list\.$/);
      await panel.locator('summary').click();
      assert.match(await panel.getByTestId('credentials-ingredients').textContent(), /<img src=y onerror="window.__pwned=2">/);
      assert.equal(await panel.locator('img, b, u, i, script').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await panel.scrollIntoViewIfNeeded();
      await shot(page, `credentials-hostile-${tag}`);

      // Not read yet: a Read button reads them.
      await page.getByTestId('image-next').click();
      await page.getByTestId('credentials-read').waitFor();
      assert.equal(await panel.getByTestId('credentials-sentence').textContent(), 'Content Credentials not read yet.');
      await panel.scrollIntoViewIfNeeded();
      await shot(page, `credentials-unread-${tag}`);
      await page.getByTestId('credentials-read').click();
      await page.getByTestId('credentials-read').waitFor({ state: 'detached' });
      assert.match(await panel.getByTestId('credentials-sentence').textContent(), /intact\.$/);

      // Not intact: the problem is named.
      await page.getByTestId('image-next').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="credentials-panel"]')?.getAttribute('data-state') === 'invalid');
      assert.match(await panel.getByTestId('credentials-sentence').textContent(), /not intact \(assertion\.dataHash\.mismatch\)\.$/);
      await panel.locator('summary').click();
      assert.match(await panel.getByTestId('credentials-problems').textContent(), /The image data changed after it was signed/);
      await panel.scrollIntoViewIfNeeded();
      await shot(page, `credentials-invalid-${tag}`);

      // Export: signed by default, saying honestly what other tools will show.
      await page.getByTestId('export-button').click();
      await page.getByTestId('export-dialog').waitFor();
      const sign = page.getByTestId('export-sign');
      assert.equal(await sign.isChecked(), true);
      await page.getByTestId('export-sign-note').getByText("from a signer they don't know").waitFor();
      await page.getByTestId('export-signing').scrollIntoViewIfNeeded();
      await shot(page, `export-signing-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `export signing ${tag}`);
      await page.getByTestId('export-choose-folder').click();
      await page.getByTestId('export-run').click();
      await page.getByTestId('export-signed').waitFor();
      assert.match(await page.getByTestId('export-signed').textContent(), /signer they don't know/);
      await page.keyboard.press('Escape');
      await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
      assertClean();
    });
  }

  test('the export switch turns signing off; "Original" is never signed; Settings turns it off for all', async (t) => {
    const { page, assertClean } = await openApp(t, { backend: { credentials } });
    await page.getByTestId('nav-library').click();
    await page.locator('[data-id="img-000000"]').dblclick();
    await page.getByTestId('export-button').click();
    await page.getByTestId('export-sign').uncheck();
    await page.getByTestId('export-sign-note').getByText('no Content Credentials of its own').waitFor();
    await page.getByTestId('export-choose-folder').click();
    await page.getByTestId('export-run').click();
    await page.getByTestId('export-result').waitFor();
    assert.equal(await page.getByTestId('export-signed').count(), 0);
    await page.getByTestId('export-format').selectOption('original');
    assert.equal(await page.getByTestId('export-sign').isDisabled(), true);
    await page.getByTestId('export-sign-note').getByText('byte-identical').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('image-back').click();

    await page.getByTestId('nav-settings').click();
    const card = page.getByTestId('settings-signing');
    await card.getByTestId('settings-what-others-see').waitFor();
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'settings-signing-1280x800');
    await checkA11y(page, 'settings signing');
    await page.getByTestId('settings-sign-exports').uncheck();
    await page.waitForFunction(() => !document.querySelector('[data-testid="settings-sign-exports"]').disabled);
    assert.equal(await page.getByTestId('settings-sign-exports').isChecked(), false);
    await page.getByTestId('nav-library').click();
    await page.locator('[data-id="img-000000"]').dblclick();
    await page.getByTestId('export-button').click();
    await page.getByTestId('export-sign-note').getByText('turned off in Settings').waitFor();
    assert.equal(await page.getByTestId('export-sign').isChecked(), false);
    assertClean();
  });

  for (const { viewport, colorScheme } of [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ]) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    test(`organisation certificate at ${tag}: picked files, core's refusal, then signed by the organisation`, async (t) => {
      const { page, assertClean } = await openApp(t, {
        viewport,
        colorScheme,
        backend: { signingKeys: ['/home/user/keys/other-key.pem', '/home/user/keys/studio-key.pem'] },
      });
      await page.getByTestId('nav-settings').click();
      const card = page.getByTestId('settings-signing');
      await card.getByTestId('settings-what-others-see').waitFor();
      assert.equal(await card.getByTestId('settings-use-organisation').isDisabled(), true);
      await card.getByTestId('settings-choose-chain').click();
      await card.getByTestId('settings-chain-path').getByText('/home/user/keys/studio-chain.pem').waitFor();
      assert.equal(await card.getByTestId('settings-use-organisation').isDisabled(), true);
      await card.getByTestId('settings-choose-key').click();
      await card.getByTestId('settings-key-path').getByText('/home/user/keys/other-key.pem').waitFor();
      await card.getByTestId('settings-use-organisation').click();
      // Core's typed refusal, in its own words; nothing changed.
      const refused = card.getByTestId('settings-organisation-error');
      await refused.waitFor();
      assert.equal(await refused.getAttribute('data-code'), 'signing');
      assert.match(await refused.textContent(), /private key does not belong to the signing certificate/);
      assert.match(await card.getByTestId('settings-signer').textContent(), /this installation's own certificate/);
      await refused.scrollIntoViewIfNeeded();
      await shot(page, `settings-organisation-refused-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `settings organisation refused ${tag}`);

      await card.getByTestId('settings-choose-key').click();
      await card.getByTestId('settings-key-path').getByText('/home/user/keys/studio-key.pem').waitFor();
      assert.equal(await card.getByTestId('settings-organisation-error').count(), 0);
      await card.getByTestId('settings-use-organisation').click();
      await card.getByTestId('settings-organisation-done').getByText('Exports are now signed by CN=Example Studio Signing, O=Example Studio Ltd, C=GB.').waitFor();
      assert.match(await card.getByTestId('settings-signer').textContent(), /Example Studio Ltd.*your organisation's certificate/s);
      assert.match(await card.getByTestId('settings-what-others-see').textContent(), /valid and signed by your organisation/);
      assert.equal(await card.getByTestId('settings-chain-path').textContent(), 'None chosen');
      await card.getByTestId('settings-organisation-done').scrollIntoViewIfNeeded();
      await shot(page, `settings-organisation-set-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `settings organisation set ${tag}`);

      // Back to the installation's certificate.
      await card.getByTestId('settings-clear-organisation').click();
      await card.getByTestId('settings-signer').getByText("this installation's own certificate").waitFor();
      assert.equal(await card.getByTestId('settings-organisation-done').count(), 0);
      assertClean();
    });
  }

  test('a cancelled certificate picker changes nothing', async (t) => {
    const { page, assertClean } = await openApp(t, { backend: { signingPick: null } });
    await page.getByTestId('nav-settings').click();
    const card = page.getByTestId('settings-signing');
    await card.getByTestId('settings-what-others-see').waitFor();
    await card.getByTestId('settings-choose-chain').click();
    await card.getByTestId('settings-choose-key').click();
    assert.equal(await card.getByTestId('settings-chain-path').textContent(), 'None chosen');
    assert.equal(await card.getByTestId('settings-use-organisation').isDisabled(), true);
    assert.equal(await card.getByTestId('settings-organisation-error').count(), 0);
    assertClean();
  });

  test('the library filters by credentials', async (t) => {
    const { page, assertClean } = await openApp(t, { backend: { credentials } });
    await page.getByTestId('nav-library').click();
    await page.locator('[data-id="img-000000"]').waitFor();
    await page.getByTestId('filter-credentials').selectOption('invalid');
    await page.locator('[data-id="img-000003"]').waitFor();
    assert.equal(await page.locator('[data-id="img-000000"]').count(), 0);
    await page.getByTestId('filter-credentials').selectOption('none');
    await page.locator('[data-id="img-000004"]').waitFor();
    assert.equal(await page.locator('[data-id="img-000003"]').count(), 0);
    await page.getByTestId('filter-credentials').selectOption('unread');
    await page.locator('[data-id="img-000002"]').waitFor();
    assert.equal(await page.locator('[data-id="img-000004"]').count(), 0);
    await imagesLoaded(page, '[data-testid="gallery-item"] img');
    await shot(page, 'library-credentials-filter-1280x800');
    await page.getByTestId('filter-clear').click();
    await page.locator('[data-id="img-000000"]').waitFor();
    assertClean();
  });
});

// --- Issue 10 UI: import into the Library (picker, drop, progress, cancel, summary, origin). ---
describe('import', () => {
  for (const { viewport, colorScheme } of [
    { viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
    { viewport: { width: 800, height: 600 }, colorScheme: 'light' },
    { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  ]) {
    const tag = `${viewport.width}x${viewport.height}${colorScheme === 'dark' ? '-dark' : ''}`;
    test(`import at ${tag}: a folder with progress, the summary, and where an image came from`, async (t) => {
      const { page, assertClean } = await openApp(t, { viewport, colorScheme, backend: { importDelayMs: 40 } });
      await page.getByTestId('nav-library').click();
      await page.getByTestId('gallery-item').first().waitFor();
      await page.getByTestId('import-folder').click();
      await page.getByTestId('import-progress').getByText(' of 42 files').waitFor();
      await shot(page, `import-progress-${tag}`);
      const summary = page.getByTestId('import-summary');
      await summary.waitFor({ timeout: 10000 });
      assert.equal(await summary.textContent(), 'Imported 36 images · 4 duplicates skipped · 2 files could not be read · 1 other file ignored (not PNG, JPEG or WebP).');
      await page.getByTestId('import-details').locator('summary').click();
      assert.match(await page.getByTestId('import-details').textContent(), /huge\.png — The image is too large to open safely \(60000x60000; the limit is 16384 px per side/);
      assert.equal(await page.getByTestId('import-duplicate').count(), 4);
      await imagesLoaded(page, '[data-testid="gallery-item"] img');
      await shot(page, `import-summary-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `import summary ${tag}`);

      // The newest image is an imported one: where it came from, its own text as text.
      await page.getByTestId('gallery-item').first().dblclick();
      const origin = page.getByTestId('import-origin');
      await origin.waitFor();
      assert.match(await origin.getByTestId('origin-file').textContent(), /^image-\d{3}\.png$/);
      assert.match(await origin.getByTestId('origin-declared').textContent(), /CC BY 4\.0 <a href="x">link<\/a>/);
      await origin.locator('summary').click();
      assert.match(await origin.getByTestId('origin-unmapped').textContent(), /<script>window.__pwned=3<\/script>/);
      assert.equal(await origin.locator('a, script').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await origin.scrollIntoViewIfNeeded();
      await shot(page, `import-origin-${tag}`);
      if (viewport.width === 1280) await checkA11y(page, `import origin ${tag}`);
      assertClean();
    });
  }

  test('an import survives leaving the Library, and Cancel stops it', async (t) => {
    const { page, assertClean } = await openApp(t, { backend: { importDelayMs: 150 } });
    await page.getByTestId('nav-library').click();
    await page.getByTestId('gallery-item').first().waitFor();
    await page.getByTestId('import-folder').click();
    await page.getByTestId('import-progress').getByText(/^Importing: [1-9] of 42 files/).waitFor();
    // It runs on while the user is elsewhere, and is still there on coming back.
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('nav-library').click();
    await page.getByTestId('import-progress').getByText(/^Importing: ([3-9]|\d\d) of 42 files/).waitFor();
    // New images reach the grid while the import runs (re-queried in place, at most once a
    // second), without moving the user's scroll position or dropping the selection.
    const gallery = page.getByTestId('gallery');
    const chosen = page.getByTestId('gallery-item').nth(2);
    const chosenId = await chosen.getAttribute('data-id');
    await chosen.click();
    await gallery.evaluate((el) => (el.scrollTop = 500));
    await page.waitForTimeout(100);
    const counted = await page.getByTestId('library-count').textContent();
    await page.waitForFunction((text) => document.querySelector('[data-testid="library-count"]').textContent !== text, counted, { timeout: 4000 });
    assert.ok(await page.getByTestId('import-progress').isVisible(), 'the grid grew before the import ended');
    assert.equal(await gallery.evaluate((el) => el.scrollTop), 500);
    assert.equal(await page.locator(`[data-testid="gallery-item"][data-id="${chosenId}"]`).getAttribute('aria-selected'), 'true');
    await page.getByTestId('import-cancel').click();
    const summary = page.getByTestId('import-summary');
    await summary.waitFor();
    assert.match(await summary.textContent(), /Cancelled: [\d,]+ files left; import the same folder again to go on\.$/);
    const first = Number(/Imported (\d+)/.exec(await summary.textContent())[1]);
    assert.ok(first > 0 && first < 36, `imported ${first} before the cancel`);
    await page.getByTestId('import-dismiss').click();
    await page.getByTestId('import-status').waitFor({ state: 'detached' });
    assertClean();
  });

  test('files dropped on the Library are imported; the pickers cancelled import nothing', async (t) => {
    const { page, assertClean } = await openApp(t, { backend: { importDelayMs: 10, importPick: null } });
    await page.getByTestId('nav-library').click();
    await page.getByTestId('gallery-item').first().waitFor();
    await page.getByTestId('import-files').click();
    await page.getByTestId('import-folder').click();
    assert.equal(await page.getByTestId('import-status').count(), 0);
    await page.evaluate(() => window.__easelBackend.hooks.emitEvent('tauri://drag-drop', { type: 'drop', paths: ['/home/ann/Desktop/a.png', '/home/ann/Desktop/b.jpg'], position: { x: 600, y: 500 } }));
    await page.getByTestId('import-summary').getByText('Imported 2 images.').waitFor();
    assertClean();
  });
});
