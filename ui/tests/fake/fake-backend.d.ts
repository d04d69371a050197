// Types for the plain-JS fake backend, so TypeScript tests can use it.
export {};

type FakeOptions = {
  images?: number;
  keyPresent?: boolean;
  keySource?: 'keychain' | 'file' | 'env';
  keychainAvailable?: boolean;
  accessibleModels?: string[];
  testProviderError?: { code: string; message: string } | null;
  speed?: number;
  /** Milliseconds each list_images answer waits (changeable through `options` while running). */
  listDelayMs?: number;
  stabilityFromEnv?: boolean;
  gettyConfigured?: boolean;
  fireflyConfigured?: boolean;
  /** Ids of images whose original a library check found damaged. */
  damaged?: string[];
  /** The library could not be opened at start: every command but the failure screen's fails with its code and message. */
  openFailure?: { code: string; message: string; folder: string | null } | null;
  /** An older library is being upgraded as it opens: every command but library_open_stage waits until this is set to null. */
  upgrade?: { from: number; to: number } | null;
  /** The folder a library was moved from, still on disk. */
  previousLibrary?: string | null;
  /** At most this many images of each answer are stored; the rest are reported lost. */
  storeAtMost?: number;
  /** Edits and variations: child image id -> [parent image id, operation]. */
  lineage?: Record<string, [string, string]>;
  /** Organising (issue 11): tag name -> image ids, board name -> image ids, near-duplicate groups. */
  tags?: Record<string, string[]>;
  boards?: Record<string, string[]>;
  duplicates?: string[][];
  // Issue 8/9 UI:
  /** Endpoints already added (password: what is in the keychain; "secret" passes basic auth). */
  endpoints?: { name: string; kind: 'comfyui' | 'a1111' | 'openai-compatible'; url: string; username?: string | null; password?: string | null }[];
  /** The file the workflow dialog "chooses": an API-format workflow, a UI-format one, or cancel. */
  workflowFile?: 'api' | 'ui' | null;
  // Issue 10 UI:
  /** What an image's file carries; "unread" = stored before Easel read credentials. */
  credentials?: Record<string, 'trusted' | 'valid' | 'invalid' | 'hostile' | 'none' | 'unread'>;
  /** Exports are signed with the organisation's certificate rather than this installation's. */
  organisationSigner?: boolean;
  /** `null`: the signing-file picker is cancelled. */
  signingPick?: null;
  signingChain?: string;
  /** The private keys picked, in order (the last one repeats). */
  signingKeys?: string[];
  signingSubject?: string;
  /** Import: null = the pickers are cancelled; images per picked folder; delay per file. */
  importPick?: null | 'pick';
  importFolderSize?: number;
  importDelayMs?: number;
};

type FakeBackend = {
  handle: (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;
  dispose: () => void;
  hooks: {
    emitEvent: (event: string, payload: unknown) => void;
    sendChannel: (id: number, data: unknown) => void;
  };
  calls: { cmd: string; args: Record<string, unknown> }[];
  images: { id: string; deleted: boolean; favorite: boolean; prompt: string; provider: string; license_status: string; filtered: boolean; parent?: string; operation?: string; limited_by?: string; rating?: number }[];
  creds: Record<string, Record<string, { present: boolean; source: string | null }>>;
  options: Required<FakeOptions>;
  /** Issue 8/9 UI: every start_edit request as sent. */
  edits: { jobId: string; request: Record<string, unknown> }[];
};

declare global {
  var __easelFake: {
    createFakeBackend: (opts?: FakeOptions) => FakeBackend;
    installFakeTauri: (opts?: FakeOptions) => FakeBackend;
  };
}
