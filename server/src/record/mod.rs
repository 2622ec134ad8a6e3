//! An election's files on disk: the key ceremony, the set-up, the record
//! and its tally. The trustees' and the committee's commands work through
//! files, so that each trustee can run their part on their own machine
//! (spec: record.md §6, §7).
//!
//! Key ceremony, in a directory the trustees share (a USB stick, a shared
//! folder; everything in it is public):
//!
//! ```text
//! valurna ceremony init --manifest manifest.json --trustees 3 --threshold 2 --dir C
//! valurna trustee announce --dir C --index 1 --secret trustee1.secret   (each trustee)
//! valurna trustee deal     --dir C --secret trustee1.secret            (each trustee)
//! valurna trustee receive  --dir C --secret trustee1.secret --share trustee1.share
//! valurna ceremony finish  --dir C                                      (anyone)
//! ```
//!
//! Every file a trustee publishes carries its index in its name
//! (`announcement-1.json`, `shares-from-1.json`, `complaints-from-1.json`,
//! `confirmation-1.json`); a file whose content claims another sender is
//! refused, so no trustee can put words in another's mouth.
//!
//! Tally, on a record whose `tally.json` and `board_seal.json` exist. Before
//! decrypting anything, a trustee's tool re-checks the whole record (hashes,
//! ceremony, credentials, the board's chain, seal and every ballot, the
//! counted set) and recomputes the tally: a trustee never decrypts a
//! ciphertext that is not the tally of the board.
//!
//! ```text
//! valurna trustee decrypt --record R --share trustee1.share   (t trustees)
//! valurna tally finish    --record R                          (anyone)
//! ```
//!
//! Secret files (`*.secret`, `*.share`) are created readable by their owner
//! only and never leave the trustee's machine.
//!
//! | module | what |
//! |---|---|
//! | [`ceremony`] | `valurna ceremony …` and the trustees' rounds |
//! | [`setup`] | an election's set-up files, checked (what `election load` and opening voting take) |
//! | [`check`] | a whole record re-checked up to the tally |
//! | [`tally`] | mixing, a trustee's decryption, the result |
//! | [`ranked`] | the mix-net's files for ranked contests (record.md §9) |

pub mod ceremony;
pub mod check;
pub mod ranked;
pub mod setup;
pub mod tally;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::error::CliError;

fn usage(text: impl Into<String>) -> CliError {
    CliError::Usage(text.into())
}

fn bad(what: impl Into<String>) -> CliError {
    usage(format!("the record does not check out: {}", what.into()))
}

/// Creates `path` (which must not exist) readable by its owner only and
/// writes a secret into it.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| usage(format!("cannot create secret file {}: {e}", path.display())))?;
    f.write_all(bytes)?;
    Ok(())
}
