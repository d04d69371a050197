// What Settings' Local engines section shows about endpoints, workflows and checkpoint terms.
import type { CommercialUse, EndpointKind, InputRef, LicenseTerms, Workflow } from '$lib/ipc';

export const KINDS: { id: EndpointKind; label: string; example: string }[] = [
  { id: 'comfyui', label: 'ComfyUI', example: 'http://127.0.0.1:8188' },
  { id: 'a1111', label: 'AUTOMATIC1111 / Forge', example: 'http://127.0.0.1:7860' },
  { id: 'openai-compatible', label: 'OpenAI-compatible server', example: 'http://127.0.0.1:8080' },
];

/** Capability presets of OpenAI-compatible servers (core's data/engines/openai-compatible.json). */
export const PRESETS = [
  { id: 'generic', label: 'Generic' },
  { id: 'localai', label: 'LocalAI' },
  { id: 'sd-cpp', label: 'stable-diffusion.cpp server' },
  { id: 'ollama', label: 'Ollama' },
];

export function kindLabel(kind: EndpointKind): string {
  return KINDS.find((k) => k.id === kind)?.label ?? kind;
}

export function exampleUrl(kind: EndpointKind): string {
  return KINDS.find((k) => k.id === kind)?.example ?? 'http://127.0.0.1:8080';
}

/** The same rule as the core's endpoint names (used like a provider id): checked there too. */
export function nameProblem(name: string): string | null {
  const n = name.trim();
  if (!n) return 'Give the endpoint a name.';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/.test(n)) return 'Use 1–40 letters, digits, "-" or "_", starting with a letter or digit (e.g. studio-comfy).';
  return null;
}

export function urlProblem(url: string): string | null {
  const u = url.trim();
  if (!u) return 'Enter the engine\'s address, e.g. http://127.0.0.1:8188';
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    return 'Enter an address starting with http:// or https://';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'Enter an address starting with http:// or https://';
  if (parsed.username || parsed.password) return 'Put the user name and password in their own fields, not in the address.';
  return null;
}

/** The parameters a ComfyUI workflow mapping has, in display order (core's `MAPPED`). */
export const MAPPED: { id: string; label: string }[] = [
  { id: 'prompt', label: 'Prompt' },
  { id: 'negative_prompt', label: 'Negative prompt' },
  { id: 'seed', label: 'Seed' },
  { id: 'width', label: 'Width' },
  { id: 'height', label: 'Height' },
  { id: 'batch_size', label: 'Batch size' },
  { id: 'steps', label: 'Steps' },
  { id: 'cfg', label: 'CFG' },
  { id: 'sampler', label: 'Sampler' },
  { id: 'scheduler', label: 'Scheduler' },
  { id: 'checkpoint', label: 'Checkpoint' },
];

export type InputChoice = { value: string; label: string; ref: InputRef };

/** Every input of the graph that holds a value (not a link to another node), which a
 *  parameter can be mapped to, labelled "node id · class · input". */
export function inputChoices(workflow: Workflow): InputChoice[] {
  const out: InputChoice[] = [];
  const graph = workflow.graph;
  if (!graph || typeof graph !== 'object' || Array.isArray(graph)) return out;
  for (const [node, raw] of Object.entries(graph as Record<string, unknown>)) {
    if (!raw || typeof raw !== 'object') continue;
    const n = raw as { class_type?: unknown; inputs?: unknown; _meta?: { title?: unknown } };
    const cls = typeof n.class_type === 'string' ? n.class_type : '?';
    const title = typeof n._meta?.title === 'string' && n._meta.title !== cls ? ` “${n._meta.title}”` : '';
    if (!n.inputs || typeof n.inputs !== 'object') continue;
    for (const [input, value] of Object.entries(n.inputs as Record<string, unknown>)) {
      const isLink = Array.isArray(value) && value.length === 2 && typeof value[1] === 'number';
      if (isLink) continue;
      out.push({ value: `${node}\u0000${input}`, label: `${node} · ${cls}${title} · ${input}`, ref: { node, input } });
    }
  }
  return out.sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
}

export function choiceValue(ref: InputRef | null | undefined): string {
  return ref ? `${ref.node}\u0000${ref.input}` : '';
}

export function commercialLabel(use: CommercialUse): string {
  return { yes: 'Commercial use allowed', no: 'No commercial use', conditional: 'Commercial use with conditions', unknown: 'Terms unknown' }[use];
}

/** A checkpoint's terms in one line for the models list. */
export function termsLine(terms: LicenseTerms): string {
  if (!terms.known) return 'Terms unknown — declare its licence once you have checked it';
  return `${terms.covers || terms.id} · ${commercialLabel(terms.commercial_use)}`;
}
