//! Commands wait while the library opens. The library is opened off the main thread, so the
//! window paints (and answers the desktop) during an upgrade that takes seconds at a million
//! images; commands that arrive meanwhile are held and let through once it is open. When it
//! cannot be opened, they fail with the reason, except those the failure screen uses.

use std::sync::{Arc, Mutex, PoisonError};

use easel_core::ErrorPayload;
use tauri::ipc::Invoke;
use tauri::{AppHandle, Runtime};

use crate::open_failure::OpenFailure;

/// Commands the failure screen needs; they run whether or not the library opened.
const WITHOUT_LIBRARY: [&str; 4] = [
    "library_open_stage",
    "library_open_failure",
    "restart_app",
    "quit_app",
];

/// Never held: says how far the opening has got while it runs.
const WHILE_OPENING: &str = "library_open_stage";

type Handler<R> = dyn Fn(Invoke<R>) -> bool + Send + Sync;

enum Stage<R: Runtime> {
    /// Commands that arrived before the library was open, in order.
    Opening(Vec<Invoke<R>>),
    Open,
    Failed(ErrorPayload),
}

pub struct OpenGate<R: Runtime> {
    stage: Mutex<Stage<R>>,
    handler: Arc<Handler<R>>,
}

impl<R: Runtime> OpenGate<R> {
    /// Wraps the app's command handler; commands are held until `opened`.
    pub fn new(handler: impl Fn(Invoke<R>) -> bool + Send + Sync + 'static) -> Arc<OpenGate<R>> {
        Arc::new(OpenGate {
            stage: Mutex::new(Stage::Opening(Vec::new())),
            handler: Arc::new(handler),
        })
    }

    /// The invoke handler: runs, holds or refuses one command.
    pub fn pass(&self, invoke: Invoke<R>) -> bool {
        let mut stage = self.stage.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *stage {
            Stage::Opening(_) if invoke.message.command() == WHILE_OPENING => {
                drop(stage);
                (self.handler)(invoke)
            }
            Stage::Opening(held) => {
                held.push(invoke);
                true
            }
            Stage::Failed(failure) if !WITHOUT_LIBRARY.contains(&invoke.message.command()) => {
                invoke.resolver.reject(failure.clone());
                true
            }
            Stage::Open | Stage::Failed(_) => {
                drop(stage);
                (self.handler)(invoke)
            }
        }
    }

    /// The library is open (its state managed), or could not be: the held commands pass
    /// again, in order, on the main thread as commands always do, and so run or are refused.
    pub fn opened(self: &Arc<Self>, app: &AppHandle<R>, failure: Option<&OpenFailure>) {
        let next = match failure {
            None => Stage::Open,
            Some(f) => Stage::Failed(f.refusal()),
        };
        let held = {
            let mut stage = self.stage.lock().unwrap_or_else(PoisonError::into_inner);
            match std::mem::replace(&mut *stage, next) {
                Stage::Opening(held) => held,
                // Opened twice: nothing was held the second time.
                Stage::Open | Stage::Failed(_) => Vec::new(),
            }
        };
        if held.is_empty() {
            return;
        }
        let gate = Arc::clone(self);
        let run = move || {
            for invoke in held {
                gate.pass(invoke);
            }
        };
        if let Err(e) = app.run_on_main_thread(run) {
            log::error!("commands held while the library opened could not be run: {e}");
        }
    }
}
