//! Loading a MoveNet ONNX model, checking it is the model we expect, and running it.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::{TensorElementType, TensorRef, ValueType};

use crate::runtime::{self, RuntimeError};

/// The two MoveNet single-pose models formcheck ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// 192x192 input: fastest, less precise.
    Lightning,
    /// 256x256 input: more precise, the default.
    #[default]
    Thunder,
}

impl ModelKind {
    /// Side of the square input image in pixels.
    #[must_use]
    pub const fn input_side(self) -> usize {
        match self {
            ModelKind::Lightning => 192,
            ModelKind::Thunder => 256,
        }
    }

    /// File name in `models/`.
    #[must_use]
    pub(crate) const fn file_name(self) -> &'static str {
        match self {
            ModelKind::Lightning => "movenet-lightning.onnx",
            ModelKind::Thunder => "movenet-thunder.onnx",
        }
    }

    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ModelKind::Lightning => "lightning",
            ModelKind::Thunder => "thunder",
        }
    }
}

/// Why a model could not be used. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(
        "model file not found: {path}\nFix: the models ship in the package's lib/formcheck/models/ folder (reinstall formcheck) or in the project's models/ folder; set FORMCHECK_MODELS to that folder if the executable was moved."
    )]
    Missing { path: PathBuf },
    #[error(
        "model file {path} cannot be read ({reason}).\nFix: give your user permission to read it (e.g. `chmod a+r {path}`), or reinstall formcheck."
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "model file {path} could not be loaded as an ONNX model ({reason}).\nFix: the file is damaged or not a model; restore it from the repository (models/README.md lists its SHA-256)."
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "model file {path} is not a MoveNet {kind} model: {what}.\nFix: use the file shipped in models/ (see models/README.md), or pick the matching --model."
    )]
    WrongShape { path: PathBuf, kind: &'static str, what: String },
    #[error("inference failed: {0}")]
    Inference(String),
}

/// Folders searched for model files: `FORMCHECK_MODELS` alone when set; else, for an installed
/// formcheck, only its own `lib/formcheck/models` ([`crate::paths::installed_lib_dir`]: no repository
/// is consulted, so a package that lacks a model says so); else `models/` beside the executable, the
/// project's `models/` found above the executable, and the `models/` of the checkout it was built from.
#[must_use]
pub(crate) fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("FORMCHECK_MODELS").filter(|d| !d.is_empty()) {
        // An explicit choice is the only place looked at: a test or a user pointing elsewhere means it.
        dirs.push(PathBuf::from(d));
        return dirs;
    }
    if let Some(lib) = crate::paths::installed_lib_dir() {
        dirs.push(lib.join("models"));
        return dirs;
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            dirs.push(dir.join("models"));
        }
        if let Some(root) = exe.ancestors().find(|a| a.join("Cargo.toml").is_file() && a.join("models").is_dir()) {
            dirs.push(root.join("models"));
        }
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    dirs
}

/// Where the model of `kind` is: the first folder that has it, or the first place looked (to report).
#[must_use]
pub fn locate(kind: ModelKind) -> PathBuf {
    let dirs = model_dirs();
    dirs.iter()
        .map(|d| d.join(kind.file_name()))
        .find(|p| p.is_file())
        .unwrap_or_else(|| dirs[0].join(kind.file_name()))
}

/// Whether ORT's idle worker threads may spin-wait (env `FORMCHECK_ORT_SPIN=1`; off by default,
/// because on a small machine spinning steals the cores that decode the video).
fn spinning_allowed() -> bool {
    std::env::var("FORMCHECK_ORT_SPIN").is_ok_and(|v| v == "1")
}

/// A loaded and verified MoveNet model.
pub struct PoseModel {
    session: Session,
    kind: ModelKind,
    input_name: String,
    path: PathBuf,
}

impl std::fmt::Debug for PoseModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoseModel").field("kind", &self.kind).field("path", &self.path).finish_non_exhaustive()
    }
}

fn shape_of(t: &ValueType) -> Option<(TensorElementType, Vec<i64>)> {
    match t {
        ValueType::Tensor { ty, shape, .. } => Some((*ty, shape.iter().copied().collect())),
        _ => None,
    }
}

/// A dimension matches when equal, or dynamic (-1) in the batch position.
fn dims_match(actual: &[i64], expected: &[i64]) -> bool {
    actual.len() == expected.len()
        && actual.iter().zip(expected).enumerate().all(|(i, (&a, &e))| a == e || (i == 0 && a < 0))
}

/// Why [`open_checked`] refused a file.
#[derive(Debug)]
pub(crate) enum OpenError {
    Runtime(RuntimeError),
    Missing,
    /// The file is there but cannot be read (permissions): the reason.
    Unreadable(String),
    /// Not loadable as an ONNX model: the reason.
    Corrupt(String),
    /// Loadable, but its tensors are not the expected ones: what differs.
    WrongShape(String),
}

/// Loads the ONNX model at `path` with `threads` intra-op threads and checks that it has one
/// input and one output of the given element types and shapes (batch may be dynamic). Returns the
/// session and its input's name.
pub(crate) fn open_checked(
    path: &Path,
    threads: usize,
    input: (TensorElementType, &[i64]),
    output: (TensorElementType, &[i64]),
) -> Result<(Session, String), OpenError> {
    let (env, _) = runtime::environment().map_err(OpenError::Runtime)?;
    if !path.is_file() {
        return Err(OpenError::Missing);
    }
    // A file that cannot be read is not a damaged one: say which it is.
    if let Err(e) = std::fs::File::open(path) {
        return Err(OpenError::Unreadable(e.to_string()));
    }
    let corrupt = |e: &dyn std::fmt::Display| OpenError::Corrupt(e.to_string());
    let session = Session::builder(env)
        .map_err(|e| corrupt(&e))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| corrupt(&e))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| corrupt(&e))?
        // Idle ORT threads must not spin: the decoder shares the same two cores.
        .with_intra_op_spinning(spinning_allowed())
        .map_err(|e| corrupt(&e))?
        .commit_from_file(path)
        .map_err(|e| corrupt(&e))?;
    let wrong = OpenError::WrongShape;
    let [inlet] = session.inputs() else {
        return Err(wrong(format!("it has {} inputs, expected 1", session.inputs().len())));
    };
    let [outlet] = session.outputs() else {
        return Err(wrong(format!("it has {} outputs, expected 1", session.outputs().len())));
    };
    for (what, outlet, (want_ty, want_dims)) in [("input", inlet, input), ("output", outlet, output)] {
        match shape_of(outlet.dtype()) {
            Some((ty, dims)) if ty == want_ty && dims_match(&dims, want_dims) => {}
            Some((ty, dims)) => {
                return Err(wrong(format!(
                    "{what} `{}` is {ty:?} {dims:?}, expected {want_ty:?} {want_dims:?}",
                    outlet.name()
                )));
            }
            None => return Err(wrong(format!("{what} `{}` is not a tensor", outlet.name()))),
        }
    }
    let name = inlet.name().to_string();
    Ok((session, name))
}

impl PoseModel {
    /// Loads the shipped model of `kind` from the model folders.
    ///
    /// # Errors
    /// See [`PoseModel::load_file`].
    pub fn load(kind: ModelKind, threads: usize) -> Result<Self, ModelError> {
        Self::load_file(&locate(kind), kind, threads)
    }

    /// Loads `path` as a MoveNet model of `kind`, with `threads` intra-op threads, and checks its
    /// input is int32 `[1, side, side, 3]` and its output float `[1, 1, 17, 3]`.
    ///
    /// # Errors
    /// A missing runtime or file, a file that is not an ONNX model, or a model of another shape.
    pub fn load_file(path: &Path, kind: ModelKind, threads: usize) -> Result<Self, ModelError> {
        let side = kind.input_side() as i64;
        let (session, input_name) = open_checked(
            path,
            threads,
            (TensorElementType::Int32, &[1, side, side, 3]),
            (TensorElementType::Float32, &[1, 1, 17, 3]),
        )
        .map_err(|e| match e {
            OpenError::Runtime(e) => ModelError::Runtime(e),
            OpenError::Missing => ModelError::Missing { path: path.to_path_buf() },
            OpenError::Unreadable(reason) => ModelError::Unreadable { path: path.to_path_buf(), reason },
            OpenError::Corrupt(reason) => ModelError::Corrupt { path: path.to_path_buf(), reason },
            OpenError::WrongShape(what) => ModelError::WrongShape { path: path.to_path_buf(), kind: kind.name(), what },
        })?;
        Ok(Self { session, kind, input_name, path: path.to_path_buf() })
    }

    #[must_use]
    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs the model on a preprocessed `side x side x 3` int32 image and copies out the 51 output values.
    ///
    /// # Errors
    /// [`ModelError::Inference`] if ONNX Runtime fails.
    pub fn infer(&mut self, input: &[i32], out: &mut Vec<f32>) -> Result<(), ModelError> {
        let side = self.kind.input_side();
        let tensor = TensorRef::from_array_view(([1usize, side, side, 3], input))
            .map_err(|e| ModelError::Inference(e.to_string()))?;
        let outputs = self
            .session
            .run(ort::inputs![self.input_name.as_str() => tensor])
            .map_err(|e| ModelError::Inference(e.to_string()))?;
        let (_, data) = outputs[0].try_extract_tensor::<f32>().map_err(|e| ModelError::Inference(e.to_string()))?;
        out.clear();
        out.extend_from_slice(data);
        Ok(())
    }
}
