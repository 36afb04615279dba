//! The packages: `scripts/package.sh --no-build --fast` packages the very binary these tests run, each
//! package is unpacked into a fresh folder (`dpkg-deb -x`, `tar -x`) and run from there with `HOME`
//! and the working directory elsewhere and no repository path in its environment. It must find its
//! own models and ONNX Runtime, give the built binary's verdicts on a corpus clip, and fail (saying
//! where it looked) once its models are taken away: nothing may fall back to the repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support;

/// The short real clip analysed by every binary (2.8 s of a hinge-like deadlift).
const CLIP: &str = "clips/bichraix_deadlift_good019.mp4";

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"))
}

fn ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The verdict part of `analyze`'s standard output: everything but the timing line.
fn verdict(stdout: &[u8]) -> String {
    String::from_utf8_lossy(stdout).lines().filter(|l| !l.starts_with("timing:")).collect::<Vec<_>>().join("\n")
}

/// `PATH` without any folder in the repository or the cargo target folder.
fn clean_path(avoid: &[&Path]) -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path).filter(|p| !avoid.iter().any(|a| p.starts_with(a))).collect();
    std::env::join_paths(kept).expect("PATH joins").into_string().expect("PATH is UTF-8")
}

/// Runs an installed `formcheck` the way a user would: a fresh environment (only `PATH`, `HOME` and
/// `LANG`), `HOME` and the working directory in `elsewhere`, none of them in the repository.
fn installed(bin: &Path, args: &[&str], elsewhere: &Path, path: &str) -> Output {
    let home = elsewhere.join("home");
    std::fs::create_dir_all(&home).expect("home folder");
    run(Command::new(bin)
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("LANG", "C.UTF-8")
        .current_dir(elsewhere))
}

#[test]
fn packages_install_anywhere_and_judge_like_the_built_binary() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().expect("repository path");
    let built = support::formcheck_bin();
    let target = built.parent().and_then(Path::parent).expect("target folder").to_path_buf();
    let version = env!("CARGO_PKG_VERSION");

    // Build both packages from the binary under test.
    let dist = tempfile::tempdir().expect("temp folder");
    let out = run(Command::new(repo.join("scripts/package.sh"))
        .args(["--no-build", "--fast", "--binary"])
        .arg(&built)
        .arg("--out")
        .arg(dist.path()));
    ok("scripts/package.sh --no-build", &out);
    let deb = dist.path().join(format!("formcheck_{version}_amd64.deb"));
    let tgz = dist.path().join(format!("formcheck-{version}-x86_64-linux.tar.gz"));
    assert!(deb.is_file() && tgz.is_file(), "package.sh did not make {} and {}", deb.display(), tgz.display());

    // The .deb's control: the runtime dependencies the issue names.
    let depends = run(Command::new("dpkg-deb").arg("--field").arg(&deb).arg("Depends"));
    ok("dpkg-deb --field", &depends);
    let depends = String::from_utf8_lossy(&depends.stdout).to_string();
    let names: Vec<&str> = depends.split([',', '|']).map(|d| d.split_whitespace().next().unwrap_or_default()).collect();
    for dep in ["ffmpeg", "espeak-ng", "libasound2"] {
        assert!(names.contains(&dep), "the .deb does not depend on {dep}: Depends: {depends}");
    }

    // Unpack each into a fresh folder.
    let deb_dir = tempfile::tempdir().expect("temp folder");
    ok("dpkg-deb -x", &run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(deb_dir.path())));
    let tar_dir = tempfile::tempdir().expect("temp folder");
    ok("tar -x", &run(Command::new("tar").arg("-xzf").arg(&tgz).arg("-C").arg(tar_dir.path())));
    let prefixes = [
        ("deb", deb_dir.path().join("usr")),
        ("tarball", tar_dir.path().join(format!("formcheck-{version}-x86_64-linux"))),
    ];

    // Every model of the repository, byte for byte, in each package.
    let mut models = BTreeMap::new();
    for e in std::fs::read_dir(repo.join("models")).expect("models/") {
        let p = e.expect("models/ entry").path();
        if p.extension().is_some_and(|x| x == "onnx") {
            models.insert(p.file_name().expect("name").to_owned(), std::fs::read(&p).expect("read model"));
        }
    }
    assert!(models.len() >= 3, "models/ has only {} .onnx files", models.len());
    for (name, prefix) in &prefixes {
        for (file, bytes) in &models {
            let shipped = prefix.join("lib/formcheck/models").join(file);
            let got = std::fs::read(&shipped).unwrap_or_else(|e| panic!("{name}: {}: {e}", shipped.display()));
            assert!(got == *bytes, "{name}: {} differs from models/", shipped.display());
        }
        for f in [
            "lib/formcheck/libonnxruntime.so.1.31.1",
            "share/man/man1/formcheck.1.gz",
            "share/man/man1/formcheck-analyze.1.gz",
            "share/icons/hicolor/scalable/apps/formcheck.svg",
            "share/doc/formcheck/copyright",
            "share/doc/formcheck/LICENSE-MIT",
            "share/doc/formcheck/LICENSE-APACHE",
            "share/doc/formcheck/onnxruntime-LICENSE",
        ] {
            assert!(prefix.join(f).is_file(), "{name}: {f} is missing");
        }
        let desktop = prefix.join("share/applications/formcheck.desktop");
        let v = run(Command::new("desktop-file-validate").arg(&desktop));
        ok(&format!("{name}: desktop-file-validate {}", desktop.display()), &v);
        assert!(v.stdout.is_empty() && v.stderr.is_empty(), "{name}: desktop-file-validate warns: {v:?}");
    }

    // The shipped binary is stripped: smaller than the built one, no symbol table, no line tables.
    let shipped_bin = prefixes[0].1.join("bin/formcheck");
    let sections = run(Command::new("readelf").arg("-S").arg("-W").arg(&shipped_bin));
    ok("readelf -S", &sections);
    let sections = String::from_utf8_lossy(&sections.stdout);
    let kept: Vec<&str> = [".symtab", ".debug_info", ".debug_line"]
        .into_iter()
        .filter(|s| sections.contains(&format!(" {s} ")))
        .collect();
    assert!(kept.is_empty(), "not stripped: it still has {kept:?}:\n{sections}");
    let size = |p: &Path| std::fs::metadata(p).expect("size").len();
    assert!(size(&shipped_bin) < size(&built), "the shipped binary is not smaller than the built one");

    // Reference: the built binary, in the test's own environment, on a copy of the clip.
    let work = tempfile::tempdir().expect("temp folder");
    std::fs::copy(support::corpus_file(CLIP), work.path().join("clip.mp4")).expect("copy the clip");
    let args = ["analyze", "clip.mp4", "--exercise", "hinge", "--model", "lightning", "--threads", "2", "--quiet"];
    let reference = run(Command::new(&built).args(args).current_dir(work.path()));
    ok("the built binary's analyze", &reference);
    let expected = verdict(&reference.stdout);
    assert!(expected.contains("clip.mp4:") && expected.contains("frames"), "no summary:\n{expected}");

    let path = clean_path(&[&repo, &target]);
    for (name, prefix) in &prefixes {
        let bin = prefix.join("bin/formcheck");
        let v = installed(&bin, &["--version"], work.path(), &path);
        ok(&format!("{name}: formcheck --version"), &v);
        assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), format!("formcheck {version}"), "{name}: --version");

        let got = installed(&bin, &args, work.path(), &path);
        ok(&format!("{name}: installed analyze"), &got);
        assert_eq!(verdict(&got.stdout), expected, "{name}: the installed package judges the clip differently");
    }

    // Without its models the installed program fails and names its own folder: it never falls back
    // to the repository it was built from.
    let (_, tar_prefix) = &prefixes[1];
    let models_dir = tar_prefix.join("lib/formcheck/models");
    std::fs::rename(&models_dir, tar_prefix.join("lib/formcheck/models.away")).expect("move the models away");
    let got = installed(&tar_prefix.join("bin/formcheck"), &args, work.path(), &path);
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert!(!got.status.success(), "analysed without its models (from the repository?):\n{stderr}");
    assert!(
        stderr.contains("model file not found") && stderr.contains(&*models_dir.to_string_lossy()),
        "the error does not name the package's model folder {}:\n{stderr}",
        models_dir.display()
    );
}
