//! The examples' output folders, checked before training.

use std::path::Path;

/// Creates the output folder `dir` (and its parents) and proves a file can be written into
/// it, so that a bad folder fails before training instead of after it; `flag` names the
/// command-line option in the error. The probe file is removed again.
pub fn prepare(flag: &str, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{flag}: cannot create folder {}: {e}", dir.display()))?;
    let probe = dir.join(".stacknet-write-check");
    std::fs::write(&probe, b"").map_err(|e| format!("{flag}: cannot write into {}: {e}", dir.display()))?;
    std::fs::remove_file(&probe).map_err(|e| format!("{flag}: cannot remove {}: {e}", probe.display()))
}
