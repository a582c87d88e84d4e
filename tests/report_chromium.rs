//! The HTML report in a real browser: Debian's `chromium`, headless. The reports of a success,
//! a quarantine and a guard abort (the example CSV integration, through the binary) are each
//!
//! - **screenshotted** at 1280×900 (`--screenshot`): a PNG of that size is written, and it is
//!   not blank (a white page compresses to a few kilobytes);
//! - **checked for outside requests**, two ways that can each fail: the HTML itself names no
//!   `http(s)://` resource, `src=`, `href=`, `url(` or `@import`, and carries a CSP
//!   `default-src 'none'`; and Chromium's network log (`--log-net-log`) of loading it holds no
//!   request made by the page. Chromium's own background requests (updates, time) carry the
//!   initiator `not an origin`; a request made by a `file://` page carries the initiator
//!   `null`. A control page with an `<img>` on a loopback URL shows the log does record such
//!   a request;
//! - **laid out with the action needed above the fold**: a test-only copy of the page (its CSP
//!   removed, a small script added at the end of the body) writes the bounding boxes of every
//!   `data-attention` element (each person, each gauge) and of the collapsed action list into
//!   the DOM, which `--dump-dom` prints; every person and gauge must end within the first
//!   900 pixels, above the action list.
//!
//! Set `WTMAP_SCREENSHOTS=DIR` to keep the three PNGs (docs/report-*.png are made so).
//! A missing `chromium` fails the test, like every peer test (`WTMAP_SKIP_PEERS=1` ignores it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod support_smtp;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support_smtp::fixture::{TODAY, abort_dir, kb, only_run_folder, success_dir};

const WIDTH: u32 = 1280;
const FOLD: u32 = 900;

fn chromium() -> String {
    let path = std::env::var("WTMAP_CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
    let found = Command::new(&path)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "Chromium (`chromium`) is needed for this test: run scripts/test.sh (it installs it), \
         set WTMAP_CHROMIUM, or opt out of peer tests with WTMAP_SKIP_PEERS=1"
    );
    path
}

/// Runs Chromium headless on `page` with `args`, in a profile of its own; returns stdout.
fn headless(page: &Path, profile: &Path, args: &[String]) -> String {
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            &format!("--window-size={WIDTH},{FOLD}"),
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The report.html of a run of the example in `dir`, which must exit `code`.
fn report(dir: &Path, code: i32) -> PathBuf {
    let o = Command::new(env!("CARGO_BIN_EXE_wtmap"))
        .args(["run", "kb.wtmap", "--today", TODAY, "--runs-dir", "runs"])
        .args(["--no-email", "--format", "none"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    only_run_folder(&dir.join("runs"), "kb").join("report.html")
}

/// URLs of requests in a Chromium net log that a page made (not Chromium itself).
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).unwrap();
    let log: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the net log is not JSON ({e}): {}", netlog.display()));
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .expect("net log events")
        .iter()
        .filter_map(|e| {
            let p = &e["params"];
            let initiator = p["initiator"].as_str()?;
            let url = p["url"].as_str()?;
            (initiator != "not an origin" && !url.starts_with("file:")).then(|| url.to_string())
        })
        .collect();
    urls.dedup();
    urls
}

/// The PNG's width and height, from its IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Boxes measured in the browser: (what, top, bottom) of each `data-attention` element, and
/// the top of the first `<details>` (the action list), if any.
fn layout(html: &str, work: &Path) -> (Vec<(String, f64, f64)>, Option<f64>) {
    let script = "<script>(function(){var out=[];\
        document.querySelectorAll('[data-attention]').forEach(function(e){\
        var r=e.getBoundingClientRect();out.push([e.getAttribute('data-attention'),r.top,r.bottom]);});\
        var d=document.querySelector('details');\
        var p=document.createElement('pre');p.id='wtmap-layout';\
        p.textContent=JSON.stringify({attention:out,details:d?d.getBoundingClientRect().top:null});\
        document.body.appendChild(p);})();</script>";
    let start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let end = start + html[start..].find('>').unwrap() + 1;
    let copy = format!("{}{}", &html[..start], &html[end..])
        .replace("</body>", &format!("{script}</body>"));
    let page = work.join("layout.html");
    std::fs::write(&page, copy).unwrap();
    let dom = headless(&page, &work.join("profile-layout"), &["--dump-dom".into()]);
    let start = dom
        .find("<pre id=\"wtmap-layout\">")
        .expect("the layout script ran")
        + 23;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let boxes = v["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b[0].as_str().unwrap().to_string(),
                b[1].as_f64().unwrap(),
                b[2].as_f64().unwrap(),
            )
        })
        .collect();
    (boxes, v["details"].as_f64())
}

/// Every check on one report; `attention` is how many persons and gauges it must show.
fn check(name: &str, page: &Path, attention: usize) {
    let work = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(page).unwrap();

    // Nothing to fetch, said by the page and checked in its text.
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""),
        "{name}: no CSP"
    );
    let lower = html.to_lowercase();
    for external in [
        "http://", "https://", " src=", " href=", "url(", "@import", "<link", "<script", "<img",
    ] {
        assert!(
            !lower.contains(external),
            "{name}: `{external}` in the HTML"
        );
    }

    // The screenshot.
    let png = work.path().join(format!("{name}.png"));
    headless(
        page,
        &work.path().join("profile-shot"),
        &[format!("--screenshot={}", png.display())],
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(png_size(&bytes), (WIDTH, FOLD), "{name}");
    assert!(
        bytes.len() > 20_000,
        "{name}: a blank screenshot ({} bytes)",
        bytes.len()
    );
    if let Ok(dir) = std::env::var("WTMAP_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&png, Path::new(&dir).join(format!("report-{name}.png"))).unwrap();
    }

    // No request made by the page, in Chromium's own log of loading it.
    let netlog = work.path().join("net.json");
    headless(
        page,
        &work.path().join("profile-net"),
        &[
            format!("--log-net-log={}", netlog.display()),
            "--dump-dom".into(),
        ],
    );
    assert_eq!(page_requests(&netlog), Vec::<String>::new(), "{name}");

    // The action needed above the fold, before the action list.
    let (boxes, details) = layout(&html, work.path());
    assert_eq!(boxes.len(), attention, "{name}: {boxes:?}");
    for (what, top, bottom) in &boxes {
        assert!(
            *bottom <= f64::from(FOLD),
            "{name}: a {what} ends at {bottom} px, below the fold ({FOLD} px)"
        );
        if let Some(d) = details {
            assert!(top < &d, "{name}: a {what} below the action list");
        }
    }
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn the_html_report_renders_in_chromium_without_requests_with_the_action_needed_on_top() {
    // The control: a page that does fetch something is seen doing so.
    let work = tempfile::tempdir().unwrap();
    let control = work.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/wtmap-control.png\">x</body></html>",
    )
    .unwrap();
    let netlog = work.path().join("control.json");
    headless(
        &control,
        &work.path().join("profile"),
        &[
            format!("--log-net-log={}", netlog.display()),
            "--dump-dom".into(),
        ],
    );
    assert_eq!(
        page_requests(&netlog),
        ["http://127.0.0.1:9/wtmap-control.png"],
        "the net log check cannot see a page's request"
    );

    let success = success_dir();
    check("success", &report(success.path(), 0), 0);
    // Five people (four quarantined, one skipped).
    let quarantine = kb("report to \"hr@kommunalbolaget.example\"");
    check("quarantine", &report(quarantine.path(), 4), 5);
    // The gauge and the same five people.
    let abort = abort_dir();
    check("abort", &report(abort.path(), 3), 6);
}
