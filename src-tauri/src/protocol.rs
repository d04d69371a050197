//! The `easel://` scheme: `easel://localhost/<image-id>/<variant>` answers with the bytes of a
//! library image. Only a UUID and a known variant are accepted, so no path from the webview
//! ever reaches the file system; files are found through the library's own records.

use std::path::Path;

use easel_core::library::ThumbSize;
use tauri::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::engine_state::EngineState;

pub const SCHEME: &str = "easel";

/// Originals are content-addressed and thumbnails are derived from them: never stale.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageVariant {
    ThumbSmall,
    ThumbLarge,
    Original,
    /// The latest preview of a running job (the id is the job's): a local engine's image
    /// so far, from memory, never stored or cached.
    Preview,
}

impl ImageVariant {
    pub fn parse(s: &str) -> Option<ImageVariant> {
        Some(match s {
            "thumb-small" => ImageVariant::ThumbSmall,
            "thumb-large" => ImageVariant::ThumbLarge,
            "original" => ImageVariant::Original,
            "preview" => ImageVariant::Preview,
            _ => return None,
        })
    }
}

/// A request path that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRoute {
    pub image_id: String,
    pub variant: ImageVariant,
}

impl ImageRoute {
    /// `/<uuid>/<variant>` with a lower-case hyphenated UUID, nothing else. The path is
    /// percent-decoded first (`convertFileSrc` encodes the `/` between id and variant); the
    /// strict pattern is checked on the decoded text.
    pub fn parse(path: &str) -> Option<ImageRoute> {
        let decoded = percent_decode(path)?;
        let rest = decoded.strip_prefix('/')?;
        let (id, variant) = rest.split_once('/')?;
        let canonical = uuid::Uuid::try_parse(id).ok()?.hyphenated().to_string();
        if canonical != id {
            return None;
        }
        Some(ImageRoute {
            image_id: canonical,
            variant: ImageVariant::parse(variant)?,
        })
    }
}

/// A running job's latest preview; 404 once the job has ended (the final image replaces it).
fn preview(state: &EngineState, job_id: &str, head: bool) -> Response<Vec<u8>> {
    let Some((number, frame)) = state.engine().job_preview(job_id) else {
        return plain(StatusCode::NOT_FOUND, "No preview for this job.");
    };
    let kind = match easel_core::providers::http::looks_like_image(&frame.bytes) {
        Some(easel_core::providers::http::ImageKind::Png) => "image/png",
        Some(easel_core::providers::http::ImageKind::Jpeg) => "image/jpeg",
        Some(easel_core::providers::http::ImageKind::Webp) => "image/webp",
        Some(easel_core::providers::http::ImageKind::Gif) => "image/gif",
        None => return plain(StatusCode::NOT_FOUND, "No preview for this job."),
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, kind)
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-preview-number", number)
        .body(if head {
            Vec::new()
        } else {
            frame.bytes.to_vec()
        })
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

/// `%XX` sequences to bytes; `None` for a malformed sequence or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let state = ctx
        .app_handle()
        .try_state::<EngineState>()
        .map(|s| s.inner().clone());
    // File and database work stays off the main (UI) thread.
    tauri::async_runtime::spawn_blocking(move || {
        let response = match state {
            Some(state) => answer(&state, &request),
            None => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "The library is not open yet.",
            ),
        };
        responder.respond(response);
    });
}

/// The whole answer to one request; blocking.
pub fn answer(state: &EngineState, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "Only GET is supported.");
    }
    let Some(route) = ImageRoute::parse(request.uri().path()) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "Expected /<image-id>/<thumb-small|thumb-large|original>.",
        );
    };
    if route.variant == ImageVariant::Preview {
        return preview(state, &route.image_id, request.method() == Method::HEAD);
    }
    let library = state.engine().library();
    let found = match route.variant {
        ImageVariant::Preview => return plain(StatusCode::NOT_FOUND, "No such image."),
        ImageVariant::Original => library.original_path(&route.image_id),
        ImageVariant::ThumbSmall => library.thumbnail_path(&route.image_id, ThumbSize::Small),
        ImageVariant::ThumbLarge => library.thumbnail_path(&route.image_id, ThumbSize::Large),
    };
    let path = match found {
        Ok(path) => path,
        Err(easel_core::Error::NotFound { .. }) => {
            return plain(StatusCode::NOT_FOUND, "No such image.");
        }
        Err(e) => {
            log::warn!("image {} ({:?}): {e}", route.image_id, route.variant);
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The image could not be read.",
            );
        }
    };
    // Files are named by the sha256 of the original, which makes a strong validator.
    let etag = format!("\"{}-{}\"", stem(&path), variant_tag(route.variant));
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if not_modified {
        Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .body(Vec::new())
    } else {
        // An original is checked against its sha256 as it is read: a damaged one is refused.
        let read = match route.variant {
            ImageVariant::Original => library.read_original(&route.image_id),
            _ => std::fs::read(&path).map_err(easel_core::Error::io("read", &path)),
        };
        match read {
            Err(easel_core::Error::Damaged { .. }) => {
                return plain(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The original file of this image is damaged.",
                );
            }
            Ok(bytes) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, content_type(&path))
                .header(header::CONTENT_LENGTH, bytes.len())
                .body(if request.method() == Method::HEAD {
                    Vec::new()
                } else {
                    bytes
                }),
            Err(e) => {
                log::warn!("image {}: {e}", route.image_id);
                return plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The image could not be read.",
                );
            }
        }
    }
    .unwrap_or_else(|_| Response::new(Vec::new()));
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    response
}

fn variant_tag(v: ImageVariant) -> &'static str {
    match v {
        ImageVariant::ThumbSmall => "s",
        ImageVariant::ThumbLarge => "l",
        ImageVariant::Original => "o",
        ImageVariant::Preview => "p",
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Vec<u8>> {
    let mut response = Response::new(text.as_bytes().to_vec());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ID: &str = "0193a5b2-7c1e-7f00-8a00-0123456789ab";

    #[test]
    fn accepts_only_a_uuid_and_a_known_variant() {
        let ok = ImageRoute::parse(&format!("/{ID}/thumb-small")).unwrap();
        assert_eq!(
            (ok.image_id.as_str(), ok.variant),
            (ID, ImageVariant::ThumbSmall)
        );
        assert_eq!(
            ImageRoute::parse(&format!("/{ID}/original"))
                .unwrap()
                .variant,
            ImageVariant::Original
        );
        assert_eq!(
            ImageRoute::parse(&format!("/{ID}/preview"))
                .unwrap()
                .variant,
            ImageVariant::Preview
        );
        // What convertFileSrc produces: the separator percent-encoded.
        assert_eq!(
            ImageRoute::parse(&format!("/{ID}%2Fthumb-large"))
                .unwrap()
                .variant,
            ImageVariant::ThumbLarge
        );
        for bad in [
            "".to_owned(),
            "/".to_owned(),
            format!("/{ID}"),
            format!("/{ID}/"),
            format!("/{ID}/thumb"),
            format!("/{ID}/original/x"),
            format!("/{}/original", ID.to_uppercase()),
            format!("/{}/original", ID.replace('-', "")),
            "/../../etc/passwd/original".to_owned(),
            "/%2e%2e/original".to_owned(),
            format!("//{ID}/original"),
            format!("/{ID}/..%2foriginal"),
            format!("/{ID}%2F..%2F..%2Foriginal"),
            format!("/{ID}%2Foriginal%00"),
            format!("/{ID}%2"),
            format!("/{ID}%zz/original"),
        ] {
            assert!(ImageRoute::parse(&bad).is_none(), "{bad:?} was accepted");
        }
    }

    fn get(state: &EngineState, uri: &str, etag: Option<&str>) -> Response<Vec<u8>> {
        let mut req = Request::builder().uri(uri);
        if let Some(tag) = etag {
            req = req.header(header::IF_NONE_MATCH, tag);
        }
        answer(state, &req.body(Vec::new()).unwrap())
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([20, 120, 200, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn serves_library_images_with_cache_headers_and_nothing_else() {
        use easel_core::library::NewImage;
        use easel_core::license::{LicenseSnapshot, snapshot_for};
        let dir = tempfile::tempdir().unwrap();
        let engine =
            easel_core::engine::Engine::open(easel_core::app_dirs::AppDirs::under(dir.path()))
                .unwrap();
        let state = EngineState::new(std::sync::Arc::new(engine));
        let library = state.engine().library();
        let request = easel_core::GenerationRequest {
            provider: "openai".into(),
            model: "gpt-image-1".into(),
            prompt: "a blue square".into(),
            params: Default::default(),
        };
        let generation = library.create_generation(&request).unwrap();
        let bytes = png(600, 400);
        let stored = library
            .store_image(NewImage {
                generation_id: &generation,
                index: 0,
                bytes: &bytes,
                revised_prompt: None,
                seed: None,
                license: LicenseSnapshot {
                    snapshot_at: "2026-01-01T00:00:00.000Z".into(),
                    ..snapshot_for("openai", "gpt-image-1")
                },
                facts: Default::default(),
            })
            .unwrap();
        let id = stored.summary.id.clone();

        let original = get(&state, &format!("easel://localhost/{id}/original"), None);
        assert_eq!(original.status(), StatusCode::OK);
        assert_eq!(
            original.body(),
            &bytes,
            "the original is exactly the stored bytes"
        );
        let h = original.headers();
        assert_eq!(h[header::CONTENT_TYPE], "image/png");
        assert_eq!(h[header::CACHE_CONTROL], CACHE_FOREVER);
        let etag = h[header::ETAG].to_str().unwrap().to_owned();
        assert!(
            etag.contains(&stored.sha256),
            "{etag} is not based on the sha256"
        );

        let again = get(
            &state,
            &format!("easel://localhost/{id}/original"),
            Some(&etag),
        );
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.body().is_empty());

        for (variant, edge) in [("thumb-small", 256), ("thumb-large", 768)] {
            let thumb = get(&state, &format!("easel://localhost/{id}/{variant}"), None);
            assert_eq!(thumb.status(), StatusCode::OK, "{variant}");
            assert_eq!(thumb.headers()[header::CONTENT_TYPE], "image/jpeg");
            let img = image::load_from_memory(thumb.body()).unwrap();
            assert!(img.width() <= edge && img.height() <= edge, "{variant}");
            assert_ne!(thumb.headers()[header::ETAG].to_str().unwrap(), etag);
        }

        // A damaged original (here truncated) is refused, not served as the image.
        let path = library.original_path(&id).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let damaged = get(&state, &format!("easel://localhost/{id}/original"), None);
        assert_eq!(damaged.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            damaged
                .body()
                .starts_with(b"The original file of this image is damaged")
        );
        std::fs::write(&path, &bytes).unwrap();

        let unknown = get(
            &state,
            "easel://localhost/0193a5b2-7c1e-7f00-8a00-0123456789ab/original",
            None,
        );
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        for bad in [
            format!("easel://localhost/{id}/../../easel.sqlite3"),
            "easel://localhost/easel.sqlite3/original".to_owned(),
            format!("easel://localhost/{id}/thumb-huge"),
        ] {
            assert_eq!(
                get(&state, &bad, None).status(),
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
        let post = answer(
            &state,
            &Request::builder()
                .method(Method::POST)
                .uri(format!("easel://localhost/{id}/original"))
                .body(Vec::new())
                .unwrap(),
        );
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);

        // A deleted image is gone from the scheme too.
        library.delete_images(std::slice::from_ref(&id)).unwrap();
        let deleted = get(&state, &format!("easel://localhost/{id}/original"), None);
        assert_eq!(deleted.status(), StatusCode::NOT_FOUND);
    }
}
