//! Where formcheck keeps things on this computer, in one place: the data folder (the session
//! store, the saved plan, reports and exports) and the cache of spoken cues. The platform's
//! conventions come from the `directories` crate; on Linux they are the XDG folders.
//!
//! - Data: `FORMCHECK_DATA` if set, else `$XDG_DATA_HOME/formcheck`, else
//!   `~/.local/share/formcheck`.
//! - Spoken cues: `$XDG_CACHE_HOME/formcheck/cues`, else `~/.cache/formcheck/cues` (the system's
//!   temporary folder when there is no home folder at all).
//! - The files an installed formcheck ships (models, ONNX Runtime): `lib/formcheck/` beside the
//!   `bin/` folder the program runs from, e.g. `/usr/lib/formcheck` for `/usr/bin/formcheck` (the
//!   `.deb`) or `formcheck-VERSION/lib/formcheck` in the portable tarball. See [`installed_lib_dir`].

use std::path::PathBuf;

use directories::ProjectDirs;

/// The variable that overrides the data folder.
pub const DATA_ENV: &str = "FORMCHECK_DATA";

/// A folder formcheck needs could not be found.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PathsError {
    /// Neither `FORMCHECK_DATA` nor a home folder.
    #[error("no data folder: set FORMCHECK_DATA (or XDG_DATA_HOME or HOME) to where formcheck keeps its sessions")]
    NoDataDir,
}

/// The platform's folders for formcheck (None without a home folder).
fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "formcheck")
}

/// The data folder: `FORMCHECK_DATA` if set, else the platform's data folder for formcheck
/// (`$XDG_DATA_HOME/formcheck` or `~/.local/share/formcheck` on Linux).
///
/// # Errors
/// When `FORMCHECK_DATA` is not set and there is no home folder.
pub fn data_dir() -> Result<PathBuf, PathsError> {
    if let Some(d) = std::env::var_os(DATA_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    project().map(|p| p.data_dir().to_path_buf()).ok_or(PathsError::NoDataDir)
}

/// The session store's file in [`data_dir`].
///
/// # Errors
/// See [`data_dir`].
pub fn database_path() -> Result<PathBuf, PathsError> {
    Ok(data_dir()?.join("formcheck.db"))
}

/// Where spoken cues are cached: the platform's cache folder for formcheck, `cues` in it
/// (`$XDG_CACHE_HOME/formcheck/cues` or `~/.cache/formcheck/cues` on Linux).
#[must_use]
pub fn cue_cache_dir() -> PathBuf {
    project().map_or_else(|| std::env::temp_dir().join("formcheck"), |p| p.cache_dir().to_path_buf()).join("cues")
}

/// The folder of the files an installed formcheck ships (`models/`, the ONNX Runtime library):
/// `<prefix>/lib/formcheck` when the running program is `<prefix>/bin/formcheck` and that folder
/// exists (the layout `scripts/package.sh` gives both packages); None in a repository checkout (`target/release/formcheck`) or anywhere else. Found from
/// the program's own path (symbolic links resolved), never from the working directory, so it holds
/// wherever the package was unpacked.
#[must_use]
pub fn installed_lib_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let prefix = exe.parent()?.parent()?;
    let dir = prefix.join("lib").join("formcheck");
    dir.is_dir().then_some(dir)
}

/// The home folder, if there is one (where a file dialog starts when nothing better is known).
#[must_use]
pub fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
}
