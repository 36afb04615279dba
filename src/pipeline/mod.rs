//! The pipeline: a [`Frame`](crate::frame::Frame) in, the frame's result out, in one
//! [`stage::Stage`] (pose, the back when the exercise needs it, the form engine, timing).
//!
//! Who pulls the frames differs, the stage does not:
//! - [`live`]: a capture thread at camera speed and an inference thread (newest frame wins), with
//!   the frame-to-cue latency ([`latency`]);
//! - [`analyze`]: a decoding thread and every frame of a file (`formcheck analyze`, the review);
//! - [`seek`]: the review's and key frames' pictures, by exact seek (no inference again).
//!
//! The form engine's config comes from [`crate::session::prescription::effective_config`] in every path.

pub mod analyze;
pub mod latency;
pub mod live;
pub(crate) mod overlay;
pub mod seek;
pub(crate) mod stage;
pub mod watch;

pub use stage::StageError;
