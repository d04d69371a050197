// The IPC types, generated from the Rust side into `bindings.ts` by tauri-specta (regenerate
// with `EASEL_UPDATE_BINDINGS=1 cargo test -p easel-app --test bindings`). This file only gives
// them the names the UI uses, plus the few types that exist on the UI side alone.

export type {
  OpenFailure,
  OpenStage,
  BackupSummary,
  CommercialUse,
  ConnectionTest,
  CredentialFieldView as CredentialField,
  CredentialsView,
  Credentials,
  CredentialsFilter,
  CredentialsReport,
  CredentialsState,
  SigningStatus,
  SigningFile,
  ImportProgress,
  ImportSummary,
  ImportOrigin,
  CustomSizeInfo as CustomSizeRule,
  Derivation,
  DerivationInput,
  DeclaredCheckpoint,
  DeclaredLicense,
  DownloadSize,
  EditSpec,
  EndpointKind,
  EndpointView,
  InputRef,
  LicenseTerms,
  NewEndpoint,
  Workflow,
  WorkflowMapping,
  EditOperation,
  EditStart,
  ErrorPayload,
  ExportFlag,
  ExportFormat,
  ExportPlanView as ExportPlan,
  ExportReportView as ExportReport,
  ExportSize,
  ExportedFileView as ExportedFile,
  FlagKind as ExportFlagKind,
  GenerationParams,
  ImageDetail,
  ImagePage,
  ImageSummary,
  Inheritance,
  JobEvent,
  JobStage,
  KeySource,
  KeyStatus,
  LibraryChanged,
  LicenseSnapshot,
  LicenseStatus,
  MoveReport,
  LicenseSummary,
  ListQuery,
  MaskPainting,
  MaskStroke,
  ParentTerms,
  ParamKind,
  Preset as ExportPreset,
  ProviderLimits,
  ProviderSettingsView as ProviderSettings,
  SettingsView as Settings,
  SortOrder,
  StackCount,
  TermsSource,
  VersionTree,
} from './bindings';

// Organising (issue 11).
export type {
  Board,
  BoardRef,
  DuplicateGroup,
  ImageOrganisation,
  MatchCount,
  SavedSearch,
  SearchKey,
  SearchSyntaxError,
  Selection,
  TagCount,
  TrashBatch,
} from './bindings';

import type {
  ExportOptions as WireExportOptions,
  GenerationRequest as WireGenerationRequest,
  ModelInfo,
  ParamSpec as WireParamSpec,
  ProviderInfo as WireProviderInfo,
} from './bindings';

/** Rust fills absent fields with defaults when reading, and always writes every field. */
export type ParamSpec = Required<WireParamSpec>;
export type ModelSpec = Omit<ModelInfo, 'parameters'> & { parameters: ParamSpec[] };
export type ProviderInfo = Omit<WireProviderInfo, 'models'> & { models: ModelSpec[] };

/** Fields that Rust fills with defaults when absent are always given by the UI. */
export type GenerationRequest = Required<WireGenerationRequest>;
export type ExportOptions = Omit<Required<WireExportOptions>, 'file_stem' | 'on_name_clash'> &
  Pick<WireExportOptions, 'file_stem' | 'on_name_clash'>;

/** The stable `code`s of `ErrorPayload` (core's `Error::code()`); "internal" when the shell itself failed. */
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
  | 'expired'
  | 'image_too_large'
  | 'database_too_new'
  | 'database'
  | 'io'
  | 'keychain'
  | 'export'
  | 'internal';

/** What the `easel://` scheme serves for an image id. */
export type ImageVariant = 'thumb-small' | 'thumb-large' | 'original';
