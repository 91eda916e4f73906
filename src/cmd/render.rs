//! How results look on stdout: every `--json` object as a `#[derive(Serialize)]` struct, in
//! one place, and the text renderings of frames (one reply per line, escaped).
//!
//! `--json` prints one object per line. Frames are strings when valid UTF-8, else
//! `{"base64": "..."}`.

use std::io::Write;

use base64::Engine as _;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::mdp::Frame;

/// Writes `value` as one JSON line.
pub fn json_line(out: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string(value).map_err(std::io::Error::other)?;
    writeln!(out, "{text}")
}

/// A frame as JSON: a string when it is valid UTF-8, else `{"base64": "..."}`.
#[derive(Clone, Copy)]
pub struct JsonFrame<'a>(pub &'a [u8]);

impl Serialize for JsonFrame<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(
                    "base64",
                    &base64::engine::general_purpose::STANDARD.encode(self.0),
                )?;
                map.end()
            }
        }
    }
}

/// Frames as a JSON array (see [`JsonFrame`]).
#[derive(Clone, Copy)]
pub struct JsonFrames<'a>(pub &'a [Frame]);

impl Serialize for JsonFrames<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for frame in self.0 {
            seq.serialize_element(&JsonFrame(frame))?;
        }
        seq.end()
    }
}

/// With `--json`, a command that failed: what went wrong and its exit code.
#[derive(Serialize)]
pub struct Failure {
    pub error: String,
    pub exit: u8,
}

/// `client`: one reply (a PARTIAL has `final: false`).
#[derive(Serialize)]
pub struct Reply<'a> {
    pub service: JsonFrame<'a>,
    #[serde(rename = "final")]
    pub last: bool,
    pub frames: JsonFrames<'a>,
    /// The reason, when the worker's command failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A stamped request: its stamp and what the worker did with it.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub dedup: Option<Dedup>,
}

/// The `--json` fields of a stamped request's reply.
#[derive(Serialize)]
pub struct Dedup {
    /// `client-id/key`.
    pub stamp: String,
    /// The deduplicating worker's outcome (fresh, replayed, waited, unknown, mismatch); null
    /// when no such worker answered, so nothing was guaranteed.
    pub dedup: Option<crate::mdp::stamp::Outcome>,
    /// The reply came from the store: nothing ran for this request.
    pub replayed: bool,
}

/// `client --lines`, `titanic request --lines`: the outcome of one input line.
#[derive(Serialize)]
pub struct Line<'a> {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<JsonFrames<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub dedup: Option<Dedup>,
}

/// The closing summary of `client --lines` and `titanic request --lines`.
#[derive(Serialize)]
pub struct Summary {
    /// Always true: tells the summary from the per-line objects.
    pub summary: bool,
    pub requests: u64,
    /// `client --lines`: replies received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<u64>,
    /// `titanic request --lines`: requests stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored: Option<u64>,
    pub errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<u64>,
    pub elapsed_s: f64,
    /// Requests per second, rounded: an integer wherever it appears.
    pub throughput_rps: u64,
}

impl Summary {
    /// A summary of `requests` over `elapsed`, with the rates rounded as printed.
    pub fn new(requests: u64, errors: u64, elapsed: std::time::Duration) -> Summary {
        let secs = elapsed.as_secs_f64();
        Summary {
            summary: true,
            requests,
            replies: None,
            stored: None,
            errors,
            timeouts: None,
            elapsed_s: (secs * 1000.0).round() / 1000.0,
            throughput_rps: if secs > 0.0 {
                (requests as f64 / secs).round() as u64
            } else {
                0
            },
        }
    }
}

/// `mmi SERVICE`: the mmi.service code.
#[derive(Serialize)]
pub struct MmiCode<'a> {
    pub service: &'a str,
    pub code: u16,
}

/// `mmi SERVICE --all-brokers`: one broker's mmi.service code.
#[derive(Serialize)]
pub struct BrokerMmiCode<'a> {
    pub service: &'a str,
    pub code: u16,
    pub broker: &'a str,
}

/// `stats --all-brokers --json`: the sums, and what each broker said.
#[derive(Serialize)]
pub struct StatsAcross<'a> {
    pub total: &'a crate::mdp::mmi::Stats,
    pub brokers: Vec<BrokerStatsEntry<'a>>,
}

/// One broker in [`StatsAcross`]: its figures after its endpoint, or why it gave none.
#[derive(Serialize)]
#[serde(untagged)]
pub enum BrokerStatsEntry<'a> {
    Stats {
        broker: &'a str,
        #[serde(flatten)]
        stats: &'a crate::mdp::mmi::Stats,
    },
    Failed {
        broker: &'a str,
        error: &'a str,
    },
}

/// `mmi mmi.NAME --all-brokers`: the frames of one broker's own service.
#[derive(Serialize)]
pub struct BrokerServiceFrames<'a> {
    pub service: &'a str,
    pub broker: &'a str,
    pub frames: JsonFrames<'a>,
}

/// `mmi --all-brokers`: one service with its sums over the brokers that carry it.
#[derive(Serialize)]
pub struct MergedServiceRow<'a> {
    pub name: JsonFrame<'a>,
    pub idle: usize,
    pub busy: usize,
    pub queued: usize,
    pub brokers: Vec<BrokerServiceRow<'a>>,
}

/// One broker's figures for a service in [`MergedServiceRow`].
#[derive(Serialize)]
pub struct BrokerServiceRow<'a> {
    pub broker: &'a str,
    pub idle: usize,
    pub busy: usize,
    pub queued: usize,
}

/// `mmi mmi.NAME`: the frames of a broker's own service.
#[derive(Serialize)]
pub struct ServiceFrames<'a> {
    pub service: &'a str,
    pub frames: JsonFrames<'a>,
}

/// `mmi`: one row of the service table.
#[derive(Serialize)]
pub struct ServiceRow<'a> {
    pub name: JsonFrame<'a>,
    pub idle: usize,
    pub busy: usize,
    pub queued: usize,
}

/// `bstar status`: the state a server publishes.
#[derive(Serialize)]
pub struct BstarState {
    pub state: &'static str,
    pub number: u8,
}

/// `titanic request`: the stored request's UUID.
#[derive(Serialize)]
pub struct Stored<'a> {
    pub uuid: &'a str,
    pub service: &'a str,
}

/// `titanic reply`, `call` (with frames) and `close` (without): a 200 from Titanic.
#[derive(Serialize)]
pub struct TitanicOk<'a> {
    pub uuid: &'a str,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<JsonFrames<'a>>,
}

/// `titanic ls`: one stored request.
#[derive(Serialize)]
pub struct StoredEntry<'a> {
    pub uuid: &'a str,
    pub service: JsonFrame<'a>,
    pub state: &'static str,
    pub age_s: f64,
}

/// `keygen`: the keys in Z85 (the secret left out when it went to a file).
#[derive(Serialize)]
pub struct Keypair<'a> {
    pub public: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<&'a str>,
}

/// `bench`: one run, with the stable field names the README lists plus context.
#[derive(Serialize)]
pub struct BenchReport<'a> {
    pub target: &'a str,
    pub model: &'a str,
    pub size: usize,
    pub requests: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub elapsed_s: f64,
    /// An integer, as everywhere else it appears.
    pub throughput_rps: u64,
    /// `null` when nothing was answered.
    pub latency_us: Option<crate::bench::report::Percentiles>,
    pub coordinated_omission_corrected: bool,
    pub interrupted: bool,
    /// `bench --spread`: each broker's share (left out with one broker).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub brokers: Vec<BrokerShare<'a>>,
}

/// One broker's share of a `bench --spread` run.
#[derive(Serialize)]
pub struct BrokerShare<'a> {
    pub endpoint: &'a str,
    pub requests: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub throughput_rps: u64,
    /// `null` when it answered nothing.
    pub latency_us: Option<crate::bench::report::Percentiles>,
}

impl<'a> BenchReport<'a> {
    pub fn of(r: &'a crate::bench::report::Report) -> BenchReport<'a> {
        BenchReport {
            target: &r.target,
            model: &r.model,
            size: r.size,
            requests: r.requests,
            errors: r.errors,
            timeouts: r.timeouts,
            elapsed_s: r.elapsed_s(),
            throughput_rps: r.throughput().round() as u64,
            latency_us: r.latency_us(),
            coordinated_omission_corrected: r.corrected,
            interrupted: r.interrupted,
            brokers: r
                .brokers
                .iter()
                .map(|(endpoint, share)| BrokerShare {
                    endpoint,
                    requests: share.requests,
                    errors: share.errors,
                    timeouts: share.timeouts,
                    throughput_rps: share.throughput().round() as u64,
                    latency_us: share.latency_us(),
                })
                .collect(),
        }
    }
}

/// `bench --compare`: the broker against the raw proxy.
#[derive(Serialize)]
pub struct Comparison {
    pub comparison: Ratios,
}

#[derive(Serialize)]
pub struct Ratios {
    pub broker_throughput_rps: u64,
    pub proxy_throughput_rps: u64,
    pub throughput_ratio: f64,
    pub p50_ratio: f64,
    /// The same against the lean MDP broker (`bench::lean::lean_broker`).
    pub lean_throughput_rps: u64,
    pub lean_throughput_ratio: f64,
    pub lean_p50_ratio: f64,
}

/// The width of a table's first column: its longest name, and at least "SERVICE".
pub fn name_width(names: &[String]) -> usize {
    names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max("SERVICE".len())
}

/// A name from the network (a service, a request id) as it may be shown in a terminal:
/// control characters (newlines, escape sequences that move the cursor or erase lines) are
/// written as escapes, so a peer cannot forge or hide table rows.
pub fn terminal_safe(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            safe.extend(c.escape_debug());
        } else {
            safe.push(c);
        }
    }
    safe
}

pub use crate::mdp::escape_line;

#[cfg(test)]
mod tests {
    use super::*;

    fn json(value: &impl Serialize) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn frames_render_as_text_or_base64() {
        assert_eq!(json(&JsonFrame(b"hello")), r#""hello""#);
        assert_eq!(json(&JsonFrame(&[0xff, 0x00])), r#"{"base64":"/wA="}"#);
        assert_eq!(
            json(&JsonFrames(&[Frame::copy(b"a"), vec![0xfe].into()])),
            r#"["a",{"base64":"/g=="}]"#
        );
    }

    #[test]
    fn bench_json_has_the_contract_fields() {
        let mut latency = crate::bench::report::new_histogram();
        for _ in 0..10 {
            latency.record(100).unwrap();
        }
        let r = crate::bench::report::Report {
            target: "t".into(),
            model: "m".into(),
            size: 64,
            requests: 10,
            errors: 1,
            timeouts: 0,
            elapsed: std::time::Duration::from_secs(2),
            latency,
            corrected: false,
            interrupted: false,
            brokers: Vec::new(),
        };
        let j: serde_json::Value = serde_json::from_str(&json(&BenchReport::of(&r))).unwrap();
        for key in [
            "requests",
            "errors",
            "timeouts",
            "elapsed_s",
            "throughput_rps",
        ] {
            assert!(j.get(key).is_some(), "{key}");
        }
        for key in ["p50", "p90", "p99", "p999", "max"] {
            assert_eq!(j["latency_us"][key], 100, "{key}");
        }
        assert_eq!(j["throughput_rps"], 5);
        assert!(j["throughput_rps"].is_u64());
    }

    #[test]
    fn absent_fields_are_left_out() {
        let line = Line {
            line: 3,
            frames: None,
            uuid: None,
            error: Some("timeout".into()),
            dedup: None,
        };
        assert_eq!(json(&line), r#"{"line":3,"error":"timeout"}"#);
    }

    /// A service named "x\nfake 9 0 0\x1b[2K" cannot forge a row of `zmqtool mmi`.
    #[test]
    fn names_cannot_forge_terminal_rows() {
        assert_eq!(
            terminal_safe(b"x\nfake 9 0 0\x1b[2K"),
            "x\\nfake 9 0 0\\u{1b}[2K"
        );
        assert_eq!(
            terminal_safe("caf\u{e9} \u{9b}".as_bytes()),
            "caf\u{e9} \\u{9b}"
        );
    }
}
