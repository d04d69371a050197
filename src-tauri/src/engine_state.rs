//! The one `Engine` the app holds, shared by commands, the image scheme and job forwarders.

use std::sync::Arc;

use easel_core::engine::Engine;

#[derive(Clone)]
pub struct EngineState(Arc<Engine>);

impl EngineState {
    pub fn new(engine: Arc<Engine>) -> EngineState {
        EngineState(engine)
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.0
    }
}
