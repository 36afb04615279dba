//! formcheck: watches a person do back-rehab exercises through a webcam and coaches their form, on the device.
//!
//! Data flows one way: [`source`] (frames) -> [`pose`] (keypoints) -> form (events) -> coach/ui.
//! See ARCHITECTURE.md.

pub mod app;
pub mod back;
pub mod coach;
pub mod demo;
pub mod form;
pub mod frame;
pub mod keyframe;
pub mod latest;
pub mod pacing;
pub(crate) mod paths;
pub mod pipeline;
pub mod pose;
pub mod prescription;
pub mod recorder;
pub mod report;
pub mod runtime;
pub mod session;
pub mod source;
pub mod speech;
pub mod store;
