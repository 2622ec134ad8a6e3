//! An election's set-up files in a record directory, checked
//! ([`valurna_engine::setup::check_setup`]).

use std::path::Path;

use valurna_engine::record::files;
pub use valurna_engine::setup::Setup;
use valurna_engine::setup::SetupError;

use super::bad;
use crate::error::CliError;

/// Checks the set-up files in `dir` (`manifest.json`, `parameters.json`,
/// `ceremony.json`, `credentials.jsonl`), each read once.
pub fn check_setup(dir: &Path) -> Result<Setup, CliError> {
    valurna_engine::setup::check_setup(
        std::fs::read(dir.join(files::MANIFEST))?,
        std::fs::read(dir.join(files::PARAMETERS))?,
        std::fs::read(dir.join(files::CEREMONY))?,
        std::fs::read(dir.join(files::CREDENTIALS))?,
    )
    .map_err(|e| match e {
        SetupError::Bad(what) => bad(what),
        SetupError::Engine(e) => CliError::Engine(e),
    })
}
