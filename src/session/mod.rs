//! The guided session outside the window: the driver that advances it (sets, sides, rest, cues,
//! speech and recording) from the live pipeline's results and the user's commands.

pub mod driver;
