import type { GenerationParams, ModelSpec } from '$lib/ipc';
import { checkCustomSize, parseSize } from './size';

/** Form values for the per-model controls; `size === CUSTOM` means use customWidth/customHeight. */
export type ParamForm = {
  size: string;
  customWidth: number;
  customHeight: number;
  quality: string;
  n: number;
  style: string;
  background: string;
  outputFormat: string;
  compression: number;
  moderation: string;
};

export const CUSTOM = 'custom';

function prefer(options: string[], wanted: string[]): string {
  for (const w of wanted) if (options.includes(w)) return w;
  return options[0] ?? '';
}

export function defaultForm(model: ModelSpec): ParamForm {
  const first = model.sizes.map(parseSize).find((s) => s !== null);
  return {
    size: prefer(model.sizes, ['auto', '1024x1024']),
    customWidth: first?.width ?? 1024,
    customHeight: first?.height ?? 1024,
    quality: prefer(model.qualities, ['auto', 'standard']),
    n: 1,
    style: prefer(model.styles, ['vivid']),
    background: prefer(model.backgrounds, ['auto']),
    outputFormat: prefer(model.output_formats, ['png']),
    compression: 90,
    moderation: prefer(model.moderation, ['auto']),
  };
}

/** Keeps values the new model also supports, so switching models does not lose choices needlessly. */
export function adaptForm(form: ParamForm, model: ModelSpec): ParamForm {
  const d = defaultForm(model);
  const keep = (value: string, options: string[], fallback: string) => (options.includes(value) ? value : fallback);
  return {
    size: form.size === CUSTOM && model.custom_size ? CUSTOM : keep(form.size, model.sizes, d.size),
    customWidth: form.customWidth,
    customHeight: form.customHeight,
    quality: keep(form.quality, model.qualities, d.quality),
    n: Math.min(Math.max(1, form.n), Math.max(1, model.n_max)),
    style: keep(form.style, model.styles, d.style),
    background: keep(form.background, model.backgrounds, d.background),
    outputFormat: keep(form.outputFormat, model.output_formats, d.outputFormat),
    compression: form.compression,
    moderation: keep(form.moderation, model.moderation, d.moderation),
  };
}

/** Form values from stored params, e.g. for "edit and run". */
export function formFromParams(params: GenerationParams, model: ModelSpec): ParamForm {
  const d = defaultForm(model);
  const size = params.size ?? d.size;
  const parsed = parseSize(size);
  const isCustom = !model.sizes.includes(size) && parsed !== null && model.custom_size !== null;
  return adaptForm(
    {
      size: isCustom ? CUSTOM : size,
      customWidth: parsed?.width ?? d.customWidth,
      customHeight: parsed?.height ?? d.customHeight,
      quality: params.quality ?? d.quality,
      n: params.n ?? 1,
      style: params.style ?? d.style,
      background: params.background ?? d.background,
      outputFormat: params.output_format ?? d.outputFormat,
      compression: params.output_compression ?? d.compression,
      moderation: params.moderation ?? d.moderation,
    },
    model,
  );
}

/** Problems that keep the form from being sent; empty when it can be. */
export function formProblems(prompt: string, form: ParamForm, model: ModelSpec): string[] {
  const problems: string[] = [];
  const length = [...prompt].length;
  if (prompt.trim().length === 0) problems.push('Write a prompt first.');
  if (length > model.prompt_max_chars) {
    problems.push(`The prompt is ${length - model.prompt_max_chars} characters over ${model.label}'s limit.`);
  }
  if (form.size === CUSTOM) {
    if (!model.custom_size) problems.push(`${model.label} has no custom sizes.`);
    else {
      const check = checkCustomSize(form.customWidth, form.customHeight, model.custom_size);
      if (!check.ok) problems.push(check.problem);
    }
  }
  if (form.background === 'transparent' && form.outputFormat === 'jpeg') {
    problems.push('A transparent background needs PNG or WebP.');
  }
  if (form.n < 1 || form.n > model.n_max) problems.push(`${model.label} makes 1 to ${model.n_max} images at a time.`);
  return problems;
}

/** Only the parameters this model understands, so the provider never sees a field it rejects. */
export function buildParams(form: ParamForm, model: ModelSpec): GenerationParams {
  const params: GenerationParams = { n: form.n };
  if (form.size === CUSTOM) params.size = `${form.customWidth}x${form.customHeight}`;
  else if (model.sizes.length > 0 && form.size) params.size = form.size;
  if (model.qualities.length > 0 && form.quality) params.quality = form.quality;
  if (model.styles.length > 0 && form.style) params.style = form.style;
  if (model.backgrounds.length > 0 && form.background) params.background = form.background;
  if (model.output_formats.length > 0 && form.outputFormat) {
    params.output_format = form.outputFormat;
    if (model.supports_compression && form.outputFormat !== 'png') {
      params.output_compression = Math.min(100, Math.max(0, Math.round(form.compression)));
    }
  }
  if (model.moderation.length > 0 && form.moderation) params.moderation = form.moderation;
  return params;
}

export function promptLength(prompt: string): number {
  return [...prompt].length;
}
