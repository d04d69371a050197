// Hand-written mirror of the Rust IPC contract. It will be replaced by tauri-specta's generated
// `bindings.ts`; keep the shapes identical to the contract so only `ipc/` changes then.

export type ErrorCode =
  | 'rate_limited'
  | 'quota_exhausted'
  | 'rejected_by_safety'
  | 'auth'
  | 'network'
  | 'timeout'
  | 'cancelled'
  | 'invalid_input'
  | 'not_found'
  | 'provider_error'
  | 'bad_response'
  | 'not_an_image'
  | 'image_too_large'
  | 'database_too_new'
  | 'database'
  | 'io'
  | 'keychain'
  | 'export';

export type ErrorPayload = { code: string; message: string };
export type CommercialUse = 'yes' | 'no' | 'conditional' | 'unknown';

export type CustomSizeRule = {
  multiple_of: number;
  min_edge: number;
  max_edge: number;
  max_pixels: number;
  min_pixels: number;
  /** Longest edge over shortest edge; 3 means 3:1. */
  max_aspect: number;
};

export type ModelSpec = {
  id: string;
  label: string;
  family: string;
  prompt_max_chars: number;
  /** May include "auto". */
  sizes: string[];
  custom_size: CustomSizeRule | null;
  n_max: number;
  qualities: string[];
  styles: string[];
  backgrounds: string[];
  output_formats: string[];
  supports_compression: boolean;
  moderation: string[];
  legacy: boolean;
};

export type ProviderInfo = {
  id: string;
  name: string;
  key_env_var: string;
  default_base_url: string;
  default_model: string;
  models: ModelSpec[];
};

export type GenerationParams = {
  n?: number;
  size?: string;
  quality?: string;
  style?: string;
  background?: string;
  output_format?: string;
  output_compression?: number;
  moderation?: string;
  response_format?: string;
};

export type GenerationRequest = {
  provider: string;
  model: string;
  prompt: string;
  params: GenerationParams;
};

export type JobStage =
  | 'queued'
  | 'sending'
  | 'waiting_to_retry'
  | 'receiving'
  | 'storing'
  | 'done'
  | 'failed'
  | 'cancelled';

export type JobEvent = {
  job_id: string;
  stage: JobStage;
  attempt: number | null;
  retry_in_ms: number | null;
  generation_id: string | null;
  image_ids: string[];
  error: ErrorPayload | null;
};

export type SortOrder = 'newest_first' | 'oldest_first';

export type ListQuery = {
  text: string | null;
  provider: string | null;
  model: string | null;
  favorites_only: boolean;
  commercial_only: boolean;
  since: string | null;
  until: string | null;
  order: SortOrder;
  cursor: string | null;
  limit: number;
};

export type ImageSummary = {
  id: string;
  generation_id: string;
  prompt: string;
  provider: string;
  model: string;
  /** RFC 3339 */
  created_at: string;
  width: number;
  height: number;
  format: string;
  favorite: boolean;
  commercial_use: CommercialUse;
};

export type ImagePage = { images: ImageSummary[]; next: string | null };

export type TermsSource = { point: string; title: string; url: string };

export type LicenseSnapshot = {
  id: string;
  known: boolean;
  provider: string;
  covers: string;
  summary: string;
  output_ownership: string;
  commercial_use: CommercialUse;
  commercial_condition: string | null;
  attribution_required: boolean;
  credit_line: string;
  indemnity: string;
  restrictions: string[];
  training_data: string;
  creators_compensated: string;
  terms_url: string;
  checked_on: string;
  sources: TermsSource[];
  disclaimer: string;
  snapshot_at: string;
};

export type ImageDetail = ImageSummary & {
  sha256: string;
  byte_size: number;
  revised_prompt: string | null;
  seed: number | null;
  params: GenerationParams;
  usage: unknown | null;
  request_id: string | null;
  license: LicenseSnapshot;
};

export type KeySource = 'keychain' | 'file' | 'env';
export type KeyStatus = { present: boolean; source: KeySource | null };

export type ProviderSettings = {
  id: string;
  base_url: string | null;
  default_model: string | null;
  key: KeyStatus;
};

export type Settings = {
  data_dir: string;
  embed_prompt_in_exports: boolean;
  keychain_available: boolean;
  /** Set when keys fall back to a file. */
  key_file_path: string | null;
  providers: ProviderSettings[];
};

export type ExportFormat = 'png' | 'jpeg' | 'webp' | 'original';

export type ExportSize =
  | { kind: 'original' }
  | { kind: 'long_edge'; px: number }
  | { kind: 'physical_width'; inches: number; dpi: number }
  | { kind: 'fit'; width: number; height: number };

export type ExportOptions = {
  format: ExportFormat;
  size: ExportSize;
  dpi: number | null;
  jpeg_quality: number;
  background: [number, number, number];
  include_prompt: boolean;
  license_note: boolean;
  caption: string | null;
  alt_text: string | null;
};

export type ExportPreset = { id: string; label: string; options: ExportOptions };

export type ExportFlagKind = 'non_commercial' | 'conditional' | 'unknown_terms';
export type ExportFlag = { image_id: string; kind: ExportFlagKind; message: string };

export type ExportPlan = {
  width: number;
  height: number;
  dpi: number | null;
  width_in: number | null;
  estimated_bytes: number;
  upscaled: boolean;
  flags: ExportFlag[];
};

export type ExportedFile = {
  image_id: string;
  path: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
};

export type ExportReport = { files: ExportedFile[]; csv_path: string | null; flags: ExportFlag[] };

export type LibraryChanged = { ids: string[] };

export type ImageVariant = 'thumb-small' | 'thumb-large' | 'original';
