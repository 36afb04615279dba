//! Video files, decoded by running the `ffmpeg` executable and reading raw RGB frames from its output.
//!
//! No linking against libav: every codec a phone records works as long as ffmpeg is installed.
//! Frame times come from the file (ffmpeg's `showinfo` filter prints each frame's presentation
//! time), so variable frame rates and dropped frames are timed right.

use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{FrameSource, SourceError, SourceInfo, SourceKind};
use crate::frame::{Frame, PixelFormat};

/// One frame's line from `showinfo`: its time and size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FrameInfo {
    pts_time: Option<f64>,
    width: u32,
    height: u32,
}

/// Parses a `showinfo` line (`... n: 12 pts: 45045 pts_time:0.5005 ... s:1920x1080 ...`).
fn parse_showinfo(line: &str) -> Option<FrameInfo> {
    if !line.contains("Parsed_showinfo") || !line.contains(" n:") {
        return None;
    }
    let field = |key: &str| {
        let i = line.find(key)? + key.len();
        line[i..].split_whitespace().next()
    };
    let pts_time = field("pts_time:").and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite());
    let (w, h) = field(" s:")?.split_once('x')?;
    Some(FrameInfo { pts_time, width: w.parse().ok()?, height: h.parse().ok()? })
}

/// `path` as ffmpeg and ffprobe should be given it: a relative path whose first character is `-`
/// (a file named `-y.mp4`) would be read as an option, so it is given as `./-y.mp4`.
#[must_use]
pub fn ffmpeg_arg(path: &Path) -> PathBuf {
    if path.is_relative() && path.as_os_str().as_encoded_bytes().first() == Some(&b'-') {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// Whether an ffmpeg log line reports damage in the input. Only ffmpeg's own messages count:
/// the header lines (`Input #0, mov... from '<path>':`, the indented stream and metadata lines)
/// are skipped, and the file's own name is taken out of the line first, so a clip called
/// `corrupt.mp4` or titled "Invalid data" is not damaged for its name.
fn is_damage(line: &str, path: &Path) -> bool {
    if line.starts_with("Input #") || line.starts_with(char::is_whitespace) {
        return false;
    }
    let mut line = line.to_string();
    let full = path.display().to_string();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for p in [full, name] {
        if !p.is_empty() {
            line = line.replace(&p, "");
        }
    }
    const SIGNS: [&str; 7] = [
        "partial file",
        "Invalid NAL",
        "error while decoding",
        "Invalid data found",
        "corrupt",
        "moov atom not found",
        "Truncating packet",
    ];
    SIGNS.iter().any(|s| line.contains(s))
}

/// Frames may end this long (s) before the video stream's declared end and the file still counts
/// as whole: the last frame's time is its start, and containers round the duration.
fn end_tolerance_s(fps: Option<f64>) -> f64 {
    (3.0 / fps.unwrap_or(30.0)).max(0.5)
}

/// Lines ffmpeg writes to stderr that are not per-frame info: kept to explain failures.
#[derive(Debug, Default)]
struct Log {
    lines: Vec<String>,
    damaged: Option<String>,
}

/// A video file being decoded.
#[derive(Debug)]
pub struct VideoSource {
    info: SourceInfo,
    path: PathBuf,
    child: Child,
    stdout: ChildStdout,
    frames: Receiver<FrameInfo>,
    log: Arc<Mutex<Log>>,
    size: Option<(u32, u32)>,
    format: PixelFormat,
    /// How long the video stream declares it lasts (s), to tell a cut-short file from a whole one.
    stream_end: Option<f64>,
    /// The first and the last decoded frame's time (s).
    first_t: Option<f64>,
    last_t: Option<f64>,
    next_index: u64,
    finished: bool,
    /// Frame buffers handed out lately: one whose frames have all been dropped is read into again
    /// instead of allocating (and faulting in) a fresh 3 MB buffer for every 1080p frame.
    pool: Vec<Arc<Vec<u8>>>,
}

/// Buffers kept for reuse: the frames in flight in a pipeline (a decoded frame ahead, the
/// channel's two, the one being analysed, one on screen), with one to spare.
const POOL: usize = 6;

/// Size asked for the ffmpeg pipe (Linux; the default is 64 KiB, 1 MiB is the usual unprivileged
/// limit): fewer, larger reads, and ffmpeg blocks less often on a full pipe.
#[cfg(target_os = "linux")]
const PIPE_SIZE: i32 = 1 << 20;

/// Enlarges the pipe ffmpeg writes frames into; failure only costs speed.
#[cfg(target_os = "linux")]
fn enlarge_pipe(stdout: &ChildStdout) {
    use std::os::fd::AsRawFd;
    // SAFETY: F_SETPIPE_SZ on a pipe descriptor this process owns; no memory is passed.
    let _ = unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) };
}

#[cfg(not(target_os = "linux"))]
fn enlarge_pipe(_: &ChildStdout) {}

fn ffmpeg_available() -> bool {
    !matches!(
        Command::new("ffmpeg").arg("-version").stdout(Stdio::null()).stderr(Stdio::null()).status(),
        Err(e) if e.kind() == ErrorKind::NotFound
    )
}

/// What ffprobe says about the first video stream.
#[derive(Debug, Default)]
struct Probe {
    width: u32,
    height: u32,
    fps: Option<f64>,
    duration: Option<f64>,
    frames: Option<u64>,
    /// The video stream's own duration (not the container's, which counts audio).
    stream_end: Option<f64>,
    rotated: bool,
}

fn parse_rate(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (d > 0.0 && n > 0.0).then(|| n / d)
}

fn probe(path: &Path) -> Result<Probe, SourceError> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=codec_type,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:stream_side_data=rotation:format=duration")
        .args(["-of", "json"])
        .arg(ffmpeg_arg(path))
        .output()
        .map_err(|e| if e.kind() == ErrorKind::NotFound { SourceError::FfmpegMissing } else { SourceError::Io(e) })?;
    let unreadable = |reason: String| SourceError::Unreadable { path: path.to_path_buf(), reason };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let reason = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("ffprobe failed").trim();
        let reason = reason.strip_prefix(&format!("{}: ", path.display())).unwrap_or(reason).to_string();
        return Err(unreadable(reason));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| unreadable(format!("unexpected ffprobe output: {e}")))?;
    let Some(stream) = v["streams"].as_array().and_then(|s| s.first()) else {
        return Err(SourceError::NoVideo { path: path.to_path_buf() });
    };
    let num = |x: &serde_json::Value| x.as_str().and_then(|s| s.parse::<f64>().ok()).or_else(|| x.as_f64());
    let rotation =
        stream["side_data_list"].as_array().and_then(|l| l.iter().find_map(|d| d["rotation"].as_f64())).unwrap_or(0.0);
    let (width, height) = (stream["width"].as_u64().unwrap_or(0) as u32, stream["height"].as_u64().unwrap_or(0) as u32);
    if width == 0 || height == 0 {
        return Err(unreadable("the video stream has no picture size".into()));
    }
    Ok(Probe {
        width,
        height,
        fps: stream["avg_frame_rate"]
            .as_str()
            .and_then(parse_rate)
            .or_else(|| stream["r_frame_rate"].as_str().and_then(parse_rate)),
        duration: num(&stream["duration"]).or_else(|| num(&v["format"]["duration"])),
        frames: stream["nb_frames"].as_str().and_then(|s| s.parse().ok()),
        stream_end: num(&stream["duration"]),
        rotated: (rotation.abs() - 90.0).abs() < 1.0,
    })
}

impl VideoSource {
    /// Opens `path` with ffprobe, then starts ffmpeg decoding it into frames of `format`.
    ///
    /// # Errors
    /// ffmpeg missing, the file missing, unreadable, or without video.
    pub fn open(path: &Path, format: PixelFormat) -> Result<Self, SourceError> {
        if !path.is_file() {
            return Err(SourceError::NotFound { path: path.to_path_buf() });
        }
        if !ffmpeg_available() {
            return Err(SourceError::FfmpegMissing);
        }
        let p = probe(path)?;
        let (width, height) = if p.rotated { (p.height, p.width) } else { (p.width, p.height) };
        let mut child = Command::new("ffmpeg")
            .args(["-hide_banner", "-nostats", "-nostdin", "-loglevel", "info", "-threads", "1", "-i"])
            .arg(ffmpeg_arg(path))
            .args(["-map", "0:v:0", "-vf", "showinfo=checksum=0", "-fps_mode", "passthrough"])
            .args(["-f", "rawvideo", "-pix_fmt", format.ffmpeg_name(), "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(
                |e| if e.kind() == ErrorKind::NotFound { SourceError::FfmpegMissing } else { SourceError::Io(e) },
            )?;
        let stdout = child.stdout.take().expect("stdout is piped");
        enlarge_pipe(&stdout);
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, frames) = channel();
        let log = Arc::new(Mutex::new(Log::default()));
        let log_w = Arc::clone(&log);
        let path_w = path.to_path_buf();
        std::thread::Builder::new()
            .name("ffmpeg-stderr".into())
            .spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(fi) = parse_showinfo(&line) {
                        if tx.send(fi).is_err() {
                            break;
                        }
                    } else {
                        let mut log = log_w.lock().expect("log lock");
                        if is_damage(&line, &path_w) && log.damaged.is_none() {
                            log.damaged = Some(line.trim().to_string());
                        }
                        if log.lines.len() < 200 {
                            log.lines.push(line);
                        }
                    }
                }
            })
            .map_err(SourceError::Io)?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            info: SourceInfo {
                kind: SourceKind::Video,
                name,
                width,
                height,
                fps: p.fps,
                duration_s: p.duration,
                frame_count: p.frames,
                stills: false,
                paced: true,
                mirrored: false,
            },
            path: path.to_path_buf(),
            child,
            stdout,
            frames,
            log,
            size: None,
            format,
            stream_end: p.stream_end,
            first_t: None,
            last_t: None,
            next_index: 0,
            finished: false,
            pool: Vec::with_capacity(POOL),
        })
    }

    /// A buffer of `len` bytes to read a frame into: a pooled one no frame holds any more (its old
    /// pixels are overwritten), else a new one.
    fn take_buffer(&mut self, len: usize) -> Arc<Vec<u8>> {
        self.pool.retain(|b| b.len() == len);
        match self.pool.iter_mut().position(|b| Arc::get_mut(b).is_some()) {
            Some(i) => self.pool.swap_remove(i),
            None => Arc::new(vec![0u8; len]),
        }
    }

    fn last_error_line(&self) -> String {
        let log = self.log.lock().expect("log lock");
        log.damaged.clone().unwrap_or_else(|| {
            log.lines
                .iter()
                .rev()
                .find(|l| l.contains("rror") || l.contains("nvalid"))
                .cloned()
                .unwrap_or_else(|| "ffmpeg stopped early".into())
        })
    }

    /// Called at the end of the stream: decides whether it was a clean end or a damaged file.
    fn finish(&mut self) -> Result<Option<Frame>, SourceError> {
        self.finished = true;
        let status = self.child.wait()?;
        // Give the stderr reader a moment to drain the last lines.
        std::thread::sleep(Duration::from_millis(20));
        let damaged = self.log.lock().expect("log lock").damaged.clone();
        let frames = self.next_index;
        if frames == 0 {
            return Err(SourceError::Unreadable { path: self.path.clone(), reason: self.last_error_line() });
        }
        // Damage is judged by ffmpeg's own errors and by where the frames end against the
        // stream's declared duration, never by the container's frame count: with an edit list a
        // whole phone clip declares more frames (`nb_frames`) than it shows.
        // Times are measured from the first frame: ffmpeg shifts the file's start to zero, and a
        // video stream may start after the audio.
        let end = self.stream_end.filter(|e| e.is_finite() && *e > 0.0);
        let last = self.last_t.unwrap_or(0.0) - self.first_t.unwrap_or(0.0);
        let short = end.is_some_and(|e| last + end_tolerance_s(self.info.fps) < e);
        if !status.success() || damaged.is_some() || short {
            let reason = if short && damaged.is_none() && status.success() {
                format!("the frames stop at {last:.2} s of {:.2} s", end.unwrap_or(0.0))
            } else {
                self.last_error_line()
            };
            return Err(SourceError::Truncated { path: self.path.clone(), frames, reason });
        }
        Ok(None)
    }
}

impl FrameSource for VideoSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        if self.finished {
            return Ok(None);
        }
        // The frame's info line comes before its pixels; after the first frame, the size is fixed.
        let fi = match self.frames.recv_timeout(Duration::from_secs(30)) {
            Ok(fi) => Some(fi),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => {
                return Err(SourceError::Unreadable {
                    path: self.path.clone(),
                    reason: "ffmpeg stopped responding".into(),
                });
            }
        };
        let (w, h) =
            *self.size.get_or_insert_with(|| fi.map_or((self.info.width, self.info.height), |f| (f.width, f.height)));
        self.info.width = w;
        self.info.height = h;
        let mut data = self.take_buffer(self.format.frame_len(w, h));
        let buf = Arc::get_mut(&mut data).expect("no frame holds a buffer being read into");
        let mut filled = 0;
        while filled < buf.len() {
            match self.stdout.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(SourceError::Io(e)),
            }
        }
        if filled < buf.len() {
            return self.finish();
        }
        let index = self.next_index;
        self.next_index += 1;
        let fps = self.info.fps.unwrap_or(30.0);
        let t = fi.and_then(|f| f.pts_time).unwrap_or(index as f64 / fps);
        self.first_t.get_or_insert(t);
        self.last_t = Some(t);
        if self.pool.len() < POOL {
            self.pool.push(Arc::clone(&data));
        }
        Ok(Some(Frame::with_shared(index, t, w, h, self.format, data)))
    }
}

impl Drop for VideoSource {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_showinfo_lines() {
        let l = "[Parsed_showinfo_0 @ 0x55e4] n:   1 pts:   3754 pts_time:0.0417111 pos:    12684 fmt:yuv420p sar:1/1 s:1920x1080 i:P iskey:0 type:P ";
        assert_eq!(parse_showinfo(l), Some(FrameInfo { pts_time: Some(0.0417111), width: 1920, height: 1080 }));
        assert_eq!(parse_showinfo("[mov @ 0x1] st: 1 edit list: 1 Missing key frame"), None);
        let nopts = "[Parsed_showinfo_0 @ 0x1] n:   0 pts:NOPTS pts_time:NOPTS pos: 1 fmt:rgb24 sar:1/1 s:640x480 i:P";
        assert_eq!(parse_showinfo(nopts), Some(FrameInfo { pts_time: None, width: 640, height: 480 }));
    }

    #[test]
    fn the_file_name_and_header_lines_are_not_damage() {
        let path = Path::new("/home/me/corrupt clips/corrupt.mp4");
        let header = "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/home/me/corrupt clips/corrupt.mp4':";
        assert!(!is_damage(header, path));
        assert!(!is_damage("    title           : Invalid data found", path));
        assert!(!is_damage("/home/me/corrupt clips/corrupt.mp4: No such file", path));
        assert!(is_damage("[h264 @ 0x5581] corrupted macroblock 3 4 (total_coeff=-1)", path));
        assert!(is_damage("/home/me/corrupt clips/corrupt.mp4: Invalid data found when processing input", path));
    }

    #[test]
    fn a_leading_dash_is_not_an_option() {
        assert_eq!(ffmpeg_arg(Path::new("-y.mp4")), Path::new("./-y.mp4"));
        assert_eq!(ffmpeg_arg(Path::new("/tmp/-y.mp4")), Path::new("/tmp/-y.mp4"));
        assert_eq!(ffmpeg_arg(Path::new("clip.mp4")), Path::new("clip.mp4"));
    }

    #[test]
    fn parses_rates() {
        assert!((parse_rate("24000/1001").unwrap() - 23.976).abs() < 1e-3);
        assert_eq!(parse_rate("0/0"), None);
    }
}
