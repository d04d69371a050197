// The only module that talks to Tauri. Everything else imports `api`, `imageUrl` and the types
// from `$lib/ipc`, so swapping to generated bindings later touches only this folder.
import { Channel, convertFileSrc, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { writeText } from '@tauri-apps/plugin-clipboard-manager';
import { openUrl } from '@tauri-apps/plugin-opener';
import type {
  ExportOptions,
  ExportPlan,
  ExportPreset,
  ExportReport,
  GenerationRequest,
  ImageDetail,
  ImagePage,
  ImageVariant,
  JobEvent,
  LibraryChanged,
  ListQuery,
  ProviderInfo,
  Settings,
} from './types';

export type * from './types';

/** Every rejected IPC promise carries one of these; branch on `code`, show `message`. */
export class IpcError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }
}

export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof IpcError) return raw;
  if (raw && typeof raw === 'object') {
    const { code, message } = raw as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && typeof message === 'string') return new IpcError(code, message);
    if (raw instanceof Error) return new IpcError('unknown', raw.message);
  }
  // Tauri itself rejects with plain strings (unknown command, bad arguments).
  return new IpcError('unknown', typeof raw === 'string' ? raw : 'Unexpected error from the app backend.');
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

// Tauri converts Rust's snake_case command arguments to camelCase keys.
export const api = {
  getCatalog: () => call<ProviderInfo[]>('get_catalog'),
  getSettings: () => call<Settings>('get_settings'),
  saveProviderSettings: (provider: string, baseUrl: string | null, defaultModel: string | null) =>
    call<Settings>('save_provider_settings', { provider, baseUrl, defaultModel }),
  savePreferences: (embedPromptInExports: boolean) =>
    call<Settings>('save_preferences', { embedPromptInExports }),
  setApiKey: (provider: string, key: string) => call<Settings>('set_api_key', { provider, key }),
  deleteApiKey: (provider: string) => call<Settings>('delete_api_key', { provider }),
  testProvider: (provider: string) => call<string[]>('test_provider', { provider }),
  startGeneration: (request: GenerationRequest, onEvent: (event: JobEvent) => void) => {
    const channel = new Channel<JobEvent>(onEvent);
    return call<string>('start_generation', { request, onEvent: channel });
  },
  cancelJob: (jobId: string) => call<void>('cancel_job', { jobId }),
  listImages: (query: ListQuery) => call<ImagePage>('list_images', { query }),
  getImage: (id: string) => call<ImageDetail>('get_image', { id }),
  setFavorite: (id: string, favorite: boolean) => call<void>('set_favorite', { id, favorite }),
  deleteImages: (ids: string[]) => call<void>('delete_images', { ids }),
  restoreImages: (ids: string[]) => call<void>('restore_images', { ids }),
  copyImage: (id: string) => call<void>('copy_image', { id }),
  revealImage: (id: string) => call<void>('reveal_image', { id }),
  exportPresets: () => call<ExportPreset[]>('export_presets'),
  planExport: (ids: string[], options: ExportOptions) =>
    call<ExportPlan>('plan_export', { ids, options }),
  chooseExportFolder: () => call<string | null>('choose_export_folder'),
  exportImages: (ids: string[], options: ExportOptions, outDir: string) =>
    call<ExportReport>('export_images', { ids, options, outDir }),
  copyCreditLine: (id: string) => call<void>('copy_credit_line', { id }),
};

export type Api = typeof api;

/** URL of an image served by the app's `easel` scheme; image bytes never cross IPC. */
export function imageUrl(id: string, variant: ImageVariant): string {
  return convertFileSrc(`${id}/${variant}`, 'easel');
}

/** Calls `handler` whenever images were added, changed or removed; returns an unsubscribe. */
export async function onLibraryChanged(handler: (change: LibraryChanged) => void): Promise<() => void> {
  return listen<LibraryChanged>('library-changed', (event) => handler(event.payload));
}

export async function copyText(text: string): Promise<void> {
  try {
    await writeText(text);
  } catch (e) {
    throw toIpcError(e);
  }
}

/** Opens an http(s) link in the user's browser, never inside the app's webview. */
export async function openExternal(url: string): Promise<void> {
  if (!/^https?:\/\//i.test(url)) throw new IpcError('invalid_input', `Not a web link: ${url}`);
  try {
    await openUrl(url);
  } catch (e) {
    throw toIpcError(e);
  }
}
