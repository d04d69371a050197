//! File names that are safe on Windows, macOS and Linux: a slug of the prompt plus a
//! short id, or a user-chosen stem made safe.

/// Longest slug taken from the prompt, in bytes (ASCII).
pub const MAX_SLUG: usize = 48;
/// Longest user-chosen stem, in bytes; leaves room for "-999.license.txt" under the
/// 255-byte limit most filesystems have.
pub const MAX_STEM: usize = 200;

const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Latin letters with diacritics, folded to ASCII so "Crème brûlée" becomes "creme-brulee".
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ģ' | 'ĝ' | 'ġ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ľ' | 'ļ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ß' => "ss",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Lower-case ASCII words joined by '-', cut at a word boundary within `max` bytes.
pub fn slug(text: &str, max: usize) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else if let Some(folded) = fold(c) {
            word.push_str(folded);
        } else if c == '\'' || c == '’' {
            // "don't" -> "dont"
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut out = String::new();
    for w in words {
        let extra = if out.is_empty() { w.len() } else { w.len() + 1 };
        if out.len() + extra > max {
            if out.is_empty() {
                out = w[..max].to_owned(); // one huge word: ASCII, so any cut is on a char boundary
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w);
    }
    out
}

/// The last 8 alphanumerics of the id: for UUIDv7 ids that is the random part, so
/// images made in the same second still differ.
pub fn short_id(image_id: &str) -> String {
    let alnum: Vec<char> = image_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    alnum[alnum.len().saturating_sub(8)..].iter().collect()
}

/// "<prompt-slug>-<short-id>", or "image-<short-id>" for prompts with no usable letters.
pub fn default_stem(prompt: &str, image_id: &str) -> String {
    let slug = slug(prompt, MAX_SLUG);
    let id = short_id(image_id);
    let base = if slug.is_empty() { "image" } else { &slug };
    if id.is_empty() {
        base.to_owned()
    } else {
        format!("{base}-{id}")
    }
}

/// A user-chosen stem, made safe everywhere: no path separators or characters Windows
/// forbids, no control characters, no leading/trailing dots or spaces, not a reserved
/// device name, length-capped. Unicode letters are kept. `None` if nothing usable is left.
pub fn safe_stem(stem: &str) -> Option<String> {
    let stem = strip_image_extension(stem.trim());
    let cleaned: String = stem
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' => '-',
            c if c.is_control() => '-',
            c => c,
        })
        .collect();
    let mut out = cleaned
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned();
    if out.len() > MAX_STEM {
        let mut cut = MAX_STEM;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out = out
            .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
            .to_owned();
    }
    if out.is_empty() {
        return None;
    }
    if is_reserved(&out) {
        out.push('_');
    }
    Some(out)
}

/// "brochure.png" typed as a name means "brochure": the extension follows the format.
fn strip_image_extension(stem: &str) -> &str {
    for ext in [".png", ".jpg", ".jpeg", ".webp"] {
        let cut = stem.len().saturating_sub(ext.len());
        if stem.is_char_boundary(cut) && stem[cut..].eq_ignore_ascii_case(ext) && cut > 0 {
            return &stem[..cut];
        }
    }
    stem
}

/// Windows refuses these names with any extension ("con.png", "Nul.txt").
pub fn is_reserved(stem: &str) -> bool {
    let first = stem.split('.').next().unwrap_or(stem).trim_end();
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(first))
}

/// `stem`, then `stem-2`, `stem-3`, …
pub fn candidate(stem: &str, n: u32) -> String {
    if n <= 1 {
        stem.to_owned()
    } else {
        format!("{stem}-{n}")
    }
}
