import type { GenerationParams, ModelSpec, ParamSpec } from '$lib/ipc';
import { checkCustomSize, parseSize } from './size';

/**
 * Form values for the model's parameters, keyed by the catalogue's parameter name. A value of
 * '' (or null for numbers) means "leave it out": the provider's own default applies.
 */
export type ParamValue = string | number | boolean | null;

export type ParamForm = {
  values: Record<string, ParamValue>;
  /** When `values.size === CUSTOM`: the free-form WxH the model's custom size rule allows. */
  customWidth: number;
  customHeight: number;
  /** Seed locked: the number in `values.seed` is sent. Unlocked: no seed, a random image. */
  seedLocked: boolean;
};

export const CUSTOM = 'custom';

/** How a parameter is shown; decided from its data alone, never from the provider. */
export type ControlKind = 'aspect_ratio' | 'segmented' | 'select' | 'count' | 'slider' | 'seed' | 'number' | 'decimal' | 'textarea' | 'text' | 'size' | 'checkbox';

/** Choices with this few values read best as a row of buttons. */
const SEGMENTED_MAX = 4;
/** Counts up to this are offered in a drop-down. */
const COUNT_SELECT_MAX = 10;

export function controlKind(spec: ParamSpec): ControlKind {
  switch (spec.kind) {
    case 'size':
      return 'size';
    case 'bool':
      return 'checkbox';
    case 'text':
      return (spec.max_chars ?? 0) > 200 || spec.name === 'negative_prompt' ? 'textarea' : 'text';
    case 'integer':
      if (spec.name === 'seed') return 'seed';
      if (spec.name === 'n' && spec.max != null && spec.max <= COUNT_SELECT_MAX) return 'count';
      if (spec.min === 0 && spec.max === 100) return 'slider';
      return 'number';
    case 'decimal':
      return 'decimal';
    case 'choice':
      if (spec.name === 'aspect_ratio' && spec.values.every((v) => parseRatio(v) !== null)) return 'aspect_ratio';
      // Style presets are many and wordy: always a list.
      if (spec.name === 'style' || spec.values.length > SEGMENTED_MAX) return 'select';
      return 'segmented';
  }
}

/** "16:9" → {w: 16, h: 9}. */
export function parseRatio(value: string): { w: number; h: number } | null {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(value);
  if (!m) return null;
  const w = Number(m[1]);
  const h = Number(m[2]);
  return w > 0 && h > 0 ? { w, h } : null;
}

function defaultValue(spec: ParamSpec): ParamValue {
  const d = spec.default;
  switch (spec.kind) {
    case 'integer':
      if (spec.name === 'seed') return typeof d === 'number' && d > 0 ? d : randomSeed(spec);
      return typeof d === 'number' ? d : spec.name === 'n' ? (spec.min ?? 1) : null;
    case 'decimal':
      return typeof d === 'number' ? d : null;
    case 'bool':
      return typeof d === 'boolean' ? d : null;
    case 'text':
      return typeof d === 'string' ? d : '';
    case 'choice':
    case 'size':
      if (typeof d === 'string' && spec.values.includes(d)) return d;
      // "auto" is the provider's own default by another name: choose it rather than offer both.
      return spec.values.includes('auto') ? 'auto' : '';
  }
}

/** Whether the control offers "Default" (leave the parameter out) besides the values. */
export function offersDefault(spec: ParamSpec): boolean {
  return spec.default == null && !spec.values.includes('auto');
}

/**
 * What the seed control says will happen. Unlocked, hosted providers get no seed and each
 * image is new; a local engine gets one Easel picks and records (`picksSeed`), so the image
 * is new and can still be made again.
 */
export function seedHint(locked: boolean, picksSeed: boolean): string {
  if (locked) return 'This seed is sent: the same prompt gives the same image.';
  return picksSeed
    ? 'Easel picks a new seed and records it with the image: each image is new, and can be made again.'
    : 'No seed is sent: each image is new.';
}

/** A seed to offer when the user locks one without typing it, within the model's range. */
export function randomSeed(spec: ParamSpec | undefined, random: () => number = Math.random): number {
  const lo = Math.max(1, spec?.min ?? 1);
  const hi = Math.min(spec?.max ?? 4_294_967_294, Number.MAX_SAFE_INTEGER);
  return lo + Math.floor(random() * (hi - lo + 1));
}

export function defaultForm(model: ModelSpec): ParamForm {
  const values: Record<string, ParamValue> = {};
  for (const spec of model.parameters) values[spec.name] = defaultValue(spec);
  const size = model.parameters.find((p) => p.name === 'size');
  const first = size?.values.map(parseSize).find((s) => s !== null);
  return { values, customWidth: first?.width ?? 1024, customHeight: first?.height ?? 1024, seedLocked: false };
}

function allowed(spec: ParamSpec, value: ParamValue, model: ModelSpec): boolean {
  if (value === null || value === '') return true;
  if (spec.name === 'size' && value === CUSTOM) return model.custom_size !== null;
  return paramProblem(spec, value, model.label) === null;
}

/** Keeps values the new model also takes, so switching models does not lose choices needlessly. */
export function adaptForm(form: ParamForm, model: ModelSpec): ParamForm {
  const d = defaultForm(model);
  const values: Record<string, ParamValue> = {};
  for (const spec of model.parameters) {
    const old = form.values[spec.name];
    values[spec.name] = old !== undefined && allowed(spec, old, model) ? old : d.values[spec.name];
  }
  const n = model.parameters.find((p) => p.name === 'n');
  if (n && typeof values.n === 'number') values.n = clamp(values.n, n.min ?? 1, n.max ?? values.n);
  return { ...form, values };
}

/** Form values from stored params, e.g. for "edit and run". */
export function formFromParams(params: GenerationParams, model: ModelSpec): ParamForm {
  const d = defaultForm(model);
  const stored = params as Record<string, unknown>;
  const values: Record<string, ParamValue> = { ...d.values };
  for (const spec of model.parameters) {
    const v = stored[spec.name];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values[spec.name] = v;
  }
  let { customWidth, customHeight } = d;
  const sizeSpec = model.parameters.find((p) => p.name === 'size');
  if (sizeSpec && typeof values.size === 'string' && !sizeSpec.values.includes(values.size)) {
    const parsed = parseSize(values.size);
    if (parsed && model.custom_size) {
      values.size = CUSTOM;
      customWidth = parsed.width;
      customHeight = parsed.height;
    }
  }
  const seedLocked = typeof stored.seed === 'number';
  return adaptForm({ values, customWidth, customHeight, seedLocked }, model);
}

/** What is wrong with one value, by the same rules core applies; null when it is fine. */
export function paramProblem(spec: ParamSpec, value: ParamValue, modelLabel: string): string | null {
  if (value === null || value === '') return null;
  switch (spec.kind) {
    case 'choice':
    case 'size':
      return typeof value === 'string' && spec.values.includes(value)
        ? null
        : `${spec.label}: ${modelLabel} takes ${orList(spec.values)}.`;
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${spec.label} must be a whole number.`;
      const lo = spec.min ?? -Infinity;
      const hi = spec.max ?? Infinity;
      if (value < lo || value > hi) return `${spec.label} must be from ${spec.min ?? 'any'} to ${spec.max ?? 'any'} for ${modelLabel}.`;
      return null;
    }
    case 'decimal': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${spec.label} must be a number.`;
      const lo = spec.min ?? -Infinity;
      const hi = spec.max ?? Infinity;
      if (value < lo || value > hi) return `${spec.label} must be from ${spec.min ?? 'any'} to ${spec.max ?? 'any'} for ${modelLabel}.`;
      return null;
    }
    case 'text': {
      if (typeof value !== 'string') return `${spec.label} must be text.`;
      const chars = [...value].length;
      return spec.max_chars != null && chars > spec.max_chars
        ? `${spec.label} is ${chars - spec.max_chars} characters over ${modelLabel}'s limit of ${spec.max_chars}.`
        : null;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : `${spec.label} must be on or off.`;
  }
}

/** Whether a parameter is sent at all with these form values. */
function sends(spec: ParamSpec, form: ParamForm, model: ModelSpec): boolean {
  const value = form.values[spec.name];
  if (value === null || value === undefined || value === '') return false;
  if (spec.name === 'seed') return form.seedLocked;
  if (spec.name === 'output_compression') {
    const format = form.values.output_format;
    return typeof format === 'string' && model.compression_formats.includes(format);
  }
  return true;
}

/** Problems that keep the form from being sent; empty when it can be. */
export function formProblems(prompt: string, form: ParamForm, model: ModelSpec): string[] {
  const problems: string[] = [];
  const length = [...prompt].length;
  if (prompt.trim().length === 0) problems.push('Write a prompt first.');
  if (length > model.prompt_max_chars) {
    problems.push(`The prompt is ${length - model.prompt_max_chars} characters over ${model.label}'s limit.`);
  }
  return [...problems, ...paramProblems(form, model)];
}

/** Problems of the parameter values alone (the prompt aside); empty when they can be sent. */
export function paramProblems(form: ParamForm, model: ModelSpec): string[] {
  const problems: string[] = [];
  for (const spec of model.parameters) {
    const value = form.values[spec.name] ?? null;
    if (spec.name === 'size' && value === CUSTOM) {
      if (!model.custom_size) problems.push(`${model.label} has no custom sizes.`);
      else {
        const check = checkCustomSize(form.customWidth, form.customHeight, model.custom_size);
        if (!check.ok) problems.push(check.problem);
      }
      continue;
    }
    if (spec.name === 'seed' && !form.seedLocked) continue;
    const problem = paramProblem(spec, value, model.label);
    if (problem) problems.push(problem);
  }
  const background = form.values.background;
  const format = form.values.output_format;
  if (
    background === 'transparent' &&
    typeof format === 'string' &&
    format !== '' &&
    model.transparent_background_formats.length > 0 &&
    !model.transparent_background_formats.includes(format)
  ) {
    problems.push(`A transparent background needs ${orList(model.transparent_background_formats.map((f) => (f === 'webp' ? 'WebP' : f.toUpperCase())))}.`);
  }
  return problems;
}

/** Only the parameters this model takes and the user set, so the provider never sees a field it rejects. */
export function buildParams(form: ParamForm, model: ModelSpec): GenerationParams {
  const params: Record<string, string | number | boolean> = {};
  for (const spec of model.parameters) {
    if (!sends(spec, form, model)) continue;
    const value = form.values[spec.name];
    if (value === null || value === undefined) continue;
    if (spec.name === 'size' && value === CUSTOM) params.size = `${form.customWidth}x${form.customHeight}`;
    else if (spec.kind === 'text' && typeof value === 'string') {
      if (value.trim()) params[spec.name] = value.trim();
    } else params[spec.name] = value;
  }
  return params as GenerationParams;
}

export function promptLength(prompt: string): number {
  return [...prompt].length;
}

/** Images one generation asks for, as the form stands. */
export function imageCount(form: ParamForm): number {
  const n = form.values.n;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/** "8 credits per image × 2 = 16 credits"; null when the catalogue gives no credit cost. */
export function creditText(model: ModelSpec, n: number): string | null {
  const per = model.credits_per_image;
  if (per == null) return null;
  const each = `${formatCredits(per)} credit${per === 1 ? '' : 's'} per image`;
  if (n <= 1) return each;
  const total = per * n;
  return `${each} × ${n} = ${formatCredits(total)} credit${total === 1 ? '' : 's'}`;
}

function formatCredits(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}

function orList(values: string[]): string {
  if (values.length <= 1) return values[0] ?? 'nothing';
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}
