//! Boards, tags, ratings, notes, saved searches and bulk actions, through the library's API.
#![allow(clippy::unwrap_used)]

use crate::library_support;

use easel_core::library::{Library, ListQuery, Selection};

fn ids_of(lib: &Library, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = lib
            .list(&ListQuery {
                text: Some(text.into()),
                cursor: cursor.clone(),
                limit: 2,
                ..Default::default()
            })
            .unwrap();
        out.extend(page.images.into_iter().map(|i| i.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

fn v(list: &[&String]) -> Vec<String> {
    list.iter().map(|s| (*s).clone()).collect()
}

fn search(text: &str) -> ListQuery {
    ListQuery {
        text: Some(text.into()),
        ..Default::default()
    }
}

fn ids(list: &[&String]) -> Selection {
    Selection::Ids {
        ids: list.iter().map(|s| (*s).clone()).collect(),
    }
}

fn library(prompts: &[&str]) -> (tempfile::TempDir, Library, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path()).unwrap();
    let ids = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| library_support::store(&lib, p, &library_support::png(24, 16, i as u32)))
        .collect();
    (dir, lib, ids)
}

#[test]
fn boards_hold_images_count_them_and_leave_them_when_deleted() {
    let (_dir, lib, img) = library(&["a lighthouse", "a harbour", "a boat", "a gull"]);
    let board = lib.create_board("  Campaign  ").unwrap();
    assert_eq!(board.name, "Campaign");
    assert_eq!((board.image_count, board.cover.as_deref()), (0, None));
    let dup = lib.create_board("campaign").unwrap_err();
    assert_eq!(dup.code(), "invalid_input");
    for bad in ["", "   ", "a\u{1b}[31mred", &"x".repeat(201)] {
        assert_eq!(lib.create_board(bad).unwrap_err().code(), "invalid_input");
    }

    assert_eq!(
        lib.add_to_board(board.id, &ids(&[&img[0], &img[1], &img[2]]))
            .unwrap(),
        3
    );
    // Adding again is not an error and adds nothing.
    assert_eq!(lib.add_to_board(board.id, &ids(&[&img[0]])).unwrap(), 0);
    let b = lib.board(board.id).unwrap();
    assert_eq!(b.image_count, 3);
    assert_eq!(b.cover.as_deref(), Some(img[2].as_str()), "newest image");
    let b = lib.set_board_cover(board.id, Some(&img[0])).unwrap();
    assert_eq!(b.cover.as_deref(), Some(img[0].as_str()));
    assert_eq!(
        lib.set_board_cover(board.id, Some(&img[3]))
            .unwrap_err()
            .code(),
        "not_found",
        "not on the board"
    );
    assert_eq!(
        lib.add_to_board(board.id, &ids(&[&img[3], &"nope".to_owned()]))
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        lib.board(board.id).unwrap().image_count,
        3,
        "all or nothing"
    );

    // The board view pages in list order (newest first).
    assert_eq!(
        ids_of(&lib, "board:campaign"),
        v(&[&img[2], &img[1], &img[0]])
    );
    assert_eq!(ids_of(&lib, "board:\"CAMPAIGN\" harbour"), [img[1].clone()]);

    // Trash leaves the count and the view; restore brings it back.
    lib.delete_images(std::slice::from_ref(&img[1])).unwrap();
    assert_eq!(lib.board(board.id).unwrap().image_count, 2);
    assert_eq!(ids_of(&lib, "board:campaign"), v(&[&img[2], &img[0]]));
    lib.restore_images(std::slice::from_ref(&img[1])).unwrap();
    assert_eq!(lib.board(board.id).unwrap().image_count, 3);

    assert_eq!(
        lib.remove_from_board(board.id, &ids(&[&img[0]])).unwrap(),
        1
    );
    let b = lib.board(board.id).unwrap();
    assert_eq!(
        (b.image_count, b.cover.as_deref()),
        (2, Some(img[2].as_str()))
    );

    let renamed = lib.rename_board(board.id, "Spring campaign").unwrap();
    assert_eq!(renamed.name, "Spring campaign");
    lib.create_board("Other").unwrap();
    assert_eq!(
        lib.rename_board(board.id, "OTHER").unwrap_err().code(),
        "invalid_input"
    );
    // A change of case only is a rename, not a clash.
    lib.rename_board(board.id, "spring Campaign").unwrap();
    let names: Vec<String> = lib.boards().unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(names, ["Other", "spring Campaign"]);

    lib.delete_board(board.id).unwrap();
    assert_eq!(lib.board(board.id).unwrap_err().code(), "not_found");
    assert_eq!(lib.stats().unwrap().images, 4, "images stay");
    assert!(lib.organisation(&img[2]).unwrap().boards.is_empty());
    assert!(ids_of(&lib, "board:\"spring campaign\"").is_empty());
}

#[test]
fn tags_ignore_case_autocomplete_with_counts_and_rename_or_merge() {
    let (_dir, lib, img) = library(&["one", "two", "three", "four"]);
    let all = ids(&[&img[0], &img[1], &img[2], &img[3]]);
    assert_eq!(lib.add_tags(&all, &["Sunset".into()]).unwrap(), 4);
    assert_eq!(
        lib.add_tags(&ids(&[&img[0], &img[1]]), &["SUNSET".into(), "sea".into()])
            .unwrap(),
        2,
        "sunset was there already; sea is new on two"
    );
    lib.add_tags(&ids(&[&img[3]]), &["Sunrise".into()]).unwrap();
    let tags = lib.tags("su", 10).unwrap();
    let view: Vec<(&str, u64)> = tags.iter().map(|t| (t.name.as_str(), t.count)).collect();
    assert_eq!(view, [("Sunset", 4), ("Sunrise", 1)], "most used first");
    assert_eq!(lib.tags("SUNR", 10).unwrap()[0].name, "Sunrise");
    assert_eq!(lib.tags("", 1).unwrap().len(), 1);
    assert!(lib.tags("zzz", 10).unwrap().is_empty());

    assert_eq!(ids_of(&lib, "tag:sea"), v(&[&img[1], &img[0]]));
    assert_eq!(ids_of(&lib, "tag:sunset tag:SEA"), v(&[&img[1], &img[0]]));
    assert!(ids_of(&lib, "tag:nobody-has-this").is_empty());

    assert_eq!(
        lib.remove_tags(&ids(&[&img[0]]), &["sea".into(), "never".into()])
            .unwrap(),
        1
    );
    assert_eq!(ids_of(&lib, "tag:sea"), [img[1].clone()]);

    // Rename everywhere, then merge into an existing tag.
    let t = lib.rename_tag("sunrise", "Dawn").unwrap();
    assert_eq!((t.name.as_str(), t.count), ("Dawn", 1));
    assert_eq!(ids_of(&lib, "tag:dawn"), [img[3].clone()]);
    let merged = lib.rename_tag("dawn", "sunset").unwrap();
    assert_eq!((merged.name.as_str(), merged.count), ("Sunset", 4));
    assert!(lib.tags("dawn", 10).unwrap().is_empty());
    assert_eq!(lib.rename_tag("dawn", "x").unwrap_err().code(), "not_found");
    assert_eq!(
        lib.organisation(&img[1]).unwrap().tags,
        ["sea", "Sunset"],
        "by name, ignoring case"
    );
    // Tags are text, whatever they hold.
    lib.add_tags(&ids(&[&img[2]]), &["<b>bold</b> \"quoted\"".into()])
        .unwrap();
    assert_eq!(
        ids_of(&lib, "tag:\"<b>bold</b>\""),
        Vec::<String>::new(),
        "a tag matches whole, not in part"
    );
    assert_eq!(
        lib.add_tags(&ids(&[&img[2]]), &["line\nbreak".into()])
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[test]
fn ratings_notes_and_favourites_in_bulk_and_alone() {
    let (_dir, lib, img) = library(&["red fox", "blue fox", "grey wolf"]);
    lib.set_rating(&Selection::one(&img[0]), 5).unwrap();
    lib.set_rating(&ids(&[&img[1], &img[2]]), 3).unwrap();
    assert_eq!(
        lib.set_rating(&Selection::one(&img[0]), 6)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(ids_of(&lib, "rating:>=4"), [img[0].clone()]);
    assert_eq!(ids_of(&lib, "rating:3"), v(&[&img[2], &img[1]]));
    assert_eq!(ids_of(&lib, "rating:<4 fox"), [img[1].clone()]);
    lib.set_rating(&Selection::one(&img[2]), 0).unwrap();
    assert_eq!(ids_of(&lib, "rating:0"), [img[2].clone()]);

    lib.set_note(&img[0], "for the <script>poster</script>\u{1b}[2J")
        .unwrap();
    let o = lib.organisation(&img[0]).unwrap();
    assert_eq!(o.rating, 5);
    assert_eq!(
        o.note.as_deref(),
        Some("for the <script>poster</script>\u{1b}[2J")
    );
    lib.set_note(&img[0], "  ").unwrap();
    assert_eq!(lib.organisation(&img[0]).unwrap().note, None);
    assert_eq!(
        lib.set_note(&img[0], &"n".repeat(10_001))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(lib.set_note("nope", "x").unwrap_err().code(), "not_found");

    // Every result of a search, not just a page.
    let foxes = Selection::Search {
        query: search("fox"),
    };
    assert_eq!(lib.set_favorites(&foxes, true).unwrap(), 2);
    assert_eq!(ids_of(&lib, "is:favorite"), v(&[&img[1], &img[0]]));
    assert_eq!(lib.selection_ids(&foxes).unwrap(), v(&[&img[1], &img[0]]));
}

#[test]
fn bulk_delete_of_search_results_is_undone_as_one_batch() {
    let (_dir, lib, img) = library(&["cat one", "cat two", "dog", "cat three"]);
    let board = lib.create_board("Pets").unwrap();
    lib.add_to_board(board.id, &ids(&[&img[0], &img[2]]))
        .unwrap();
    lib.add_tags(&ids(&[&img[0]]), &["keep".into()]).unwrap();
    assert_eq!(lib.count(&ListQuery::default()).unwrap().count, 4);

    let batch = lib
        .delete_selection(&Selection::Search {
            query: search("cat"),
        })
        .unwrap();
    assert_eq!(batch.count, 3);
    assert_eq!(ids_of(&lib, ""), [img[2].clone()]);
    assert_eq!(lib.count(&ListQuery::default()).unwrap().count, 1);
    assert_eq!(lib.board(board.id).unwrap().image_count, 1);
    assert!(
        lib.tags("keep", 5).unwrap().is_empty(),
        "count 0: not offered"
    );
    // Another deletion in the same millisecond is another batch.
    let other = lib.delete_selection(&Selection::one(&img[2])).unwrap();
    assert_ne!(other.token, batch.token);

    assert_eq!(lib.undo_delete(batch).unwrap(), 3);
    assert_eq!(ids_of(&lib, ""), v(&[&img[3], &img[1], &img[0]]));
    assert_eq!(lib.board(board.id).unwrap().image_count, 1);
    assert_eq!(lib.tags("keep", 5).unwrap()[0].count, 1);
    assert_eq!(lib.undo_delete(other).unwrap(), 1);
    assert_eq!(lib.count(&ListQuery::default()).unwrap().count, 4);

    // Purged images leave boards and tags for good.
    lib.delete_selection(&Selection::one(&img[0])).unwrap();
    lib.purge_deleted(std::time::Duration::ZERO).unwrap();
    assert_eq!(lib.board(board.id).unwrap().image_count, 1);
    assert!(lib.tags("keep", 5).unwrap().is_empty());
    assert_eq!(lib.count(&ListQuery::default()).unwrap().count, 3);
}

#[test]
fn saved_searches_are_checked_when_saved_and_live_when_run() {
    let (_dir, lib, img) = library(&["misty harbour", "misty hills"]);
    lib.add_tags(&ids(&[&img[0]]), &["print".into()]).unwrap();
    let saved = lib.save_search("To print", "misty tag:print").unwrap();
    assert_eq!(saved.query, "misty tag:print");
    let e = lib.save_search("Bad", "misty colour:red").unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(matches!(
        e,
        easel_core::Error::InvalidSearch {
            start: 6,
            end: 16,
            ..
        }
    ));
    assert_eq!(
        lib.save_search("Empty", "  ").unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(ids_of(&lib, &saved.query), [img[0].clone()]);
    // Live: a newly tagged image joins it.
    lib.add_tags(&ids(&[&img[1]]), &["PRINT".into()]).unwrap();
    let run = lib.saved_search("to print").unwrap();
    assert_eq!(ids_of(&lib, &run.query), v(&[&img[1], &img[0]]));
    // Saving under the same name replaces the query.
    lib.save_search("TO PRINT", "hills").unwrap();
    assert_eq!(lib.saved_searches().unwrap().len(), 1);
    assert_eq!(lib.saved_search("to print").unwrap().query, "hills");
    lib.delete_saved_search("To Print").unwrap();
    assert_eq!(
        lib.delete_saved_search("To Print").unwrap_err().code(),
        "not_found"
    );
}
