// The only module that talks to Tauri. Everything else imports `api`, `imageUrl` and the types
// from `$lib/ipc`. Commands and their types are generated from Rust (`bindings.ts`).
import { Channel, convertFileSrc } from '@tauri-apps/api/core';
import { writeText } from '@tauri-apps/plugin-clipboard-manager';
import { openUrl } from '@tauri-apps/plugin-opener';
import { commands, events } from './bindings';
import type {
  DeclaredLicense,
  EditStart,
  InputRef,
  NewEndpoint,
  ExportOptions,
  GenerationRequest,
  ImportProgress,
  ImageVariant,
  JobEvent,
  LibraryChanged,
  ListQuery,
  ProviderInfo,
  Selection,
  SigningFile,
  TrashBatch,
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

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw toIpcError(e);
  }
}

export const api = {
  // The shell serializes every ParamSpec field; the generated type only marks them optional
  // because Rust reads them with defaults.
  getCatalog: () => call(() => commands.getCatalog()) as Promise<ProviderInfo[]>,
  getSettings: () => call(() => commands.getSettings()),
  saveProviderSettings: (provider: string, baseUrl: string | null, defaultModel: string | null) =>
    call(() => commands.saveProviderSettings(provider, baseUrl, defaultModel)),
  savePreferences: (embedPromptInExports: boolean) =>
    call(() => commands.savePreferences(embedPromptInExports)),
  setApiKey: (provider: string, key: string) => call(() => commands.setApiKey(provider, key)),
  deleteApiKey: (provider: string) => call(() => commands.deleteApiKey(provider)),
  setCredential: (provider: string, field: string, value: string) =>
    call(() => commands.setCredential(provider, field, value)),
  deleteCredentials: (provider: string) => call(() => commands.deleteCredentials(provider)),
  credentialStatus: (provider: string) => call(() => commands.credentialStatus(provider)),
  testProvider: (provider: string) => call(() => commands.testProvider(provider)),
  startGeneration: (request: GenerationRequest, onEvent: (event: JobEvent) => void) => {
    const channel = new Channel<JobEvent>(onEvent);
    return call(() => commands.startGeneration(request, channel));
  },
  cancelJob: (jobId: string) => call(() => commands.cancelJob(jobId)).then(() => undefined),
  /** The mask travels as brush strokes; the core paints it at the image's exact size. */
  startEdit: (request: EditStart, onEvent: (event: JobEvent) => void) => {
    const channel = new Channel<JobEvent>(onEvent);
    return call(() => commands.startEdit(request, channel));
  },
  startVariations: (imageId: string, n: number | null, onEvent: (event: JobEvent) => void) => {
    const channel = new Channel<JobEvent>(onEvent);
    return call(() => commands.startVariations(imageId, n, null, null, channel));
  },
  versionTree: (id: string) => call(() => commands.versionTree(id)),
  stackCounts: (ids: string[]) => call(() => commands.stackCounts(ids)),
  listImages: (query: ListQuery) => call(() => commands.listImages(query)),
  /** Where a list whose count says `any_position` begins at `position` (null: the start). */
  cursorAt: (query: ListQuery, position: number) => call(() => commands.cursorAt(query, position)),
  getImage: (id: string) => call(() => commands.getImage(id)),
  setFavorite: (id: string, favorite: boolean) =>
    call(() => commands.setFavorite(id, favorite)).then(() => undefined),
  deleteImages: (ids: string[]) => call(() => commands.deleteImages(ids)).then(() => undefined),
  restoreImages: (ids: string[]) => call(() => commands.restoreImages(ids)).then(() => undefined),
  downloadSizes: (imageId: string) => call(() => commands.downloadSizes(imageId)),
  licenseImage: (imageId: string, size: string) => call(() => commands.licenseImage(imageId, size)),
  copyImage: (id: string) => call(() => commands.copyImage(id)).then(() => undefined),
  revealImage: (id: string) => call(() => commands.revealImage(id)).then(() => undefined),
  exportPresets: () => call(() => commands.exportPresets()),
  planExport: (ids: string[], options: ExportOptions) => call(() => commands.planExport(ids, options)),
  chooseExportFolder: () => call(() => commands.chooseExportFolder()),
  // Content Credentials (issue 10).
  imageCredentials: (id: string) => call(() => commands.imageCredentials(id)),
  readImageCredentials: (id: string) => call(() => commands.readImageCredentials(id)),
  signingStatus: () => call(() => commands.signingStatus()),
  setSigningEnabled: (enabled: boolean) => call(() => commands.setSigningEnabled(enabled)),
  clearOrganisationSigning: () => call(() => commands.clearOrganisationSigning()),
  /** The native picker for the organisation's certificate chain or key; `null` when cancelled. */
  chooseSigningFile: (file: SigningFile) => call(() => commands.chooseSigningFile(file)),
  /** Core test-signs with the chain and key before it accepts them. */
  setOrganisationSigning: (certPath: string, keyPath: string) =>
    call(() => commands.setOrganisationSigning(certPath, keyPath)),
  // Import (issue 10): answers with the summary when done or cancelled.
  importImages: (paths: string[], recursive: boolean, onProgress: (p: ImportProgress) => void) => {
    const channel = new Channel<ImportProgress>(onProgress);
    return call(() => commands.importImages(paths, recursive, channel));
  },
  cancelImport: () => call(() => commands.cancelImport()).then(() => undefined),
  chooseImportFolder: () => call(() => commands.chooseImportFolder()),
  chooseImportFiles: () => call(() => commands.chooseImportFiles()),
  importOrigin: (id: string) => call(() => commands.importOrigin(id)),
  exportImages: (ids: string[], options: ExportOptions, outDir: string) =>
    call(() => commands.exportImages(ids, options, outDir)),
  /** Opens the save dialog, then writes the backup; `null` when the user cancels. */
  backUpLibrary: () => call(() => commands.backUpLibrary()),
  moveLibrary: () => call(() => commands.moveLibrary()),
  previousLibrary: () => call(() => commands.previousLibrary()),
  removePreviousLibrary: () => call(() => commands.removePreviousLibrary()),
  restartApp: () => call(() => commands.restartApp()),
  quitApp: () => call(() => commands.quitApp()),
  /** Why the library could not be opened at start; `null` when it is open. */
  libraryOpenFailure: () => call(() => commands.libraryOpenFailure()),
  /** How far opening the library has got (an older one is upgraded first); answered at once. */
  libraryOpenStage: () => call(() => commands.libraryOpenStage()),
  copyCreditLine: (id: string) => call(() => commands.copyCreditLine(id)).then(() => undefined),

  // Organising (issue 11): boards, tags, ratings, notes, saved searches, bulk actions.
  searchKeys: () => call(() => commands.searchKeys()),
  /** Where the text breaks the search language (null when it does not). */
  checkSearch: (text: string) => call(() => commands.checkSearch(text)),
  countImages: (query: ListQuery) => call(() => commands.countImages(query)),
  listBoards: () => call(() => commands.listBoards()),
  createBoard: (name: string) => call(() => commands.createBoard(name)),
  renameBoard: (id: number, name: string) => call(() => commands.renameBoard(id, name)),
  deleteBoard: (id: number) => call(() => commands.deleteBoard(id)).then(() => undefined),
  setBoardCover: (id: number, image: string | null) => call(() => commands.setBoardCover(id, image)),
  addToBoard: (id: number, selection: Selection) => call(() => commands.addToBoard(id, selection)),
  removeFromBoard: (id: number, selection: Selection) => call(() => commands.removeFromBoard(id, selection)),
  listTags: (prefix: string, limit: number) => call(() => commands.listTags(prefix, limit)),
  addTags: (selection: Selection, names: string[]) => call(() => commands.addTags(selection, names)),
  removeTags: (selection: Selection, names: string[]) => call(() => commands.removeTags(selection, names)),
  renameTag: (from: string, to: string) => call(() => commands.renameTag(from, to)),
  setRating: (selection: Selection, rating: number) => call(() => commands.setRating(selection, rating)),
  setNote: (id: string, note: string) => call(() => commands.setNote(id, note)).then(() => undefined),
  imageOrganisation: (id: string) => call(() => commands.imageOrganisation(id)),
  listSavedSearches: () => call(() => commands.listSavedSearches()),
  saveSearch: (name: string, query: string) => call(() => commands.saveSearch(name, query)),
  deleteSavedSearch: (name: string) => call(() => commands.deleteSavedSearch(name)).then(() => undefined),
  nearDuplicates: (maxDistance: number | null = null) => call(() => commands.nearDuplicates(maxDistance)),
  selectionIds: (selection: Selection) => call(() => commands.selectionIds(selection)),
  setFavorites: (selection: Selection, favorite: boolean) => call(() => commands.setFavorites(selection, favorite)),
  deleteSelection: (selection: Selection) => call(() => commands.deleteSelection(selection)),
  undoDelete: (batch: TrashBatch) => call(() => commands.undoDelete(batch)),
  // --- Local engines (issue 8): endpoints, ComfyUI workflows, checkpoint licences ---
  listEndpoints: () => call(() => commands.listEndpoints()),
  /** Endpoints as providers for Generate, with the checkpoints each lists now. */
  endpointCatalog: () => call(() => commands.endpointCatalog()) as Promise<ProviderInfo[]>,
  /** `password` null keeps a stored one; it goes to the keychain and is never read back. */
  saveEndpoint: (endpoint: NewEndpoint, password: string | null) => call(() => commands.saveEndpoint(endpoint, password)),
  removeEndpoint: (name: string) => call(() => commands.removeEndpoint(name)).then(() => undefined),
  testEndpoint: (name: string) => call(() => commands.testEndpoint(name)),
  endpointModels: (name: string) => call(() => commands.endpointModels(name)),
  declareCheckpointLicense: (checkpoint: string, license: DeclaredLicense | null) =>
    call(() => commands.declareCheckpointLicense(checkpoint, license)).then(() => undefined),
  declaredCheckpointLicenses: () => call(() => commands.declaredCheckpointLicenses()),
  checkpointTerms: (endpoint: string, checkpoints: string[]) => call(() => commands.checkpointTerms(endpoint, checkpoints)),
  /** Opens the file dialog in the app; `null` when the user cancels. */
  importWorkflow: (endpoint: string, name: string) => call(() => commands.importWorkflow(endpoint, name)),
  correctWorkflowMapping: (endpoint: string, name: string, corrections: Partial<Record<string, InputRef | null>>) =>
    call(() => commands.correctWorkflowMapping(endpoint, name, corrections)),
  removeWorkflow: (endpoint: string, name: string) => call(() => commands.removeWorkflow(endpoint, name)).then(() => undefined),
};

export type Api = typeof api;

/** URL of an image served by the app's `easel` scheme; image bytes never cross IPC. */
export function imageUrl(id: string, variant: ImageVariant): string {
  return convertFileSrc(`${id}/${variant}`, 'easel');
}

/** URL of a running job's latest preview (number `n`, so each new frame is fetched). Previews
 *  live in the app's memory only and are never stored. */
export function previewUrl(jobId: string, n: number): string {
  return `${convertFileSrc(`${jobId}/preview`, 'easel')}?n=${n}`;
}

/** Calls `handler` whenever images were added, changed or removed; returns an unsubscribe. */
export async function onLibraryChanged(handler: (change: LibraryChanged) => void): Promise<() => void> {
  return events.libraryChanged.listen((event) => handler(event.payload));
}

export async function copyText(text: string): Promise<void> {
  try {
    await writeText(text);
  } catch (e) {
    throw toIpcError(e);
  }
}

/** Calls `handler` with the paths of files dropped on the window from the desktop and where
 *  they were dropped (CSS pixels); returns an unsubscribe. */
export async function onFilesDropped(handler: (paths: string[], at: { x: number; y: number }) => void): Promise<() => void> {
  const { getCurrentWebview } = await import('@tauri-apps/api/webview');
  return getCurrentWebview().onDragDropEvent((event) => {
    if (event.payload.type !== 'drop') return;
    const ratio = window.devicePixelRatio || 1;
    handler(event.payload.paths, { x: event.payload.position.x / ratio, y: event.payload.position.y / ratio });
  });
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
