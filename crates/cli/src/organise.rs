//! `easel-cli board`, `tag`, `rate`, `note`, `saved` and `duplicates`: organising the library.
//! Images are named by id, or all at once by `--search QUERY` (every match, every page).

use clap::{Args, Subcommand};
use easel_core::Error;
use easel_core::library::{Board, Library, ListQuery, Selection};
use serde_json::json;

use crate::commands::Failure;
use crate::output;

/// Which images an action is for.
#[derive(Debug, Args)]
pub struct Targets {
    /// Image ids.
    pub ids: Vec<String>,
    /// Every image this search matches (search language), instead of ids.
    #[arg(long, conflicts_with = "ids")]
    pub search: Option<String>,
}

impl Targets {
    fn selection(&self) -> Result<Selection, Failure> {
        match &self.search {
            Some(q) => Ok(Selection::Search {
                query: ListQuery {
                    text: Some(q.clone()),
                    ..Default::default()
                },
            }),
            None if self.ids.is_empty() => Err(Error::InvalidInput(
                "Name at least one image id, or --search QUERY for every match.".into(),
            )
            .into()),
            None => Ok(Selection::Ids {
                ids: self.ids.clone(),
            }),
        }
    }
}

#[derive(Debug, Args)]
pub struct BoardArgs {
    #[command(subcommand)]
    pub command: BoardCommand,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    /// Make a new, empty board.
    Create { name: String },
    /// Every board with its number of images.
    List,
    /// Put images on a board.
    Add {
        board: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Take images off a board (they stay in the library).
    Remove {
        board: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Rename a board.
    Rename { board: String, name: String },
    /// Choose the board's cover image (without an id: its newest image).
    Cover {
        board: String,
        image: Option<String>,
    },
    /// Delete a board; its images stay in the library.
    Delete { board: String },
}

#[derive(Debug, Args)]
pub struct TagArgs {
    #[command(subcommand)]
    pub command: TagCommand,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TagCommand {
    /// Tag images (tags compare ignoring case).
    Add {
        tag: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Remove a tag from images.
    Remove {
        tag: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Tags in use, most used first; with a prefix, those starting with it.
    List {
        #[arg(default_value = "")]
        prefix: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Rename a tag everywhere; into an existing tag, merges the two.
    Rename { from: String, to: String },
}

#[derive(Debug, Args)]
pub struct RateArgs {
    pub id: String,
    /// 0 (clears) to 5.
    pub rating: u8,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    pub id: String,
    /// The note; empty removes it.
    pub note: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SavedArgs {
    #[command(subcommand)]
    pub command: SavedCommand,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SavedCommand {
    /// Save a search under a name (replacing one of that name).
    Save {
        name: String,
        query: String,
    },
    List,
    Delete {
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct DuplicatesArgs {
    /// How many of the 64 hash bits may differ (0-7).
    #[arg(long, default_value_t = easel_core::library::DEFAULT_MAX_DISTANCE)]
    pub distance: u32,
    #[arg(long)]
    pub json: bool,
}

fn board_json(b: &Board) -> serde_json::Value {
    serde_json::to_value(b).unwrap_or_default()
}

fn print_board(b: &Board) {
    outln!("{:<6} {:<32} {:>8} image(s)", b.id, b.name, b.image_count);
}

pub fn board(library: &Library, args: BoardArgs) -> Result<(), Failure> {
    let as_json = args.json;
    match args.command {
        BoardCommand::Create { name } => {
            let b = library.create_board(&name)?;
            if as_json {
                output::json(&board_json(&b));
            } else {
                outln!("Created board \"{}\" ({}).", b.name, b.id);
            }
        }
        BoardCommand::List => {
            let boards = library.boards()?;
            if as_json {
                output::json(&json!({ "boards": boards }));
            } else if boards.is_empty() {
                outln!("No boards.");
            } else {
                boards.iter().for_each(print_board);
            }
        }
        BoardCommand::Add { board, targets } => {
            let b = library.board_named(&board)?;
            let added = library.add_to_board(b.id, &targets.selection()?)?;
            let b = library.board(b.id)?;
            if as_json {
                output::json(&json!({ "added": added, "board": board_json(&b) }));
            } else {
                outln!(
                    "Added {added} image(s) to \"{}\" ({} now).",
                    b.name,
                    b.image_count
                );
            }
        }
        BoardCommand::Remove { board, targets } => {
            let b = library.board_named(&board)?;
            let removed = library.remove_from_board(b.id, &targets.selection()?)?;
            let b = library.board(b.id)?;
            if as_json {
                output::json(&json!({ "removed": removed, "board": board_json(&b) }));
            } else {
                outln!(
                    "Removed {removed} image(s) from \"{}\" ({} left).",
                    b.name,
                    b.image_count
                );
            }
        }
        BoardCommand::Rename { board, name } => {
            let b = library.board_named(&board)?;
            let b = library.rename_board(b.id, &name)?;
            if as_json {
                output::json(&board_json(&b));
            } else {
                outln!("Renamed to \"{}\".", b.name);
            }
        }
        BoardCommand::Cover { board, image } => {
            let b = library.board_named(&board)?;
            let b = library.set_board_cover(b.id, image.as_deref())?;
            if as_json {
                output::json(&board_json(&b));
            } else {
                outln!(
                    "Cover of \"{}\": {}",
                    b.name,
                    b.cover.as_deref().unwrap_or("(none)")
                );
            }
        }
        BoardCommand::Delete { board } => {
            let b = library.board_named(&board)?;
            library.delete_board(b.id)?;
            if as_json {
                output::json(&json!({ "deleted": board_json(&b) }));
            } else {
                outln!(
                    "Deleted board \"{}\"; its {} image(s) stay in the library.",
                    b.name,
                    b.image_count
                );
            }
        }
    }
    Ok(())
}

pub fn tag(library: &Library, args: TagArgs) -> Result<(), Failure> {
    let as_json = args.json;
    match args.command {
        TagCommand::Add { tag, targets } => {
            let n = library.add_tags(&targets.selection()?, std::slice::from_ref(&tag))?;
            if as_json {
                output::json(&json!({ "tag": tag.trim(), "added": n }));
            } else {
                outln!("Tagged {n} image(s) \"{}\".", tag.trim());
            }
        }
        TagCommand::Remove { tag, targets } => {
            let n = library.remove_tags(&targets.selection()?, std::slice::from_ref(&tag))?;
            if as_json {
                output::json(&json!({ "tag": tag.trim(), "removed": n }));
            } else {
                outln!("Removed \"{}\" from {n} image(s).", tag.trim());
            }
        }
        TagCommand::List { prefix, limit } => {
            let tags = library.tags(&prefix, limit)?;
            if as_json {
                output::json(&json!({ "tags": tags }));
            } else if tags.is_empty() {
                outln!("No tags.");
            } else {
                for t in tags {
                    outln!("{:>8}  {}", t.count, t.name);
                }
            }
        }
        TagCommand::Rename { from, to } => {
            let t = library.rename_tag(&from, &to)?;
            if as_json {
                output::json(&json!({ "tag": t }));
            } else {
                outln!("Renamed to \"{}\" ({} image(s)).", t.name, t.count);
            }
        }
    }
    Ok(())
}

pub fn rate(library: &Library, args: &RateArgs) -> Result<(), Failure> {
    library.set_rating(&Selection::one(&args.id), args.rating)?;
    if args.json {
        output::json(&json!({ "id": args.id, "rating": args.rating }));
    } else {
        outln!("Rated {} {}/5.", args.id, args.rating);
    }
    Ok(())
}

pub fn note(library: &Library, args: &NoteArgs) -> Result<(), Failure> {
    library.set_note(&args.id, &args.note)?;
    let note = library.organisation(&args.id)?.note;
    if args.json {
        output::json(&json!({ "id": args.id, "note": note }));
    } else if note.is_some() {
        outln!("Noted on {}.", args.id);
    } else {
        outln!("Removed the note of {}.", args.id);
    }
    Ok(())
}

pub fn saved(library: &Library, args: SavedArgs) -> Result<(), Failure> {
    let as_json = args.json;
    match args.command {
        SavedCommand::Save { name, query } => {
            let s = library.save_search(&name, &query)?;
            if as_json {
                output::json(&json!({ "saved_search": s }));
            } else {
                outln!("Saved \"{}\": {}", s.name, s.query);
            }
        }
        SavedCommand::List => {
            let all = library.saved_searches()?;
            if as_json {
                output::json(&json!({ "saved_searches": all }));
            } else if all.is_empty() {
                outln!("No saved searches.");
            } else {
                for s in all {
                    outln!("{:<32} {}", s.name, s.query);
                }
            }
        }
        SavedCommand::Delete { name } => {
            library.delete_saved_search(&name)?;
            if as_json {
                output::json(&json!({ "deleted": name.trim() }));
            } else {
                outln!("Deleted saved search \"{}\".", name.trim());
            }
        }
    }
    Ok(())
}

pub fn duplicates(library: &Library, args: &DuplicatesArgs) -> Result<(), Failure> {
    // Images stored before hashes existed are hashed first, a batch at a time.
    if !library.is_read_only() {
        let mut after = 0;
        while let Some(next) = library.hash_unhashed_images(after, 500)?.next_after {
            after = next;
        }
    }
    let groups = library.near_duplicates(args.distance)?;
    if args.json {
        output::json(&json!({ "groups": groups }));
    } else if groups.is_empty() {
        outln!("No near-duplicates.");
    } else {
        for (i, g) in groups.iter().enumerate() {
            outln!("Group {} ({} images):", i + 1, g.ids.len());
            for image in &g.images {
                outln!(
                    "  {}  {}x{} {}  {}{}",
                    image.id,
                    image.width,
                    image.height,
                    image.format.extension(),
                    image.created_at,
                    if image.favorite { "  favourite" } else { "" }
                );
            }
        }
    }
    Ok(())
}
