//! The search language of the one search box: free words (full text), `"exact phrase"`,
//! `-word`, and `key:value` filters. Parsing never guesses: an unknown key or a value a key
//! cannot take is an error that points at the offending text, never a silent empty result.

use serde::{Deserialize, Serialize};

/// How a number compares, as in `rating:>=4` or `size:<1024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Comparison {
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NumberFilter {
    pub comparison: Comparison,
    pub value: u32,
}

/// Which licence state `license:` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LicenseFilter {
    /// Commercial use allowed (and not an unlicensed preview).
    Commercial,
    /// Terms that do not allow commercial use.
    NonCommercial,
    /// Terms Easel does not know.
    Unknown,
    /// Previews still to be licensed.
    Preview,
    /// Licensed by a recorded transaction.
    Licensed,
}

/// Which Content Credentials `credentials:` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum CredentialsFilter {
    /// Carries credentials (intact or not).
    Any,
    /// Credentials intact (trusted or from an unknown signer).
    Intact,
    /// Signed by a signer on the shipped trust list.
    Trusted,
    /// Credentials present but broken.
    Invalid,
    /// No credentials.
    None,
    /// Not read yet (stored before Easel read credentials).
    Unread,
}

impl CredentialsFilter {
    /// The `images.credentials` states this filter admits.
    pub fn states(self) -> &'static [&'static str] {
        match self {
            CredentialsFilter::Any => &["trusted", "valid", "invalid"],
            CredentialsFilter::Intact => &["trusted", "valid"],
            CredentialsFilter::Trusted => &["trusted"],
            CredentialsFilter::Invalid => &["invalid"],
            CredentialsFilter::None => &["none"],
            CredentialsFilter::Unread => &["unread"],
        }
    }
}

/// A parsed search: everything is ANDed; repeated keys of one kind (two `tag:`s) all apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchQuery {
    /// Free words, matched in prompts (the last one, from two letters, as a prefix: search
    /// as you type).
    pub words: Vec<String>,
    /// `"exact phrase"`s.
    pub phrases: Vec<String>,
    /// `-word` and `-"phrase"`: images that contain them are left out.
    pub excluded: Vec<String>,
    pub tags: Vec<String>,
    pub boards: Vec<String>,
    pub models: Vec<String>,
    pub providers: Vec<String>,
    pub rating: Option<NumberFilter>,
    /// `is:favorite`.
    pub favorite: bool,
    pub license: Option<LicenseFilter>,
    /// `before:YYYY-MM-DD`: made before that day began (UTC).
    pub before: Option<String>,
    /// `after:YYYY-MM-DD`: made on or after that day (UTC).
    pub after: Option<String>,
    /// `size:>=2048`: the long edge in pixels.
    pub size: Option<NumberFilter>,
    /// `credentials:any|intact|trusted|invalid|none|unread`.
    pub credentials: Option<CredentialsFilter>,
}

/// Where the search went wrong, by character offsets into what was typed, so that the box
/// can underline it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchSyntaxError {
    pub message: String,
    pub start: u32,
    pub end: u32,
}

impl std::fmt::Display for SearchSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every key the language knows, with what it takes; the help popover and autocomplete
/// show this list.
pub const KEYS: &[(&str, &str)] = &[
    ("tag", "tag:NAME — images with this tag"),
    ("board", "board:NAME — images on this board"),
    ("model", "model:ID — made with this model"),
    ("provider", "provider:ID — made with this provider"),
    (
        "rating",
        "rating:>=4 — rated at least (or =, <, <=, >) N of 5",
    ),
    ("is", "is:favorite — favourites only"),
    (
        "license",
        "license:commercial|noncommercial|unknown|preview|licensed",
    ),
    ("before", "before:YYYY-MM-DD — made before that day"),
    ("after", "after:YYYY-MM-DD — made on or after that day"),
    ("size", "size:>=2048 — long edge in pixels"),
    (
        "credentials",
        "credentials:any|intact|trusted|invalid|none|unread — Content Credentials",
    ),
];

/// One piece of the input: its text (quotes removed) and where it was.
struct Token {
    text: String,
    quoted: bool,
    negated: bool,
    /// `key:` in front of the value, if any.
    key: Option<String>,
    start: usize,
    end: usize,
}

pub fn parse(input: &str) -> Result<SearchQuery, SearchSyntaxError> {
    let mut q = SearchQuery::default();
    for token in tokens(input)? {
        let err = |message: String| SearchSyntaxError {
            message,
            start: char_offset(input, token.start),
            end: char_offset(input, token.end),
        };
        let Some(key) = token.key.as_deref() else {
            if token.text.is_empty() {
                continue;
            }
            match (token.negated, token.quoted) {
                (true, _) => q.excluded.push(token.text),
                (false, true) => q.phrases.push(token.text),
                (false, false) => q.words.push(token.text),
            }
            continue;
        };
        if token.negated {
            return Err(err(format!(
                "\"-{key}:\" cannot be negated; leave out the minus."
            )));
        }
        let value = token.text.trim();
        if value.is_empty() {
            return Err(err(format!(
                "\"{key}:\" needs a value, e.g. {}.",
                example(key)
            )));
        }
        match key.to_ascii_lowercase().as_str() {
            "tag" => q.tags.push(value.to_lowercase()),
            "board" => q.boards.push(value.to_owned()),
            "model" => q.models.push(value.to_owned()),
            "provider" => q.providers.push(value.to_ascii_lowercase()),
            "rating" => {
                let f = number_filter(value).map_err(|m| err(format!("rating: {m}")))?;
                if f.value > 5 {
                    return Err(err(format!(
                        "Ratings go from 0 to 5; {} was asked for.",
                        f.value
                    )));
                }
                q.rating = Some(f);
            }
            "is" => match value.to_ascii_lowercase().as_str() {
                "favorite" | "favourite" | "fav" => q.favorite = true,
                other => {
                    return Err(err(format!(
                        "\"is:{other}\" is not known; use is:favorite."
                    )));
                }
            },
            "license" | "licence" => {
                q.license = Some(match value.to_ascii_lowercase().as_str() {
                    "commercial" => LicenseFilter::Commercial,
                    "noncommercial" | "non-commercial" => LicenseFilter::NonCommercial,
                    "unknown" => LicenseFilter::Unknown,
                    "preview" => LicenseFilter::Preview,
                    "licensed" => LicenseFilter::Licensed,
                    other => {
                        return Err(err(format!(
                            "\"license:{other}\" is not known; use commercial, noncommercial, unknown, preview or licensed."
                        )));
                    }
                });
            }
            "before" | "after" => {
                let day = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                    err(format!(
                        "\"{key}:{value}\" is not a date; write YYYY-MM-DD, e.g. {key}:2026-01-31."
                    ))
                })?;
                let at = format!("{}T00:00:00Z", day.format("%Y-%m-%d"));
                if key.eq_ignore_ascii_case("before") {
                    q.before = Some(at);
                } else {
                    q.after = Some(at);
                }
            }
            "size" => {
                q.size = Some(number_filter(value).map_err(|m| err(format!("size: {m}")))?);
            }
            "credentials" | "cr" => {
                q.credentials = Some(match value.to_ascii_lowercase().as_str() {
                    "any" | "yes" => CredentialsFilter::Any,
                    "intact" | "valid" => CredentialsFilter::Intact,
                    "trusted" => CredentialsFilter::Trusted,
                    "invalid" | "broken" => CredentialsFilter::Invalid,
                    "none" | "no" => CredentialsFilter::None,
                    "unread" => CredentialsFilter::Unread,
                    other => {
                        return Err(err(format!(
                            "\"credentials:{other}\" is not known; use any, intact, trusted, invalid, none or unread."
                        )));
                    }
                });
            }
            other => {
                let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                return Err(err(format!(
                    "\"{other}:\" is not a search key. Known keys: {}. To search for the text, put it in quotes: \"{other}:{value}\".",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(q)
}

fn example(key: &str) -> String {
    KEYS.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map_or_else(
            || format!("{key}:VALUE"),
            |(_, help)| help.split(' ').next().unwrap_or(key).to_owned(),
        )
}

fn number_filter(value: &str) -> Result<NumberFilter, String> {
    let (comparison, rest) = [
        (">=", Comparison::GreaterOrEqual),
        ("<=", Comparison::LessOrEqual),
        (">", Comparison::Greater),
        ("<", Comparison::Less),
        ("=", Comparison::Equal),
    ]
    .iter()
    .find_map(|(op, c)| value.strip_prefix(op).map(|rest| (*c, rest)))
    .unwrap_or((Comparison::Equal, value));
    let n: u32 = rest
        .trim()
        .parse()
        .map_err(|_| format!("\"{value}\" is not a number, e.g. >=4 or 3."))?;
    Ok(NumberFilter {
        comparison,
        value: n,
    })
}

/// Splits on whitespace outside quotes; `key:"a value"` keeps its key, `-` negates a word
/// or phrase, `""` inside quotes is a quote. Byte offsets.
fn tokens(input: &str) -> Result<Vec<Token>, SearchSyntaxError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].1.is_whitespace() {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut negated = false;
        if chars[i].1 == '-' && chars.get(i + 1).is_some_and(|(_, c)| !c.is_whitespace()) {
            negated = true;
            i += 1;
        }
        // A key is letters up to a colon, directly followed by a value.
        let mut key = None;
        let mut j = i;
        while j < chars.len() && chars[j].1.is_ascii_alphabetic() {
            j += 1;
        }
        if j > i && chars.get(j).is_some_and(|(_, c)| *c == ':') {
            key = Some(input[chars[i].0..chars[j].0].to_owned());
            i = j + 1;
        }
        let (text, quoted) = if chars.get(i).is_some_and(|(_, c)| *c == '"') {
            let open = i;
            i += 1;
            let mut text = String::new();
            // A doubled quote inside quotes is one quote (`board:"Say ""hi"""`), as in
            // CSV and SQL: a name may hold any character and still be searched for.
            while i < chars.len() {
                if chars[i].1 == '"' {
                    if chars.get(i + 1).is_some_and(|(_, c)| *c == '"') {
                        text.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[i].1);
                i += 1;
            }
            if i >= chars.len() {
                return Err(SearchSyntaxError {
                    message: "A quote is not closed; add the closing \".".to_owned(),
                    start: char_offset(input, chars[open].0),
                    end: char_offset(input, input.len()),
                });
            }
            i += 1; // the closing quote
            (text, true)
        } else {
            let mut text = String::new();
            while i < chars.len() && !chars[i].1.is_whitespace() {
                text.push(chars[i].1);
                i += 1;
            }
            (text, false)
        };
        let end = chars.get(i).map_or(input.len(), |(b, _)| *b);
        out.push(Token {
            text,
            quoted,
            negated,
            key,
            start,
            end,
        });
    }
    Ok(out)
}

fn char_offset(input: &str, byte: usize) -> u32 {
    u32::try_from(input[..byte.min(input.len())].chars().count()).unwrap_or(u32::MAX)
}

/// The FTS5 expression for the text part, or None when the search has no text. Every term
/// is quoted, so nothing a person types is FTS syntax; the last free word matches as a
/// prefix once it has two letters (search as you type). Exclusions need something to exclude from: with no
/// positive term, they are left to the caller's `NOT IN` instead.
pub fn fts_expression(q: &SearchQuery) -> Option<String> {
    fts_expression_with(q, &mut |_| None)
}

/// As `fts_expression`; each prefix word (the last, and any ending in `*`) is handed to
/// `expand`, which may answer with the exact terms of the index that start with it: they
/// replace the prefix (one term alone, several as alternatives). An empty list must not be
/// given (nothing could match; the caller knows that without searching).
pub fn fts_expression_with(
    q: &SearchQuery,
    expand: &mut dyn FnMut(&str) -> Option<Vec<String>>,
) -> Option<String> {
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let mut parts: Vec<String> = Vec::new();
    let words: Vec<&String> = q
        .words
        .iter()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    // FTS5 joins phrases by AND implicitly, but not a parenthesised group.
    let mut grouped = false;
    for (i, w) in words.iter().enumerate() {
        // One letter typed is matched whole: as a prefix it would stand for a good part of
        // the index's terms, which no prefix index serves (a second at a million images).
        let prefix = w.ends_with('*') || (i + 1 == words.len() && w.chars().count() > 1);
        let bare = w.trim_end_matches('*');
        let term = quote(bare);
        parts.push(if !prefix {
            term
        } else {
            match expand(bare) {
                Some(terms) if terms.len() == 1 => quote(&terms[0]),
                Some(terms) if !terms.is_empty() => {
                    grouped = true;
                    let alternatives: Vec<String> = terms.iter().map(|t| quote(t)).collect();
                    format!("({})", alternatives.join(" OR "))
                }
                _ => format!("{term}*"),
            }
        });
    }
    parts.extend(
        q.phrases
            .iter()
            .filter(|p| p.chars().any(char::is_alphanumeric))
            .map(|p| quote(p)),
    );
    if parts.is_empty() {
        return None;
    }
    let mut expr = parts.join(if grouped { " AND " } else { " " });
    for x in q
        .excluded
        .iter()
        .filter(|x| x.chars().any(char::is_alphanumeric))
    {
        expr = format!("({expr}) NOT {}", quote(x));
    }
    Some(expr)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_exclusions() {
        let q = parse(r#"red fox "misty morning" -dog -"city lights""#).unwrap();
        assert_eq!(q.words, ["red", "fox"]);
        assert_eq!(q.phrases, ["misty morning"]);
        assert_eq!(q.excluded, ["dog", "city lights"]);
        assert_eq!(
            fts_expression(&q).unwrap(),
            r#"(("red" "fox"* "misty morning") NOT "dog") NOT "city lights""#
        );
    }

    #[test]
    fn a_doubled_quote_inside_quotes_is_a_quote() {
        let q = parse(r#"board:"Say ""hi"" twice" tag:"""quoted""" "a ""b"" c" -"x""y""#).unwrap();
        assert_eq!(q.boards, [r#"Say "hi" twice"#]);
        assert_eq!(q.tags, [r#""quoted""#]);
        assert_eq!(q.phrases, [r#"a "b" c"#]);
        assert_eq!(q.excluded, [r#"x"y"#]);
        // A quote inside an unquoted value is just a character.
        assert_eq!(parse(r#"board:a"b"#).unwrap().boards, [r#"a"b"#]);
        assert!(parse(r#"board:"unclosed ""quote"#).is_err());
    }

    #[test]
    fn every_key() {
        let q = parse(
            "tag:Sunset tag:\"golden hour\" board:Campaign model:gpt-image-1 provider:Getty \
             rating:>=4 is:favorite license:commercial before:2026-12-01 after:2026-01-31 \
             size:>=2048 lighthouse",
        )
        .unwrap();
        assert_eq!(
            q.tags,
            ["sunset", "golden hour"],
            "tags compare case-insensitively"
        );
        assert_eq!(q.boards, ["Campaign"]);
        assert_eq!(q.models, ["gpt-image-1"]);
        assert_eq!(q.providers, ["getty"]);
        assert_eq!(
            q.rating,
            Some(NumberFilter {
                comparison: Comparison::GreaterOrEqual,
                value: 4
            })
        );
        assert!(q.favorite);
        assert_eq!(q.license, Some(LicenseFilter::Commercial));
        assert_eq!(q.before.as_deref(), Some("2026-12-01T00:00:00Z"));
        assert_eq!(q.after.as_deref(), Some("2026-01-31T00:00:00Z"));
        assert_eq!(
            q.size,
            Some(NumberFilter {
                comparison: Comparison::GreaterOrEqual,
                value: 2048
            })
        );
        assert_eq!(q.words, ["lighthouse"]);
        for (op, c) in [
            ("<", Comparison::Less),
            ("<=", Comparison::LessOrEqual),
            (">", Comparison::Greater),
            ("=", Comparison::Equal),
            ("", Comparison::Equal),
        ] {
            let q = parse(&format!("rating:{op}3")).unwrap();
            assert_eq!(q.rating.unwrap().comparison, c, "{op}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_point_at_the_text() {
        let e = parse("fox colour:red").unwrap_err();
        assert_eq!((e.start, e.end), (4, 14));
        assert!(
            e.message.contains("\"colour:\" is not a search key"),
            "{}",
            e.message
        );
        assert!(e.message.contains("tag, board"), "{}", e.message);

        for (input, needle) in [
            ("rating:>=9", "0 to 5"),
            ("rating:lots", "not a number"),
            ("is:archived", "is:favorite"),
            ("license:free", "commercial, noncommercial"),
            ("before:yesterday", "YYYY-MM-DD"),
            ("after:2026-02-30", "YYYY-MM-DD"),
            ("size:big", "not a number"),
            ("credentials:maybe", "any, intact"),
            ("tag:", "needs a value"),
            ("-tag:x", "cannot be negated"),
            ("\"open quote", "not closed"),
        ] {
            let e = parse(input).unwrap_err();
            assert!(e.message.contains(needle), "{input}: {}", e.message);
            assert!(e.start < e.end, "{input}");
        }
    }

    #[test]
    fn credentials_filter() {
        for (value, f) in [
            ("any", CredentialsFilter::Any),
            ("INTACT", CredentialsFilter::Intact),
            ("trusted", CredentialsFilter::Trusted),
            ("invalid", CredentialsFilter::Invalid),
            ("none", CredentialsFilter::None),
            ("unread", CredentialsFilter::Unread),
        ] {
            let q = parse(&format!("fox credentials:{value}")).unwrap();
            assert_eq!(q.credentials, Some(f), "{value}");
            assert_eq!(q.words, ["fox"]);
        }
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let e = parse("café tagz:1").unwrap_err();
        assert_eq!((e.start, e.end), (5, 11));
    }

    #[test]
    fn markup_and_fts_syntax_are_just_text() {
        let q = parse(r#"<script> NEAR( AND "a""#).unwrap();
        assert_eq!(q.words, ["<script>", "NEAR(", "AND"]);
        let fts = fts_expression(&q).unwrap();
        assert_eq!(fts, r#""<script>" "NEAR(" "AND"* "a""#);
        // "https:" reads as a key: to search for a URL, quote it; the message says so.
        let e = parse("https://example.com").unwrap_err();
        assert!(e.message.contains("put it in quotes"), "{}", e.message);
    }

    #[test]
    fn prefix_words_become_the_terms_they_expand_to() {
        let q = parse("red ligh* misty ha").unwrap();
        let mut asked = Vec::new();
        let fts = fts_expression_with(&q, &mut |w| {
            asked.push(w.to_owned());
            match w {
                "ligh" => Some(vec!["lighthouse".into(), "lights".into()]),
                "ha" => None,
                _ => Some(vec!["x".into()]),
            }
        })
        .unwrap();
        assert_eq!(asked, ["ligh", "ha"], "only prefix words are expanded");
        assert_eq!(
            fts,
            r#""red" AND ("lighthouse" OR "lights") AND "misty" AND "ha"*"#
        );
        let one = fts_expression_with(&parse("Babel -dog").unwrap(), &mut |_| {
            Some(vec!["babel".into()])
        });
        assert_eq!(one.unwrap(), r#"("babel") NOT "dog""#);
    }

    #[test]
    fn a_last_word_of_one_letter_is_matched_whole_unless_starred() {
        let mut asked = Vec::new();
        let mut expand = |w: &str| {
            asked.push(w.to_owned());
            None
        };
        let typed = fts_expression_with(&parse("red b").unwrap(), &mut expand);
        assert_eq!(typed.unwrap(), r#""red" "b""#);
        let starred = fts_expression_with(&parse("red b*").unwrap(), &mut expand);
        assert_eq!(starred.unwrap(), r#""red" "b"*"#);
        let two = fts_expression_with(&parse("red bo").unwrap(), &mut expand);
        assert_eq!(two.unwrap(), r#""red" "bo"*"#);
        assert_eq!(asked, ["b", "bo"]);
    }

    #[test]
    fn filters_alone_have_no_text_expression() {
        assert_eq!(fts_expression(&parse("tag:x is:fav").unwrap()), None);
        assert_eq!(fts_expression(&parse("-dog").unwrap()), None);
        assert_eq!(parse("   ").unwrap(), SearchQuery::default());
    }
}
