//! The freeze frame's goniometer: three points clicked on the picture (one end, the vertex, the
//! other end) give the angle at the vertex, as a goniometer held up to the screen would.
//!
//! Pure: the angle is measured in the **picture's pixels** (a uniform scale does not change an
//! angle, but the screen's offset and any non-square mapping would), so clicks are mapped from the
//! screen to the picture first ([`ImageMap::to_image`]).

/// A point in picture pixels (x right, y down).
pub type Px = [f32; 2];

/// The angle at `vertex` between the rays to `a` and `c`, in degrees (0..=180). None when either
/// arm is shorter than a pixel (two clicks on the same spot measure nothing).
#[must_use]
pub fn angle_deg(a: Px, vertex: Px, c: Px) -> Option<f32> {
    let (ux, uy) = (f64::from(a[0] - vertex[0]), f64::from(a[1] - vertex[1]));
    let (vx, vy) = (f64::from(c[0] - vertex[0]), f64::from(c[1] - vertex[1]));
    let (nu, nv) = (ux.hypot(uy), vx.hypot(vy));
    if nu < 1.0 || nv < 1.0 {
        return None;
    }
    // atan2 of the cross and dot products: exact near 0° and 180° where acos is not.
    let cross = ux * vy - uy * vx;
    let dot = ux * vx + uy * vy;
    Some(cross.abs().atan2(dot).to_degrees() as f32)
}

/// Where a picture of `size` (pixels) is drawn on the screen: the rectangle `rect` (points).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageMap {
    pub rect: egui::Rect,
    pub size: [f32; 2],
}

impl ImageMap {
    /// The picture pixel under screen position `pos`; None outside the picture.
    #[must_use]
    pub fn to_image(&self, pos: egui::Pos2) -> Option<Px> {
        if !self.rect.contains(pos) || self.rect.width() <= 0.0 || self.rect.height() <= 0.0 {
            return None;
        }
        Some([
            (pos.x - self.rect.min.x) * self.size[0] / self.rect.width(),
            (pos.y - self.rect.min.y) * self.size[1] / self.rect.height(),
        ])
    }

    /// The screen position of picture pixel `p`.
    #[must_use]
    pub fn to_screen(&self, p: Px) -> egui::Pos2 {
        egui::pos2(
            self.rect.min.x + p[0] * self.rect.width() / self.size[0].max(1.0),
            self.rect.min.y + p[1] * self.rect.height() / self.size[1].max(1.0),
        )
    }
}

/// The points clicked so far: up to three; a fourth click starts a new measurement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Goniometer {
    points: Vec<Px>,
}

impl Goniometer {
    /// Adds a clicked point (picture pixels).
    pub fn click(&mut self, p: Px) {
        if self.points.len() >= 3 {
            self.points.clear();
        }
        self.points.push(p);
    }

    pub fn clear(&mut self) {
        self.points.clear();
    }

    #[must_use]
    pub fn points(&self) -> &[Px] {
        &self.points
    }

    /// The angle at the second point, once three are clicked.
    #[must_use]
    pub fn angle(&self) -> Option<f32> {
        match self.points.as_slice() {
            [a, v, c] => angle_deg(*a, *v, *c),
            _ => None,
        }
    }

    /// What the readout says: how many points are still needed, or the angle.
    #[must_use]
    pub fn readout(&self) -> String {
        match (self.points.len(), self.angle()) {
            (3, Some(a)) => format!("Goniometer: {a:.1}°"),
            (3, None) => "Goniometer: the points are too close together; click again".into(),
            (0, _) => "Goniometer: click one end, then the vertex, then the other end".into(),
            (1, _) => "Goniometer: now click the vertex".into(),
            _ => "Goniometer: now click the other end".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_straight_and_acute_angles() {
        assert!((angle_deg([0.0, -100.0], [0.0, 0.0], [100.0, 0.0]).unwrap() - 90.0).abs() < 1e-4);
        // The order of the ends does not matter; the result never exceeds 180.
        assert!((angle_deg([100.0, 0.0], [0.0, 0.0], [0.0, -100.0]).unwrap() - 90.0).abs() < 1e-4);
        assert!((angle_deg([-50.0, 0.0], [0.0, 0.0], [80.0, 0.0]).unwrap() - 180.0).abs() < 1e-4);
        assert!(angle_deg([30.0, 0.0], [0.0, 0.0], [90.0, 0.0]).unwrap().abs() < 1e-4);
        let a = angle_deg([10.0, 0.0], [0.0, 0.0], [10.0, 10.0 * 3f32.sqrt()]).unwrap();
        assert!((a - 60.0).abs() < 1e-3, "{a}");
        // 135°: one arm along +x, the other up and back.
        let a = angle_deg([200.0, 300.0], [100.0, 300.0], [0.0, 200.0]).unwrap();
        assert!((a - 135.0).abs() < 1e-3, "{a}");
        assert_eq!(angle_deg([0.0, 0.0], [0.2, 0.1], [50.0, 0.0]), None);
    }

    #[test]
    fn screen_to_picture_and_back() {
        // A 1280x720 picture drawn at half size, offset on the screen.
        let m = ImageMap {
            rect: egui::Rect::from_min_size(egui::pos2(100.0, 50.0), egui::vec2(640.0, 360.0)),
            size: [1280.0, 720.0],
        };
        assert_eq!(m.to_image(egui::pos2(100.0, 50.0)), Some([0.0, 0.0]));
        assert_eq!(m.to_image(egui::pos2(420.0, 230.0)), Some([640.0, 360.0]));
        assert_eq!(m.to_image(egui::pos2(99.0, 60.0)), None);
        assert_eq!(m.to_image(egui::pos2(800.0, 60.0)), None);
        let p = [333.0, 555.0];
        let back = m.to_image(m.to_screen(p)).unwrap();
        assert!((back[0] - p[0]).abs() < 1e-3 && (back[1] - p[1]).abs() < 1e-3);
        // A stretched picture: the angle is the picture's (45°), not the screen's (63.4°).
        let s = ImageMap {
            rect: egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(200.0, 100.0)),
            size: [100.0, 100.0],
        };
        let pts: Vec<Px> = [egui::pos2(100.0, 0.0), egui::pos2(100.0, 50.0), egui::pos2(199.0, 0.0)]
            .iter()
            .map(|&q| s.to_image(q).unwrap())
            .collect();
        let a = angle_deg(pts[0], pts[1], pts[2]).unwrap();
        assert!((a - 45.0).abs() < 0.5, "{a}");
    }

    #[test]
    fn three_clicks_then_a_new_measurement() {
        let mut g = Goniometer::default();
        assert_eq!(g.angle(), None);
        g.click([0.0, -10.0]);
        g.click([0.0, 0.0]);
        assert_eq!(g.angle(), None);
        assert!(g.readout().contains("other end"));
        g.click([10.0, 0.0]);
        assert!((g.angle().unwrap() - 90.0).abs() < 1e-4);
        assert_eq!(g.readout(), "Goniometer: 90.0°");
        g.click([5.0, 5.0]);
        assert_eq!(g.points().len(), 1);
        assert_eq!(g.angle(), None);
    }
}
