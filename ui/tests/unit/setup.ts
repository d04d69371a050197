import '@testing-library/jest-dom/vitest';
import { beforeEach } from 'vitest';

// jsdom has no layout; a ResizeObserver that never fires is enough for bind:clientWidth.
if (!('ResizeObserver' in globalThis)) {
  class ResizeObserverStub {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = ResizeObserverStub;
}

// Views, drafts and switches are remembered in localStorage; every test starts from none.
beforeEach(() => localStorage.clear());
