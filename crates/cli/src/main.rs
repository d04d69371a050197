//! `easel-cli`: Easel's core from the command line, for scripts and tests.
//! With `--json`, stdout carries exactly one JSON document; errors are `{"error": {code, message}}`
//! with a non-zero exit code. Without it, output is for people.

mod args;
mod commands;
mod export;
mod human;
mod license;
mod providers;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = cli.json();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("easel-cli: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let payload = failure.payload();
            if json && !matches!(failure, commands::Failure::Partial(_)) {
                println!("{}", serde_json::json!({ "error": payload }));
            } else {
                eprintln!("error [{}]: {}", payload.code, payload.message);
            }
            match payload.code.as_str() {
                "cancelled" => ExitCode::from(130),
                "invalid_input" => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
