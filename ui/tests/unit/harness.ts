import '../fake/fake-backend.js';
import { clearMocks, mockConvertFileSrc, mockIPC } from '@tauri-apps/api/mocks';

type InternalWindow = Window & {
  __TAURI_INTERNALS__: {
    invoke: (cmd: string, args?: unknown) => Promise<unknown>;
    runCallback: (id: number, data: unknown) => void;
  };
};

let current: { dispose: () => void } | null = null;

/** Stops the fake backend's scripted jobs; call it when a test ends. */
export function disposeBackend(): void {
  current?.dispose();
  current = null;
}

/** Routes every IPC call of the component under test to a fresh in-memory fake backend. */
export function installBackend(opts: Parameters<typeof globalThis.__easelFake.createFakeBackend>[0] = {}) {
  disposeBackend();
  clearMocks();
  const backend = globalThis.__easelFake.createFakeBackend({ images: 500, speed: 1, ...opts });
  current = backend;
  mockIPC((cmd, args) => backend.handle(cmd, args as Record<string, unknown>), { shouldMockEvents: true });
  mockConvertFileSrc('linux');
  const internals = (window as unknown as InternalWindow).__TAURI_INTERNALS__;
  backend.hooks.sendChannel = (id, data) => internals.runCallback(id, data);
  backend.hooks.emitEvent = (event, payload) => void internals.invoke('plugin:event|emit', { event, payload });
  return backend;
}

export function callsOf(backend: ReturnType<typeof installBackend>, cmd: string) {
  return backend.calls.filter((c) => c.cmd === cmd);
}
