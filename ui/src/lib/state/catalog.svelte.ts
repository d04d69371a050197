import { api, IpcError, toIpcError, type ConnectionTest, type CredentialsView, type ModelSpec, type ProviderInfo, type Settings } from '$lib/ipc';
import { readStored, writeStored } from '$lib/logic/stored';

const ACCESS_CACHE_KEY = 'easel.model-access.v1';

type Access = { models: string[]; checkedAt: number };

/** Providers, models, settings and what each key may use: the data most views read. */
export class Catalog {
  providers = $state<ProviderInfo[]>([]);
  settings = $state<Settings | null>(null);
  loaded = $state(false);
  loadError = $state<IpcError | null>(null);
  /** Model ids each provider's key can use, from test_provider; absent means unknown. */
  access = $state<Record<string, Access>>(readAccessCache());
  /** Set when test_provider failed with a network error. */
  unreachable = $state<Record<string, IpcError>>({});
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);

  async load(): Promise<void> {
    try {
      const [providers, settings] = await Promise.all([api.getCatalog(), api.getSettings()]);
      this.providers = providers;
      this.settings = settings;
      this.loadError = null;
    } catch (e) {
      this.loadError = toIpcError(e);
    } finally {
      this.loaded = true;
    }
    void this.loadEndpoints();
  }

  /** Names of the local engines among `providers` (after the hosted ones). */
  endpointIds = $state<string[]>([]);

  isEndpoint(id: string): boolean {
    return this.endpointIds.includes(id);
  }

  /** Local engines join the providers once they have answered (or not); asked again when
   *  Settings changes them. An engine that is down has no models and shows as not set up. */
  async loadEndpoints(): Promise<void> {
    try {
      const endpoints = await api.endpointCatalog();
      const before = new Set(this.endpointIds);
      this.endpointIds = endpoints.map((p) => p.id);
      this.providers = [...this.providers.filter((p) => !before.has(p.id)), ...endpoints];
    } catch {
      // The hosted providers still work; Settings shows what is wrong with an engine.
    }
  }

  provider(id: string | null): ProviderInfo | undefined {
    return this.providers.find((p) => p.id === id);
  }

  model(providerId: string, modelId: string): ModelSpec | undefined {
    return this.provider(providerId)?.models.find((m) => m.id === modelId);
  }

  /** Every credential field of the provider is set (Settings or environment). */
  hasKey(providerId: string): boolean {
    return this.provider(providerId)?.configured ?? false;
  }

  get anyKey(): boolean {
    return this.providers.some((p) => p.configured);
  }

  /** Takes in a provider's credential status after Settings changed it. */
  applyCredentials(view: CredentialsView): void {
    this.providers = this.providers.map((p) =>
      p.id === view.provider ? { ...p, configured: view.configured, credentials: view.fields } : p,
    );
  }

  /** False only when a test said the key cannot use the model; unknown counts as usable. */
  canUse(providerId: string, modelId: string): boolean {
    const a = this.access[providerId];
    return a ? a.models.includes(modelId) : true;
  }

  /** Calls test_provider and caches the answer; rejects with the IpcError. */
  async testProvider(providerId: string): Promise<ConnectionTest> {
    try {
      const result = await api.testProvider(providerId);
      const models = result.models;
      this.access = { ...this.access, [providerId]: { models, checkedAt: Date.now() } };
      this.unreachable = without(this.unreachable, providerId);
      writeAccessCache(this.access);
      return result;
    } catch (e) {
      const err = toIpcError(e);
      if (err.code === 'network') this.unreachable = { ...this.unreachable, [providerId]: err };
      if (err.code === 'auth') this.forgetAccess(providerId);
      throw err;
    }
  }

  /** Checks model access once in the background for providers with a key and no cached answer. */
  async refreshAccess(): Promise<void> {
    await Promise.all(
      this.providers
        .filter((p) => this.hasKey(p.id) && !this.access[p.id])
        .map((p) => this.testProvider(p.id).catch(() => undefined)),
    );
  }

  forgetAccess(providerId: string): void {
    this.access = without(this.access, providerId);
    writeAccessCache(this.access);
  }

  setSettings(settings: Settings): void {
    this.settings = settings;
  }

  watchOnline(): () => void {
    const update = () => (this.online = navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

function readAccessCache(): Record<string, Access> {
  try {
    const raw = readStored(ACCESS_CACHE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, Access>) : {};
  } catch {
    return {};
  }
}

function writeAccessCache(access: Record<string, Access>): void {
  writeStored(ACCESS_CACHE_KEY, JSON.stringify(access));
}
