//! `valurna-verify`: the observers' command (spec/verification.md).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Verifies a Valurna election record: every check of spec/verification.md
/// (V1–V23), the reproduced result, and a verdict. With --audit, checks a
/// ballot audit file against the election's manifest.json and
/// parameters.json in the directory instead (spec/record.md §5.4). Exit
/// code 0 only if everything holds; 1 if any check fails; 2 on a usage
/// error.
#[derive(Debug, Parser)]
#[command(name = "valurna-verify", version)]
struct Cli {
    /// The record's directory (manifest.json, board.jsonl, …); with
    /// --audit, a directory with the election's manifest.json and
    /// parameters.json.
    record: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// A voter's check: is the ballot with this tracker (full hex or the
    /// short XXXX-XXXX-XXXX form) on the board, and does it count?
    #[arg(long, value_name = "CODE", conflicts_with = "audit")]
    tracker: Option<String>,
    /// A voter's audit: does this audit file (the choices and nonces the
    /// voting booth revealed, spec/record.md §5.4) check against the
    /// election's manifest.json and parameters.json in the directory? The
    /// rest of the record is not needed.
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

fn emit(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !cli.record.is_dir() {
        let _ = writeln!(
            std::io::stderr(),
            "valurna-verify: {} is not a directory",
            cli.record.display()
        );
        return ExitCode::from(2);
    }
    let (text, ok) = if let Some(file) = &cli.audit {
        // The audit file is the voter's input: one that cannot be read is a
        // usage error, like a directory that is not one.
        let bytes = match valurna_verifier::record::read_bytes(file) {
            Ok(b) => b,
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "valurna-verify: cannot read the audit file {}: {e}",
                    file.display()
                );
                return ExitCode::from(2);
            }
        };
        let report = valurna_verifier::check_audit(&cli.record, &bytes);
        let text = if cli.json {
            serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
        } else {
            report.to_text()
        };
        (text, report.ok())
    } else if let Some(code) = &cli.tracker {
        let Some(code) = valurna_verifier::parse_code(code) else {
            let _ = writeln!(
                std::io::stderr(),
                "valurna-verify: a tracker is 64 hex digits or 12 symbols like ABCD-EFGH-JKMN"
            );
            return ExitCode::from(2);
        };
        let report = valurna_verifier::check_tracker(&cli.record, &code);
        let text = if cli.json {
            serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
        } else {
            report.to_text()
        };
        (text, report.ok())
    } else {
        let options = valurna_verifier::Options {
            progress: !cli.quiet && !cli.json && std::io::stderr().is_terminal(),
        };
        let report = valurna_verifier::verify_record(&cli.record, &options);
        let text = if cli.json {
            serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
        } else {
            report.to_text()
        };
        (text, report.verified)
    };
    let code = emit(&text);
    if code != ExitCode::SUCCESS {
        return code;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
