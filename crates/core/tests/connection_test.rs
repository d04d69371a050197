//! Settings' "Test": the credentials are checked with the provider where it offers a free
//! check (Getty's sign-in), and never reported as working where it offers none (Stability,
//! whose key is only known to work once a generation succeeds).
#![allow(clippy::unwrap_used, unsafe_code)]

mod getty_support;
mod stability_support;
mod support;

use easel_core::app_dirs::AppDirs;
use easel_core::engine::Engine;
use getty_support::{GettyStandIn, KEY, Reply, SECRET};

#[tokio::test]
async fn test_checks_what_the_provider_lets_it_check() {
    let root = tempfile::tempdir().unwrap();
    let getty = GettyStandIn::start().await;
    let stability = stability_support::StandIn::start().await;
    // SAFETY: the only test in this binary, so nothing reads the environment meanwhile.
    unsafe {
        std::env::set_var("EASEL_KEY_STORE", "file");
        std::env::set_var("GETTY_API_KEY", KEY);
        std::env::set_var("GETTY_API_SECRET", SECRET);
        std::env::set_var("GETTY_BASE_URL", getty.base_url());
        std::env::set_var("GETTY_AUTH_URL", getty.auth_url());
        std::env::set_var("STABILITY_API_KEY", "sk-stability-0123456789");
        std::env::set_var("STABILITY_BASE_URL", stability.base_url());
    }
    let engine = Engine::open(AppDirs::under(root.path())).unwrap();

    // Getty: signing in is the check.
    let t = engine.test_connection("getty").await.unwrap();
    assert!(t.verified);
    assert_eq!(t.models, ["generative-ai"]);
    assert_eq!(getty.tokens_issued(), 1);

    // Refused credentials are an auth error naming what to set, not "works".
    unsafe { std::env::set_var("GETTY_API_SECRET", "a-wrong-secret-0123") };
    getty.token_reply(Reply::json(
        401,
        serde_json::json!({"error": "invalid_client"}),
    ));
    let e = engine.test_connection("getty").await.unwrap_err();
    assert_eq!(e.code(), "auth", "{e}");

    // Stability has no free check: not verified, and nothing was sent.
    let t = engine.test_connection("stability").await.unwrap();
    assert!(!t.verified);
    assert!(t.models.contains(&"stable-image-core".to_owned()));
    assert_eq!(stability.count(), 0);
}
