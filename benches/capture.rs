//! Benchmark of window capture on X11: one 1280x720 frame of a window (MIT-SHM `GetImage` of the
//! window's Composite pixmap, BGRX to RGB), and a 960x540 tile of it. The target is at most 1 ms
//! of CPU a 720p frame.
//!
//! It starts its own X server (`Xvfb`) and a 1280x720 window playing a test pattern (`ffplay`),
//! and skips with the reason printed when either is missing or there is no X11 on this system.
//!
//! Run: `cargo bench --bench capture`. Besides criterion's wall time per frame, it measures the
//! CPU time of the capturing thread per frame (`capture/.../cpu`), and with `--bench` prints the
//! CPU the X server spent per frame as well (read from `/proc`).

use criterion::{Criterion, criterion_group, criterion_main};

#[cfg(target_os = "linux")]
mod x {
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use criterion::Criterion;
    use formcheck::capture::window::{ScreenTarget, Tile, WindowSource, list_windows};

    const TITLE: &str = "formcheck capture bench";

    /// Xvfb and a window on it, stopped on drop.
    pub struct Desk {
        x: Child,
        player: Option<Child>,
        pub display: String,
    }

    impl Drop for Desk {
        fn drop(&mut self) {
            for c in self.player.iter_mut().chain(std::iter::once(&mut self.x)) {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }

    impl Desk {
        pub fn xvfb_pid(&self) -> u32 {
            self.x.id()
        }
    }

    /// Starts Xvfb and a titled 1280x720 ffplay window, or says why not.
    pub fn start() -> Result<Desk, String> {
        let num = (0..20)
            .map(|n| 300 + (std::process::id() % 200) + n * 7)
            .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
            .ok_or("no free X display number")?;
        let display = format!(":{num}");
        let x = Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("Xvfb cannot be started ({e}); scripts/setup.sh installs it (package xvfb)"))?;
        let mut desk = Desk { x, player: None, display };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&format!("/tmp/.X11-unix/X{num}")).exists() {
            if Instant::now() > deadline {
                return Err("Xvfb did not come up".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: set before any other thread of this process reads the environment (criterion
        // has not started yet).
        unsafe { std::env::set_var("DISPLAY", &desk.display) };
        let player = Command::new("ffplay")
            .args(["-loglevel", "error", "-an", "-window_title", TITLE, "-x", "1280", "-y", "720"])
            .args(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30"])
            .env("DISPLAY", &desk.display)
            .env("SDL_AUDIODRIVER", "dummy")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("ffplay cannot be started ({e}); scripts/setup.sh installs it (package ffmpeg)"))?;
        desk.player = Some(player);
        // A busy machine can take a while to start the player.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let shown = list_windows().map_err(|e| e.to_string())?;
            if shown.iter().any(|w| w.title == TITLE && w.width == 1280 && w.height == 720) {
                return Ok(desk);
            }
            if Instant::now() > deadline {
                return Err(format!("the test window never appeared: {shown:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn thread_cpu() -> Duration {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: a valid timespec to write into.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut ts) };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    /// A process's user + system CPU time from /proc (in clock ticks, so to 10 ms: read over many frames).
    fn process_cpu(pid: u32) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split(' ').collect();
        let (utime, stime): (u64, u64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        Some(Duration::from_nanos((utime + stime) * 1_000_000_000 / hz))
    }

    pub fn bench(c: &mut Criterion, desk: &Desk) {
        let whole = ScreenTarget::Window(TITLE.into());
        let tile = whole.clone().with_tile(Some(Tile { x: 0, y: 90, width: 960, height: 540 }));
        for (name, target) in [("window_1280x720", whole), ("tile_960x540", tile)] {
            let mut src = WindowSource::open_window(&target).unwrap_or_else(|e| panic!("{e}"));
            eprintln!("{name}: MIT-SHM {}, Composite {}", src.uses_shm(), src.uses_composite());
            c.bench_function(&format!("capture/{name}/wall"), |b| {
                b.iter(|| assert!(src.grab_once().expect("capture")));
            });
            c.bench_function(&format!("capture/{name}/cpu"), |b| {
                b.iter_custom(|iters| {
                    let t0 = thread_cpu();
                    for _ in 0..iters {
                        assert!(src.grab_once().expect("capture"));
                    }
                    thread_cpu() - t0
                });
            });
            // The X server's share, which criterion does not see (only when benchmarking).
            if std::env::args().any(|a| a == "--bench") {
                let n = 600u32;
                let (x0, t0, w0) = (process_cpu(desk.xvfb_pid()), thread_cpu(), Instant::now());
                for _ in 0..n {
                    assert!(src.grab_once().expect("capture"));
                }
                let (x1, t1, wall) = (process_cpu(desk.xvfb_pid()), thread_cpu(), w0.elapsed());
                let ms = |d: Duration| d.as_secs_f64() * 1e3 / f64::from(n);
                eprintln!(
                    "capture/{name}: {n} frames: {:.3} ms wall, {:.3} ms CPU in formcheck, {} in the X server per frame",
                    ms(wall),
                    ms(t1 - t0),
                    match (x0, x1) {
                        (Some(a), Some(b)) => format!("{:.3} ms CPU", ms(b - a)),
                        _ => "unknown CPU".to_string(),
                    }
                );
            }
        }
    }
}

fn capture(c: &mut Criterion) {
    #[cfg(target_os = "linux")]
    match x::start() {
        Ok(desk) => x::bench(c, &desk),
        Err(why) => eprintln!("capture benchmark skipped: {why}"),
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = c;
        eprintln!("capture benchmark skipped: window capture is built for Linux (X11) only");
    }
}

criterion_group!(benches, capture);
criterion_main!(benches);
