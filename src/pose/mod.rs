//! The pose stage: model loading (ort), preprocessing and cropping, decoding, smoothing, skeleton types.

pub mod blazepose;
pub mod crop;
pub mod decode;
pub(crate) mod estimator;
pub mod model;
pub mod skeleton;
pub mod smooth;

pub use estimator::{EstimatorOptions, PoseEstimator, PoseResult, StageTimes};
pub use model::{ModelError, ModelKind, PoseModel};
