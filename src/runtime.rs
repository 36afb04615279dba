//! Finding and loading the ONNX Runtime shared library.
//!
//! formcheck links ONNX Runtime dynamically (`ort`'s `load-dynamic`), so the library must be found at
//! start. We look, in order, in `ORT_DYLIB_PATH`, in an installed formcheck's `lib/formcheck/` (the
//! packages' layout: `<prefix>/bin/formcheck` beside `<prefix>/lib/formcheck/`), beside the
//! executable, and in the project's `.ort/` folder that `scripts/setup.sh` fills from the PyPI wheel.
//! Nothing here panics: `ort::init()` would panic on a missing library, so we only ever call
//! `ort::init_from` on a path we chose, and every failure becomes a [`RuntimeError`] that says how to fix it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// ONNX Runtime version the project is built and tested against.
pub(crate) const ORT_VERSION: &str = "1.31.1";

/// File names tried in each folder, most specific first.
const LIB_NAMES: [&str; 2] = ["libonnxruntime.so.1.31.1", "libonnxruntime.so"];

/// Whether ORT's idle worker threads may spin-wait (env `FORMCHECK_ORT_SPIN=1`; off by default,
/// because on a small machine spinning steals the cores that decode the video).
fn spinning_allowed() -> bool {
    std::env::var("FORMCHECK_ORT_SPIN").is_ok_and(|v| v == "1")
}

/// A session on the model file `path` with formcheck's settings, the same for every model: the
/// graph fully optimised, `threads` intra-op threads, idle threads not spinning (unless
/// [`spinning_allowed`]). The error is ONNX Runtime's, in words (the file is not a model it can
/// load); the caller has checked that the file is there.
pub(crate) fn session(
    env: &ort::environment::Environment,
    path: &Path,
    threads: usize,
) -> Result<ort::session::Session, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    ort::session::Session::builder(env)
        .map_err(|x| e(&x))?
        .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Level3)
        .map_err(|x| e(&x))?
        .with_intra_threads(threads.max(1))
        .map_err(|x| e(&x))?
        .with_intra_op_spinning(spinning_allowed())
        .map_err(|x| e(&x))?
        .commit_from_file(path)
        .map_err(|x| e(&x))
}

/// Why the runtime could not be loaded, with every place that was tried.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "ONNX Runtime could not be loaded.\n{tried}\nFix: reinstall formcheck (its packages ship the library in lib/formcheck/); \
     in a checkout run `scripts/setup.sh` (it fetches ONNX Runtime {ORT_VERSION} into .ort/), \
     or set ORT_DYLIB_PATH to a libonnxruntime.so of version {ORT_VERSION}."
)]
pub struct RuntimeError {
    /// One line per candidate: the path and what went wrong there.
    pub tried: String,
}

/// Where a runtime library was looked for, in order.
#[must_use]
pub(crate) fn candidate_paths() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        out.push(PathBuf::from(p));
    }
    if let Some(dir) = installed_lib_dir() {
        out.extend(LIB_NAMES.iter().map(|n| dir.join(n)));
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        out.extend(LIB_NAMES.iter().map(|n| dir.join(n)));
    }
    if let Some(dir) = project_ort_dir() {
        out.extend(LIB_NAMES.iter().map(|n| dir.join(n)));
    }
    out
}

/// `<prefix>/lib/formcheck` for a program at `<prefix>/bin/formcheck`, when it exists. The same rule
/// as `paths::installed_lib_dir` (this layer may not import that sibling): keep the two in step.
fn installed_lib_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let dir = exe.parent()?.parent()?.join("lib").join("formcheck");
    dir.is_dir().then_some(dir)
}

/// The project's `.ort/` folder: in the first ancestor of the executable that holds `Cargo.toml`
/// and `.ort/` (the executable lives in `target/<profile>/` or `target/<profile>/deps/`).
fn project_ort_dir() -> Option<PathBuf> {
    std::env::current_exe().ok().and_then(|exe| {
        exe.ancestors().find(|a| a.join("Cargo.toml").is_file() && a.join(".ort").is_dir()).map(|a| a.join(".ort"))
    })
}

static ENVIRONMENT: OnceLock<Result<(ort::environment::Environment, PathBuf), RuntimeError>> = OnceLock::new();

/// Loads ONNX Runtime once per process and returns its environment and the library's path.
///
/// # Errors
/// [`RuntimeError`] listing every path tried when none loads.
pub(crate) fn environment() -> Result<&'static (ort::environment::Environment, PathBuf), RuntimeError> {
    ENVIRONMENT.get_or_init(load).as_ref().map_err(Clone::clone)
}

fn load() -> Result<(ort::environment::Environment, PathBuf), RuntimeError> {
    let mut tried = Vec::new();
    for path in candidate_paths() {
        if !path.exists() {
            tried.push(format!("  {}: not found", path.display()));
            continue;
        }
        match ort::init_from(&path) {
            Ok(builder) => match builder.with_name("formcheck").build() {
                Ok(env) => return Ok((env, path)),
                Err(e) => tried.push(format!("  {}: loaded, but the environment failed: {e}", path.display())),
            },
            Err(e) => tried.push(format!("  {}: {e}", path.display())),
        }
    }
    if tried.is_empty() {
        tried.push("  (no candidate paths)".into());
    }
    Err(RuntimeError { tried: format!("Tried:\n{}", tried.join("\n")) })
}
