use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "easel-cli",
    version,
    about = "Generate images with AI providers and keep them, with their licence terms, in Easel's library."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn json(&self) -> bool {
        match &self.command {
            Command::Generate(a) => a.json,
            Command::Edit(a) => a.json,
            Command::Vary(a) => a.json,
            Command::List(a) => a.output.json,
            Command::Search(a) => a.output.json,
            Command::Show(a) => a.json,
            Command::Favorite(a) => a.json,
            Command::Models(a) => a.json,
            Command::Export(a) => a.json,
            Command::License(a) => a.json,
            Command::Check(a) => a.json,
            Command::Backup(a) => a.json,
            Command::Restore(a) => a.json,
            Command::Key(_) => false,
            Command::Providers(a) => a.json,
            Command::Endpoint(c) => c.json(),
            Command::Rerun(a) => a.json,
            Command::Board(a) => a.json,
            Command::Tag(a) => a.json,
            Command::Rate(a) => a.json,
            Command::Note(a) => a.json,
            Command::Saved(a) => a.json,
            Command::Duplicates(a) => a.json,
            Command::Provenance(a) => a.json,
            Command::Signing(a) => a.json,
            Command::Import(a) => a.json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate images from a prompt and store them in the library.
    Generate(GenerateArgs),
    /// Bring PNG, JPEG and WebP files made elsewhere (A1111, Forge, ComfyUI, InvokeAI, any
    /// other tool) into the library, with what their metadata says; folders with --recursive.
    Import(crate::import::ImportArgs),
    /// Change a library image (edit with a mask and references, inpaint, outpaint, erase,
    /// search and replace, remove background, refine); the results stack under it.
    Edit(crate::edit::EditArgs),
    /// Variations of a library image; they stack under it.
    Vary(crate::edit::VaryArgs),
    /// List images, newest first, a page at a time; an optional search narrows the list.
    List(ListArgs),
    /// Search: free words, "exact phrase", -word, tag:, board:, model:, provider:,
    /// rating:>=4, is:favorite, license:commercial, before:/after:YYYY-MM-DD, size:>=2048,
    /// credentials:any|intact|none.
    Search(SearchArgs),
    /// Everything known about one image: parameters, usage and licence terms.
    Show(ShowArgs),
    /// Mark an image as a favourite (or not, with --off).
    Favorite(FavoriteArgs),
    /// Models of a provider, and which ones your key can use (asks the provider).
    Models(ModelsArgs),
    /// Write images for documents and slides, with licence and AI-disclosure metadata inside.
    Export(crate::export::ExportArgs),
    /// License a preview (Getty) in a download size; stores the full-size file as a new image.
    License(crate::license::LicenseArgs),
    /// Scan the library: database, originals (by sha256), unreferenced files, thumbnails and
    /// the search index; --repair fixes what can be fixed.
    Check(crate::library_commands::CheckArgs),
    /// Back up the library (database and originals) to one file; the app may keep running.
    Backup(crate::library_commands::BackupArgs),
    /// Restore a backup into a new folder, verifying every file by its sha256.
    Restore(crate::library_commands::RestoreArgs),
    /// Store or remove a provider's API key (read from standard input).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Every provider: whether it is set up and where each credential comes from, its
    /// terms in a line, and its rate limits.
    Providers(OutputArgs),
    /// Local and LAN engines (ComfyUI, AUTOMATIC1111/Forge, OpenAI-compatible servers),
    /// added by name and then used as `--provider NAME`.
    #[command(subcommand)]
    Endpoint(crate::endpoints::EndpointCommand),
    /// Run a recorded generation again with exactly the parameters it was made with (for a
    /// local engine: its seed, sampler, scheduler, steps and CFG).
    Rerun(RerunArgs),
    /// Boards: named collections of images (create, list, add, remove, rename, cover, delete).
    Board(crate::organise::BoardArgs),
    /// Tags: add, remove, list (with counts), rename or merge.
    Tag(crate::organise::TagArgs),
    /// Rate an image 0-5 (0 clears).
    Rate(crate::organise::RateArgs),
    /// Set (or, with empty text, remove) an image's note.
    Note(crate::organise::NoteArgs),
    /// Saved searches (smart boards): save, list, delete; run one with `search --saved NAME`.
    Saved(crate::organise::SavedArgs),
    /// Groups of images that look alike (perceptual hash), to review.
    Duplicates(crate::organise::DuplicatesArgs),
    /// An image's Content Credentials (C2PA), read from its original now; --all reads
    /// those never read.
    Provenance(crate::provenance::ProvenanceArgs),
    /// Who signs exported files' Content Credentials: show, set (an organisation's
    /// certificate), reset, on, off.
    Signing(crate::provenance::SigningArgs),
}

#[derive(Debug, Args)]
pub struct RerunArgs {
    /// The generation's id (`easel-cli show IMAGE --json` has it).
    pub generation_id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// A provider (openai, stability, getty, firefly) or an endpoint's name.
    #[arg(long, default_value = "openai")]
    pub provider: String,
    /// Model id; defaults to the provider's default model from Settings or the catalogue.
    #[arg(long)]
    pub model: Option<String>,
    /// WIDTHxHEIGHT, or auto.
    #[arg(long)]
    pub size: Option<String>,
    #[arg(long)]
    pub quality: Option<String>,
    /// How many images.
    #[arg(short = 'n', long = "n")]
    pub n: Option<u32>,
    #[arg(long)]
    pub style: Option<String>,
    /// transparent, opaque or auto.
    #[arg(long)]
    pub background: Option<String>,
    /// png, jpeg or webp.
    #[arg(long = "format")]
    pub format: Option<String>,
    /// 0-100, for jpeg and webp.
    #[arg(long)]
    pub compression: Option<u8>,
    /// low or auto.
    #[arg(long)]
    pub moderation: Option<String>,
    /// url or b64_json (DALL·E models).
    #[arg(long)]
    pub response_format: Option<String>,
    /// W:H, for models sized by aspect ratio (see `easel-cli models`).
    #[arg(long)]
    pub aspect_ratio: Option<String>,
    /// What the image should not show.
    #[arg(long = "negative")]
    pub negative: Option<String>,
    /// Fixes the provider's randomness, for models that take a seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Any other parameter the model's catalogue entry lists, as NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    #[arg(long)]
    pub json: bool,
    pub prompt: String,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PageArgs {
    /// Images per page (1-500).
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// The `next` cursor of the previous page.
    #[arg(long)]
    pub before: Option<String>,
    /// Oldest first instead of newest first.
    #[arg(long)]
    pub oldest: bool,
    #[arg(long)]
    pub provider: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    #[arg(long)]
    pub favorites: bool,
    /// Only images whose terms allow commercial use.
    #[arg(long)]
    pub commercial: bool,
    /// Only images with Content Credentials: any, intact, trusted, invalid, none, unread.
    #[arg(long, value_parser = credentials_filter)]
    pub credentials: Option<easel_core::library::search_language::CredentialsFilter>,
}

fn credentials_filter(
    s: &str,
) -> Result<easel_core::library::search_language::CredentialsFilter, String> {
    easel_core::library::search_language::parse(&format!("credentials:{s}"))
        .map_err(|e| e.message)?
        .credentials
        .ok_or_else(|| "any, intact, trusted, invalid, none or unread".to_owned())
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// A search (same language as `search`) to narrow the list.
    pub query: Option<String>,
    /// Start at this position of the list (0 is the newest image; with --oldest, the
    /// oldest), as the window's scroll bar does: the whole library, a board or a tag on its
    /// own (`board:NAME`, `tag:NAME`), or words alone (`"a phrase"`, `light*`, `-word`
    /// beside them). Not with other keys or filters.
    #[arg(long, conflicts_with = "before")]
    pub from: Option<u64>,
    #[command(flatten)]
    pub page: PageArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The search; see `easel-cli search --help` for its keys.
    #[arg(required_unless_present = "saved")]
    pub query: Option<String>,
    /// Run a saved search by name instead.
    #[arg(long, conflicts_with = "query")]
    pub saved: Option<String>,
    #[command(flatten)]
    pub page: PageArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FavoriteArgs {
    pub id: String,
    /// Remove the mark instead.
    #[arg(long)]
    pub off: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// A provider or an endpoint's name (then its models are asked from the engine).
    #[arg(long, default_value = "openai")]
    pub provider: String,
    /// Only the catalogue, without asking the provider.
    #[arg(long)]
    pub offline: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Read a key from standard input and keep it in the system keychain.
    Set {
        #[arg(default_value = "openai")]
        provider: String,
        /// Which credential, for providers with several (e.g. getty: api_key, api_secret;
        /// firefly: client_id, client_secret); `easel-cli providers` lists them.
        #[arg(long)]
        field: Option<String>,
    },
    /// Forget the stored credentials.
    Delete {
        #[arg(default_value = "openai")]
        provider: String,
    },
    /// Say whether a key is set and where it comes from.
    Status {
        #[arg(default_value = "openai")]
        provider: String,
    },
}
