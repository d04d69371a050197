import type { ModelSpec, ProviderInfo } from '$lib/ipc';

/** A model that commercially safe mode hides, and why (core's reason, from its licence terms). */
export type HiddenModel = { providerId: string; providerName: string; modelId: string; modelLabel: string; reason: string };

export type SafeChoices = {
  /** Providers with at least one safe model, each listing only its safe models. */
  offered: ProviderInfo[];
  hidden: HiddenModel[];
};

export function isCommerciallySafe(model: ModelSpec): boolean {
  return model.license.commercially_safe;
}

/**
 * What Generate offers: everything, or (in commercially safe mode) only the models whose terms
 * allow commercial use with an indemnity. Core decides which those are; this only filters.
 */
export function offeredChoices(providers: ProviderInfo[], safeOnly: boolean): SafeChoices {
  if (!safeOnly) return { offered: providers, hidden: [] };
  const offered: ProviderInfo[] = [];
  const hidden: HiddenModel[] = [];
  for (const p of providers) {
    const safe = p.models.filter(isCommerciallySafe);
    for (const m of p.models) {
      if (!isCommerciallySafe(m)) {
        hidden.push({
          providerId: p.id,
          providerName: p.name,
          modelId: m.id,
          modelLabel: m.label,
          reason: m.license.not_safe_because ?? 'its terms are not known to allow commercial use with an indemnity',
        });
      }
    }
    if (safe.length > 0) offered.push({ ...p, models: safe });
  }
  return { offered, hidden };
}

/** The hidden models grouped per provider, one line each: a whole provider reads as one. */
export function hiddenSummary(providers: ProviderInfo[], hidden: HiddenModel[]): { name: string; reason: string }[] {
  const out: { name: string; reason: string }[] = [];
  for (const p of providers) {
    const mine = hidden.filter((h) => h.providerId === p.id);
    if (mine.length === 0) continue;
    const reasons = new Set(mine.map((h) => h.reason));
    if (mine.length === p.models.length && reasons.size === 1) {
      out.push({ name: p.name, reason: mine[0].reason });
    } else {
      for (const h of mine) out.push({ name: `${p.name} ${h.modelLabel}`, reason: h.reason });
    }
  }
  return out;
}
