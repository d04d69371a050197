//! `easel-cli`: Easel's core from the command line, for scripts and tests.
//! With `--json`, stdout carries exactly one JSON document, whatever happens (argument
//! errors included); errors are `{"error": {code, message}}` with a non-zero exit code.
//! Without it, output is for people. A closed stdout ends the output quietly.

#[macro_use]
mod output;
mod args;
mod commands;
mod edit;
mod endpoints;
mod export;
mod human;
mod import;
mod library_commands;
mod license;
mod organise;
mod provenance;
mod providers;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return argument_error(e),
    };
    let json = cli.json();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!("easel-cli: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let payload = failure.payload();
            if json && !matches!(failure, commands::Failure::Partial(_)) {
                let mut error = serde_json::json!(payload);
                // A search error says where, so a script (or a person) can point at it.
                if let commands::Failure::Core(easel_core::Error::InvalidSearch {
                    start,
                    end,
                    ..
                }) = &failure
                {
                    error["start"] = serde_json::json!(start);
                    error["end"] = serde_json::json!(end);
                }
                output::json(&serde_json::json!({ "error": error }));
            } else {
                errln!("error [{}]: {}", payload.code, payload.message);
            }
            exit_code(&payload.code)
        }
    }
}

fn exit_code(code: &str) -> ExitCode {
    match code {
        "cancelled" => ExitCode::from(130),
        "invalid_input" => ExitCode::from(2),
        // Some images of a generation were stored, some were lost.
        "partly_stored" => ExitCode::from(3),
        _ => ExitCode::FAILURE,
    }
}

/// Clap's own output for help and version; for a real argument error under `--json`, the
/// error as the one JSON document on stdout.
fn argument_error(e: clap::Error) -> ExitCode {
    let wants_json = std::env::args_os().skip(1).any(|a| a == "--json");
    let is_error = !matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if wants_json && is_error {
        let message = e.render().to_string();
        let message = message
            .trim()
            .trim_start_matches("error: ")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        output::json(&serde_json::json!({
            "error": { "code": "invalid_input", "message": message }
        }));
        return ExitCode::from(2);
    }
    let _ = e.print();
    if output::stdout_closed() || !is_error {
        return ExitCode::SUCCESS;
    }
    ExitCode::from(2)
}
