//! Loading a pose model (MoveNet, or BlazePose's two networks), checking it is the model we expect, and running MoveNet.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};

use crate::pose::blazepose::{BlazeNets, NetError};
use crate::runtime::{self, RuntimeError};

/// The pose models formcheck ships: MoveNet single-pose (17 COCO keypoints) and BlazePose GHUM
/// (33 landmarks, world landmarks in metres, a person mask), chosen with `--model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// MoveNet Lightning, 192x192 input: fastest, less precise.
    Lightning,
    /// MoveNet Thunder, 256x256 input.
    #[default]
    Thunder,
    /// BlazePose GHUM lite: 33 landmarks, 3D world landmarks and a person mask, the lightest.
    #[value(name = "blazepose-lite")]
    #[serde(rename = "blazepose-lite")]
    BlazePoseLite,
    /// BlazePose GHUM full (the model MediaPipe's default pose solution runs).
    #[value(name = "blazepose-full")]
    #[serde(rename = "blazepose-full")]
    BlazePoseFull,
    /// BlazePose GHUM heavy: the most precise, about three times full's cost.
    #[value(name = "blazepose-heavy")]
    #[serde(rename = "blazepose-heavy")]
    BlazePoseHeavy,
}

/// File name of BlazePose's person detector in `models/` (shared by the three landmark models).
pub(crate) const BLAZEPOSE_DETECTOR_FILE: &str = "blazepose-detector.onnx";

impl ModelKind {
    /// Every model, in the order `--model` lists them.
    pub const ALL: [ModelKind; 5] = [
        ModelKind::Lightning,
        ModelKind::Thunder,
        ModelKind::BlazePoseLite,
        ModelKind::BlazePoseFull,
        ModelKind::BlazePoseHeavy,
    ];

    /// Side of the square input image in pixels.
    #[must_use]
    pub const fn input_side(self) -> usize {
        match self {
            ModelKind::Lightning => 192,
            ModelKind::Thunder | ModelKind::BlazePoseLite | ModelKind::BlazePoseFull | ModelKind::BlazePoseHeavy => 256,
        }
    }

    /// Whether this is a BlazePose model (33 landmarks, world landmarks, its own person mask).
    #[must_use]
    pub const fn is_blazepose(self) -> bool {
        matches!(self, ModelKind::BlazePoseLite | ModelKind::BlazePoseFull | ModelKind::BlazePoseHeavy)
    }

    /// File name in `models/` (for BlazePose, the landmark model; the detector is
    /// `blazepose-detector.onnx` beside it).
    #[must_use]
    pub(crate) const fn file_name(self) -> &'static str {
        match self {
            ModelKind::Lightning => "movenet-lightning.onnx",
            ModelKind::Thunder => "movenet-thunder.onnx",
            ModelKind::BlazePoseLite => "blazepose-lite.onnx",
            ModelKind::BlazePoseFull => "blazepose-full.onnx",
            ModelKind::BlazePoseHeavy => "blazepose-heavy.onnx",
        }
    }

    /// The `--model` value.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ModelKind::Lightning => "lightning",
            ModelKind::Thunder => "thunder",
            ModelKind::BlazePoseLite => "blazepose-lite",
            ModelKind::BlazePoseFull => "blazepose-full",
            ModelKind::BlazePoseHeavy => "blazepose-heavy",
        }
    }

    /// The model's family and variant, for messages ("MoveNet thunder", "BlazePose full").
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            ModelKind::Lightning => "MoveNet lightning",
            ModelKind::Thunder => "MoveNet thunder",
            ModelKind::BlazePoseLite => "BlazePose lite",
            ModelKind::BlazePoseFull => "BlazePose full",
            ModelKind::BlazePoseHeavy => "BlazePose heavy",
        }
    }
}

/// Why a model could not be used. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(
        "model file not found: {path}\nFix: the models ship in the package's lib/formcheck/models/ folder (reinstall formcheck) or in the project's models/ folder (models/README.md lists them; models/convert.sh rebuilds them); set FORMCHECK_MODELS to that folder if the executable was moved, or pick another --model."
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
        "model file {path} is not a {kind} model: {what}.\nFix: use the file shipped in models/ (see models/README.md), or pick the matching --model."
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
    locate_file(kind.file_name())
}

/// Where the model file `name` is: the first model folder that has it, or the first place looked.
fn locate_file(name: &str) -> PathBuf {
    let dirs = model_dirs();
    dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()).unwrap_or_else(|| dirs[0].join(name))
}

/// A loaded and verified pose model: MoveNet's one network, or BlazePose's detector and landmark model.
pub struct PoseModel {
    net: Net,
    kind: ModelKind,
    path: PathBuf,
}

enum Net {
    MoveNet { session: Session, input_name: String },
    BlazePose(Box<BlazeNets>),
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
    let session = runtime::session(env, path, threads).map_err(OpenError::Corrupt)?;
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

    /// Loads `path` as a model of `kind`, with `threads` intra-op threads. MoveNet: checks its input
    /// is int32 `[1, side, side, 3]` and its output float `[1, 1, 17, 3]`. BlazePose: `path` is the
    /// landmark model (float `[1, 256, 256, 3]` in, the outputs `ld_3d`, `world_3d`,
    /// `output_poseflag`, `activation_segmentation`, `activation_heatmap`), and the detector
    /// `blazepose-detector.onnx` is loaded from the same folder (float `[1, 224, 224, 3]` in,
    /// `[1, 2254, 13]` out).
    ///
    /// # Errors
    /// A missing runtime or file, a file that is not an ONNX model, or a model of another shape;
    /// each names the file.
    pub fn load_file(path: &Path, kind: ModelKind, threads: usize) -> Result<Self, ModelError> {
        if kind.is_blazepose() {
            let detector = path.with_file_name(BLAZEPOSE_DETECTOR_FILE);
            let nets = BlazeNets::load(&detector, path, threads).map_err(|e| match e {
                NetError::Runtime(e) => ModelError::Runtime(e),
                NetError::Missing(path) => ModelError::Missing { path },
                NetError::Corrupt(path, reason) => ModelError::Corrupt { path, reason },
                NetError::WrongShape(p, what) => {
                    let kind = if p == detector { "BlazePose detector" } else { kind.label() };
                    ModelError::WrongShape { path: p, kind, what }
                }
            })?;
            return Ok(Self { net: Net::BlazePose(Box::new(nets)), kind, path: path.to_path_buf() });
        }
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
            OpenError::WrongShape(what) => {
                ModelError::WrongShape { path: path.to_path_buf(), kind: kind.label(), what }
            }
        })?;
        Ok(Self { net: Net::MoveNet { session, input_name }, kind, path: path.to_path_buf() })
    }

    /// BlazePose's networks, when this is a BlazePose model.
    pub fn blazepose(&mut self) -> Option<&mut BlazeNets> {
        match &mut self.net {
            Net::BlazePose(n) => Some(n),
            Net::MoveNet { .. } => None,
        }
    }

    #[must_use]
    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs MoveNet on a preprocessed `side x side x 3` int32 image and copies out the 51 output values.
    ///
    /// # Errors
    /// [`ModelError::Inference`] if ONNX Runtime fails, or this is not a MoveNet model.
    pub fn infer(&mut self, input: &[i32], out: &mut Vec<f32>) -> Result<(), ModelError> {
        let side = self.kind.input_side();
        let Net::MoveNet { session, input_name } = &mut self.net else {
            return Err(ModelError::Inference(format!("{} is not a MoveNet model", self.kind.label())));
        };
        let tensor = TensorRef::from_array_view(([1usize, side, side, 3], input))
            .map_err(|e| ModelError::Inference(e.to_string()))?;
        let outputs = session
            .run(ort::inputs![input_name.as_str() => tensor])
            .map_err(|e| ModelError::Inference(e.to_string()))?;
        let (_, data) = outputs[0].try_extract_tensor::<f32>().map_err(|e| ModelError::Inference(e.to_string()))?;
        out.clear();
        out.extend_from_slice(data);
        Ok(())
    }
}
