//! Server-sent events (`text/event-stream`), as OpenAI streams images: each event's `data:`
//! lines joined, handed over as JSON as soon as the event is complete.

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::failure::from_transport;
use super::human_bytes;
use crate::error::{Error, Result};

/// True when the answer is an event stream.
pub fn is_event_stream(resp: &reqwest::Response) -> bool {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/event-stream"))
}

/// Reads events until the stream ends, calling `on_event` with each event's JSON data. At
/// most `cap` bytes are read in all.
pub async fn read_events(
    mut resp: reqwest::Response,
    cap: u64,
    cancel: &CancellationToken,
    mut on_event: impl FnMut(Value) -> Result<()>,
) -> Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    loop {
        let chunk = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Error::Cancelled),
            c = resp.chunk() => c.map_err(|e| from_transport(e, "Reading the stream").error)?,
        };
        let Some(chunk) = chunk else { break };
        total += chunk.len() as u64;
        if total > cap {
            return Err(Error::BadResponse {
                message: format!(
                    "the streamed answer is larger than the {} limit.",
                    human_bytes(cap)
                ),
            });
        }
        buf.extend_from_slice(&chunk);
        while let Some((end, sep)) = event_end(&buf) {
            let block: Vec<u8> = buf.drain(..end + sep).collect();
            if let Some(data) = event_data(&block[..end]) {
                on_event(data)?;
            }
        }
    }
    // A last event without the closing blank line.
    if let Some(data) = event_data(&buf) {
        on_event(data)?;
    }
    Ok(())
}

fn event_data(block: &[u8]) -> Option<Value> {
    let text = String::from_utf8_lossy(block);
    let data: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim_start)
        .collect();
    let data = data.join("\n");
    if data.trim().is_empty() || data.trim() == "[DONE]" {
        return None;
    }
    Some(serde_json::from_str(&data).unwrap_or(Value::String(data)))
}

/// The end of the first complete event: (where its text ends, separator length).
fn event_end(buf: &[u8]) -> Option<(usize, usize)> {
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_events_and_reads_their_data() {
        assert_eq!(event_end(b"data: x\n\nrest"), Some((7, 2)));
        assert_eq!(event_end(b"data: x\r\n\r\n"), Some((7, 4)));
        assert_eq!(event_end(b"data: x\n"), None);
        assert_eq!(
            event_data(b"event: e\ndata: {\"a\":1}"),
            Some(serde_json::json!({"a": 1}))
        );
        assert_eq!(event_data(b"data: [DONE]"), None);
        assert_eq!(event_data(b": comment"), None);
    }
}
