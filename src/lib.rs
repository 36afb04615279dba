//! formcheck: watches a person do back-rehab exercises through a webcam and coaches their form, on the device.
//!
//! The modules are layers, lowest first; a module imports only from layers below it (a test checks
//! this, and ARCHITECTURE.md is the map):
//! [`frame`], [`latest`], [`runtime`] and `paths` (the basics) < [`pose`] < [`capture`] (frame sources)
//! < [`form`] (the pure form engine) < [`back`] (the hinge's back on a person mask) < [`demo`] <
//! [`coach`] (the pure guided session) < [`pipeline`] (a frame in, the frame's result out) <
//! [`session`] (the driver, the store, the plan) < [`report`] < [`app`] (the window's screens).
//! `main.rs` is the command line on top.

pub mod app;
pub mod back;
pub mod capture;
pub mod coach;
pub mod demo;
pub mod form;
pub mod frame;
pub mod latest;
pub(crate) mod paths;
pub mod pipeline;
pub mod pose;
pub mod report;
pub mod runtime;
pub mod session;
