//! What the window tests and the window benchmark share: tauri-driver with the app's
//! environment (in its own process group, so nothing outlives a run), and waiting on the page.
// Each includer uses its own part of this file.
#![allow(dead_code)]

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The app binary; `EASEL_E2E_APP` overrides the default debug build.
pub fn app_binary() -> PathBuf {
    std::env::var_os("EASEL_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/easel"))
        .canonicalize()
        .expect("the app binary is missing: run tests/e2e/run.sh, which builds it")
}

pub fn artifacts() -> PathBuf {
    let dir = repo_root().join("tests/artifacts/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tauri-driver` with the app's environment; killed on drop.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub fn start(profile: &Path, base_url: &str) -> Driver {
        Driver::start_with(profile, base_url, &[])
    }

    /// With extra environment for the app (other providers' stand-ins and credentials).
    pub fn start_with(profile: &Path, base_url: &str, env: &[(&str, String)]) -> Driver {
        let port = free_port();
        let native_port = free_port();
        let child = Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()))
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("EASEL_DATA_DIR", profile.join("data"))
            .env("EASEL_CONFIG_DIR", profile.join("config"))
            .env("EASEL_KEY_STORE", "file")
            .env("OPENAI_BASE_URL", base_url)
            .env_remove("OPENAI_API_KEY")
            // Window state, logs and WebKit caches stay in the throwaway profile too.
            .env("XDG_CONFIG_HOME", profile.join("xdg-config"))
            .env("XDG_DATA_HOME", profile.join("xdg-data"))
            .env("XDG_CACHE_HOME", profile.join("xdg-cache"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group, which WebKitWebDriver and the app join: a failed
            // scenario takes them all down, and no window outlives it to answer the next
            // scenario's launch as the single running instance.
            .process_group(0)
            .spawn()
            .expect("tauri-driver could not be started (cargo install tauri-driver --locked --version '^2')");
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, port }
    }

    pub async fn session(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({"application": app_binary().display().to_string()}),
        );
        caps.insert("browserName".into(), json!("wry"));
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut builder = ClientBuilder::rustls().unwrap();
        builder.capabilities(caps);
        let connect = builder.connect(&url);
        tokio::time::timeout(Duration::from_secs(120), connect)
            .await
            .expect("no WebDriver session within 120 s: did an earlier window stay open?")
            .expect("no WebDriver session: is WebKitWebDriver (webkit2gtk-driver) installed and a display available?")
    }

    /// Waits until the app of a closed session has exited, so that a new session starts a
    /// new instance rather than reaching the one shutting down.
    pub fn wait_app_exited(&self) {
        let app = app_binary();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self
            .group()
            .iter()
            .any(|p| p.exe.as_deref() == Some(app.as_path()))
        {
            assert!(
                Instant::now() < deadline,
                "the app did not exit after its session closed"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The live (not zombie) processes of tauri-driver's group.
    pub fn group(&self) -> Vec<GroupMember> {
        let Ok(group) = i32::try_from(self.child.id()) else {
            return Vec::new();
        };
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .filter_map(|e| {
                let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
                let after = &stat[stat.rfind(')')? + 1..];
                let mut fields = after.split_whitespace();
                let state = fields.next()?;
                let pgrp: i32 = fields.nth(1)?.parse().ok()?;
                let pid = e.file_name().to_string_lossy().parse().ok()?;
                (pgrp == group && state != "Z").then(|| GroupMember {
                    pid,
                    exe: std::fs::read_link(e.path().join("exe")).ok(),
                })
            })
            .collect()
    }
}

pub struct GroupMember {
    pub pid: i32,
    pub exe: Option<PathBuf>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(group) = i32::try_from(self.child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.group().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn css(testid: &str) -> String {
    format!("[data-testid='{testid}']")
}

/// Polls a script until it returns something truthy; returns that value.
pub async fn wait_js(c: &Client, what: &str, script: &str, args: Vec<Value>) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = c.execute(script, args.clone()).await.unwrap();
        let truthy = match &v {
            Value::Null | Value::Bool(false) => false,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            shot(c, &format!("failed-{}", what.replace(' ', "-"))).await;
            panic!("timed out waiting for {what} (last: {v})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The window has loaded the UI.
pub async fn window_ready(c: &Client) {
    wait_js(
        c,
        "the page title",
        "return document.title === 'Easel'",
        vec![],
    )
    .await;
}

pub async fn wait_for(c: &Client, testid: &str) -> fantoccini::elements::Element {
    let script = format!(
        "return document.querySelector(\"{}\") !== null",
        css(testid)
    );
    wait_js(c, testid, &script, vec![]).await;
    c.find(Locator::Css(&css(testid))).await.unwrap()
}

pub async fn click(c: &Client, testid: &str) {
    wait_for(c, testid).await.click().await.unwrap();
}

pub async fn text_of(c: &Client, testid: &str) -> String {
    wait_for(c, testid).await.text().await.unwrap()
}

/// WebDriver's snapshot of the page, after a moment for decoding and painting to settle
/// (under Xvfb WebKit paints in software, and an X grab of the window can lag behind).
pub async fn shot(c: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(800)).await;
    match c.screenshot().await {
        Ok(png) => std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap(),
        Err(e) => eprintln!("screenshot {name} failed: {e}"),
    }
}
