//! Continuous faults: each judged per frame, debounced (must persist `fault_min_s`, clears after
//! `fault_clear_s`), with durations accumulated for the current rep or hold.

use super::config::CommonConfig;
use super::cues::{CuePriority, CueRequest, FaultId, Severity};
use super::track::{Debounced, Edge};
use super::view::Side;
use super::{FormEvent, Out};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
struct Item {
    deb: Debounced,
    onset: f64,
    side: Option<Side>,
    window_s: f64,
    seen: bool,
}

/// The continuous faults of one exercise.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultSet {
    items: BTreeMap<FaultId, Item>,
}

impl FaultSet {
    /// Judge fault `id` at `t`: `Some(true)` = condition present, `Some(false)` = absent, `None` =
    /// not judged (keypoints missing or the rule does not apply now): an active fault ends.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn update(
        &mut self,
        t: f64,
        dt: f64,
        id: FaultId,
        cond: Option<bool>,
        side: Option<Side>,
        cfg: &CommonConfig,
        out: &mut Out,
    ) {
        let item = self.items.entry(id).or_default();
        let Some(raw) = cond else {
            if item.deb.active() {
                let last = item.deb.last_true().unwrap_or(t);
                out.events.push(FormEvent::FaultEnded { t: last, id, duration_s: last - item.onset });
            }
            item.deb.clear();
            return;
        };
        let was_active = item.deb.active();
        match item.deb.update(t, raw, cfg.fault_min_s, cfg.fault_clear_s) {
            Edge::Rose(onset) => {
                item.onset = onset;
                item.side = side;
                item.window_s += t - onset;
                item.seen = true;
                out.events.push(FormEvent::FaultStarted { t: onset, id, side });
            }
            Edge::Fell(last) => {
                out.events.push(FormEvent::FaultEnded { t: last, id, duration_s: last - item.onset });
            }
            Edge::None => {
                if was_active && raw {
                    item.window_s += dt;
                }
            }
        }
    }

    /// End every active fault (the rules went silent).
    pub(crate) fn clear_all(&mut self, t: f64, out: &mut Out) {
        for (&id, item) in &mut self.items {
            if item.deb.active() {
                let last = item.deb.last_true().unwrap_or(t);
                out.events.push(FormEvent::FaultEnded { t: last, id, duration_s: last - item.onset });
            }
            item.deb.clear();
        }
    }

    /// Confirmed active faults with their onsets.
    #[must_use]
    pub fn active(&self) -> Vec<(FaultId, f64)> {
        self.items.iter().filter(|(_, i)| i.deb.active()).map(|(&id, i)| (id, i.onset)).collect()
    }

    /// Onset of `id`'s raw condition if it is currently present (pending or active).
    #[must_use]
    pub(crate) fn raw_since(&self, id: FaultId) -> Option<f64> {
        self.items.get(&id).and_then(|i| i.deb.since())
    }

    /// Faults seen since the last call, with their durations; resets the window.
    pub(crate) fn take_window(&mut self) -> BTreeMap<FaultId, f64> {
        let mut m = BTreeMap::new();
        for (&id, item) in &mut self.items {
            if item.seen {
                m.insert(id, item.window_s);
            }
            item.seen = item.deb.active();
            item.window_s = 0.0;
        }
        m
    }

    /// Forget what was seen so far (start of a rep): active faults stay active and are re-counted.
    pub(crate) fn reset_window(&mut self) {
        for item in self.items.values_mut() {
            item.seen = item.deb.active();
            item.window_s = 0.0;
        }
    }
}

/// Emits the faults judged once per rep (at its end): a started/ended pair each, their durations
/// into the rep's `durations`, and a cue request each.
pub(crate) fn emit_rep_faults(
    out: &mut Out,
    t: f64,
    side: Option<Side>,
    exercise: super::Exercise,
    faults: &[(FaultId, f64)],
    durations: &mut BTreeMap<FaultId, f64>,
) {
    for &(id, d) in faults {
        durations.insert(id, d);
        out.events.push(FormEvent::FaultStarted { t, id, side });
        out.events.push(FormEvent::FaultEnded { t, id, duration_s: d });
        out.requests.push(CueRequest {
            id: format!("fault.{}", id.id()),
            text: id.cue_text_for(exercise).into(),
            priority: match id.severity() {
                Severity::Major => CuePriority::MajorFault,
                Severity::Minor => CuePriority::MinorFault,
            },
            since: t,
        });
    }
}
