//! `easel-cli providers` and `key set --field`: whether each provider is set up and where
//! each credential comes from — never the credential itself.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const KEY: &str = "sk-test-providers-0123456789";

fn cli(data: &Path, env_key: Option<&str>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_easel-cli"));
    cmd.args(args)
        .env("EASEL_DATA_DIR", data)
        .env("EASEL_KEY_STORE", "file")
        .env_remove("EASEL_CONFIG_DIR")
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(k) = env_key {
        cmd.env("OPENAI_API_KEY", k);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn openai(out: &Output) -> Value {
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "openai")
        .cloned()
        .unwrap()
}

#[test]
fn providers_say_where_credentials_come_from_and_never_show_them() {
    let dir = tempfile::tempdir().unwrap();
    let none = openai(&cli(dir.path(), None, &["providers", "--json"], ""));
    assert_eq!(none["configured"], false);
    assert_eq!(none["credentials"][0]["present"], false);
    assert_eq!(none["credentials"][0]["env_var"], "OPENAI_API_KEY");
    assert_eq!(none["terms"]["commercially_safe"], true);

    let from_env = cli(dir.path(), Some(KEY), &["providers", "--json"], "");
    assert!(!String::from_utf8_lossy(&from_env.stdout).contains(KEY));
    let from_env = openai(&from_env);
    assert_eq!(from_env["configured"], true);
    assert_eq!(from_env["credentials"][0]["source"], "env");

    let set = cli(
        dir.path(),
        None,
        &["key", "set", "openai", "--field", "api_key"],
        KEY,
    );
    assert!(set.status.success(), "{set:?}");
    let stored = cli(dir.path(), None, &["providers"], "");
    let text = String::from_utf8_lossy(&stored.stdout);
    assert!(
        stored.status.success() && text.contains("OpenAI (openai) — set up"),
        "{text}"
    );
    assert!(
        text.contains("private key file") && !text.contains(KEY),
        "{text}"
    );
    assert_eq!(
        openai(&cli(dir.path(), None, &["providers", "--json"], ""))["credentials"][0]["source"],
        "file"
    );
}

#[test]
fn an_unknown_credential_field_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        dir.path(),
        None,
        &["key", "set", "openai", "--field", "api_secret"],
        KEY,
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no credential \"api_secret\"") && err.contains("api_key"),
        "{err}"
    );
}

/// The flags a model takes come from its catalogue entry, with their allowed values.
#[test]
fn models_list_each_models_parameters_from_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), None, &["models", "--offline", "--json"], "");
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d3 = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "dall-e-3")
        .unwrap();
    let style = d3["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "style")
        .unwrap();
    assert_eq!(style["kind"], "choice");
    assert_eq!(style["values"], serde_json::json!(["vivid", "natural"]));
    let text = cli(dir.path(), None, &["models", "--offline"], "");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("--style") && text.contains("vivid, natural"),
        "{text}"
    );
}
