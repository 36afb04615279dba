//! The report escapes what people typed: a therapist's plan (its title and notes), the name of a
//! patient's clip, the patient's name, the therapist's notes and a consent statement, and stored texts (a key frame's caption, a hold's variant, why the mask refused
//! a rep) holding markup come out as visible text, never as elements or attributes.

use formcheck::form::{Exercise, FaultId, HingeRep, HoldRecord, RepRecord, SpineMethod};
use formcheck::session::pacing::PainKind;
use formcheck::session::prescription::Prescription;
use formcheck::session::store::{KeyFrame, NewSession, SourceKind, Store};
use quick_xml::events::Event;
use std::collections::BTreeMap;
use std::path::Path;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "<img src=x onerror=alert(1)>";

/// Every element name, every attribute name, and the text (unescaped; a line break at each tag)
/// of a well-formed page.
fn parse(html: &str) -> (Vec<String>, Vec<String>, String) {
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let (mut elements, mut attributes, mut text) = (Vec::new(), Vec::new(), String::new());
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                text.push('\n');
                elements.push(String::from_utf8_lossy(e.name().as_ref()).to_lowercase());
                for a in e.attributes() {
                    let a = a.expect("a well-formed attribute");
                    attributes.push(String::from_utf8_lossy(a.key.as_ref()).to_lowercase());
                }
            }
            Ok(Event::Text(t)) => text.push_str(&t.decode().expect("text decodes")),
            Ok(Event::End(_)) => text.push('\n'),
            Ok(Event::GeneralRef(r)) => {
                let name = r.decode().expect("entity decodes");
                let ch = match name.as_ref() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    "#39" => '\'',
                    other => panic!("unexpected entity &{other};"),
                };
                text.push(ch);
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the report is not well-formed at byte {}: {e}", reader.error_position()),
        }
    }
    (elements, attributes, text)
}

fn hinge_rep(index: u32, refused: &str) -> RepRecord {
    RepRecord {
        index,
        side: None,
        start_s: f64::from(index) * 5.0,
        end_s: f64::from(index) * 5.0 + 4.0,
        faults: vec![FaultId::RoundedBack],
        fault_durations: BTreeMap::new(),
        hinge: Some(HingeRep {
            bottom_s: f64::from(index) * 5.0 + 2.0,
            peak_trunk_deg: 60.0,
            peak_hip_deg: 100.0,
            peak_knee_deg: Some(12.0),
            bottom_knee_flexion_deg: Some(11.0),
            top_hip_deg: 176.0,
            lowering_s: 2.0,
            rising_s: 1.5,
            max_thoracic_offset: Some(0.1),
            worst_head_deg: Some(170.0),
            spine_method: SpineMethod::NotJudged,
            mask_refused: Some(refused.into()),
            spine_not_judged: None,
            started_at_bottom: false,
            max_thoracic_gap: None,
            worst_gap_s: None,
            head_contact: None,
        }),
        bird_dog: None,
        rom: vec![],
    }
}

#[test]
fn typed_text_comes_out_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("formcheck.db")).unwrap();
    let plan = Prescription::from_toml(&format!(
        "title = \"Weeks 1-2 {SCRIPT}\"\nnotes = \"Go slowly {IMG} & breathe\"\n\n[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 6\n\n[[exercise]]\nname = \"side-plank\"\nsets = 1\nhold_s = 20\n"
    ))
    .expect("the plan parses");
    assert_eq!(plan.title.as_deref(), Some(format!("Weeks 1-2 {SCRIPT}").as_str()));
    let clip = format!("/clips/{IMG}{SCRIPT}.mp4");
    let (patient, _) = store.ensure_patient(&format!("Ana {SCRIPT}")).unwrap();
    let mut new = NewSession::new(SourceKind::Call)
        .patient(patient.id)
        .clip(Path::new(&clip))
        .prescription(Some(&plan))
        .keep_key_frames(true)
        .notes(Some(&format!("Watch the knee {IMG}")));
    new.consent = Some(
        formcheck::session::telehealth::Consent::confirm(&format!("Agreed {SCRIPT}"), "Dr K", "window:Call", 1)
            .unwrap(),
    );
    let session = store.begin(&new).unwrap();
    let set = store.begin_set(session, Exercise::Hinge).unwrap();
    store.record_rep(set, &hinge_rep(1, IMG)).unwrap();
    store.end_set(set, 0.0).unwrap();
    let plank = store.begin_set(session, Exercise::SidePlank).unwrap();
    let hold = HoldRecord {
        index: 1,
        side: None,
        variant: SCRIPT.into(),
        support: "elbow".into(),
        base: "knees".into(),
        start_s: 1.0,
        end_s: 21.0,
        seconds_in_form: 20.0,
        faults: vec![],
        fault_durations: BTreeMap::new(),
        mean_line_offset: 0.02,
    };
    store.record_hold(plank, &hold).unwrap();
    store.end_set(plank, 0.0).unwrap();
    store.record_pain(session, PainKind::After, 2, Some(set), &[]).unwrap();
    store.end_session(session).unwrap();
    let caption = format!("Rep 1 {IMG}");
    store
        .save_key_frame(session, &KeyFrame { rep_index: 1, t_s: 7.0, jpeg: vec![0xff, 0xd8, 0xff, 0xd9], caption })
        .unwrap();

    let report = formcheck::report::build(&store, session).unwrap();
    let html = formcheck::report::to_html(&report);
    let (elements, attributes, text) = parse(&html);

    // No element or attribute came from the typed text.
    assert!(!elements.iter().any(|e| e == "script"), "a <script> element in the report");
    assert!(!attributes.iter().any(|a| a.starts_with("on")), "an event-handler attribute in the report");
    assert_eq!(elements.iter().filter(|e| *e == "img").count(), 1, "only the key frame is an image");
    for banned in ["<script", "<img src=x", "onerror=alert(1)>"] {
        assert!(!html.contains(banned), "{banned:?} is in the HTML unescaped");
    }
    // The text is there, escaped in the HTML, and visible as written on the page.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the escaped <script>");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "the escaped <img>");
    for shown in [
        format!("Weeks 1-2 {SCRIPT}"),
        format!("Go slowly {IMG} & breathe"),
        format!("Source: recorded clip {clip}"),
        format!("Rep 1 {IMG}"),
        format!("– (mask: {IMG})"),
        format!("Ana {SCRIPT}"),
        format!("Watch the knee {IMG}"),
        format!("Agreed {SCRIPT}"),
    ] {
        assert!(text.contains(&shown), "{shown:?} is not shown as text");
    }
    // The hold's variant, in its table cell.
    assert!(text.contains(&format!("\n{SCRIPT}\n")), "the hold's variant is not shown as text");
    // The title element holds the session's title, not markup.
    assert!(html.contains("<title>formcheck session #"), "the page title");
}
