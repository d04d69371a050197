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
  pageSize?: number;
  stabilityFromEnv?: boolean;
  gettyConfigured?: boolean;
  fireflyConfigured?: boolean;
  /** Ids of images whose original a library check found damaged. */
  damaged?: string[];
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
};

declare global {
  var __easelFake: {
    createFakeBackend: (opts?: FakeOptions) => FakeBackend;
    installFakeTauri: (opts?: FakeOptions) => FakeBackend;
  };
}
