import type { EditSpec, ModelSpec, ParamSpec } from '$lib/ipc';

/**
 * The chosen model as one of its edit operations describes it: the operation's own parameters
 * from the catalogue (for OpenAI's edits: n, size, quality, input fidelity where the model takes
 * it, ...), so the generate controls render, check and build them unchanged. Edits take no
 * custom sizes.
 */
export function editOptionsModel(model: Omit<ModelSpec, 'parameters'>, spec: EditSpec): ModelSpec {
  return {
    ...model,
    // Rust writes every field of a parameter; the wire type only marks them optional.
    parameters: (spec.parameters ?? []) as ParamSpec[],
    custom_size: null,
    prompt_max_chars: spec.prompt_max_chars ?? model.prompt_max_chars,
    credits_per_image: spec.credits_per_image ?? model.credits_per_image,
  };
}
