//! natsbench: the NATS side of `scripts/compare-nats.sh`, shaped like the zmqtool side so that
//! the two are measured the same way.
//!
//! ```text
//! natsbench request --server URL [--subject echo] [--clients 1] [--pipeline 1] [--size 128]
//!                   [--duration 10s] [--timeout 5s]
//! natsbench respond --server URL [--subject echo] [--queue echo]
//! ```
//!
//! `request` opens CLIENTS connections and keeps PIPELINE requests in flight on each (closed
//! loop: a request goes out when the one before it on its slot is answered) for DURATION. Each
//! request body starts with a unique number and every reply must equal its request byte for
//! byte; anything else counts as an error. It prints one JSON line with the field names of
//! `zmqtool --json bench`: requests, errors, timeouts, elapsed_s, throughput_rps, latency_us.
//!
//! `respond` joins queue group QUEUE on SUBJECT with one connection and sends every message
//! back to its reply subject. It prints `ready` once the server has its subscription.
//!
//! Everything runs on one thread (a current-thread runtime), as `zmqtool bench` runs its
//! clients, so the two load generators' CPU figures compare like with like.

use std::process::exit;
use std::time::{Duration, Instant};

use async_nats::{Client, ConnectOptions, RequestErrorKind, Subject};
use bytes::Bytes;
use futures_util::StreamExt;

const USAGE: &str = "usage: natsbench request --server URL [--subject S] [--clients K] \
[--pipeline W] [--size BYTES] [--duration D] [--timeout D]\n       natsbench respond --server URL \
[--subject S] [--queue Q]\n(durations: 500ms, 10s, 1m)";

struct Options {
    server: String,
    subject: String,
    queue: String,
    clients: usize,
    pipeline: usize,
    size: usize,
    duration: Duration,
    timeout: Duration,
}

fn fail(message: &str) -> ! {
    eprintln!("natsbench: {message}");
    exit(2)
}

fn duration(text: &str) -> Duration {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit {
        "ms" => 1e-3,
        "s" | "" => 1.0,
        "m" => 60.0,
        _ => fail(&format!("{text}: a duration is a number and ms, s or m")),
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Duration::from_secs_f64(n * scale),
        _ => fail(&format!("{text}: not a duration")),
    }
}

fn count(flag: &str, text: &str, least: usize) -> usize {
    match text.parse::<usize>() {
        Ok(n) if n >= least => n,
        _ => fail(&format!(
            "{flag} {text}: a whole number of at least {least} is needed"
        )),
    }
}

fn options(args: &[String]) -> Options {
    let mut o = Options {
        server: "nats://127.0.0.1:4222".into(),
        subject: "echo".into(),
        queue: "echo".into(),
        clients: 1,
        pipeline: 1,
        size: 128,
        duration: Duration::from_secs(10),
        timeout: Duration::from_secs(5),
    };
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            fail(&format!("{} needs a value\n{USAGE}", pair[0]))
        };
        match flag.as_str() {
            "--server" => o.server = value.clone(),
            "--subject" => o.subject = value.clone(),
            "--queue" => o.queue = value.clone(),
            "--clients" => o.clients = count(flag, value, 1),
            "--pipeline" => o.pipeline = count(flag, value, 1),
            // The first 8 bytes carry the request's number.
            "--size" => o.size = count(flag, value, 8),
            "--duration" => o.duration = duration(value),
            "--timeout" => o.timeout = duration(value),
            _ => fail(&format!("unknown option {flag}\n{USAGE}")),
        }
    }
    o
}

async fn connect(o: &Options) -> Client {
    ConnectOptions::new()
        .request_timeout(Some(o.timeout))
        .connect(o.server.as_str())
        .await
        .unwrap_or_else(|e| fail(&format!("cannot connect to {}: {e}", o.server)))
}

/// What one request slot saw.
#[derive(Default)]
struct Outcome {
    latencies_us: Vec<u32>,
    errors: u64,
    timeouts: u64,
}

/// One slot: a request, its reply, the next request, until `end`. Requests that end after
/// `end` are not counted, so the rate is over exactly the duration.
async fn slot(
    client: Client,
    subject: Subject,
    size: usize,
    first: u64,
    step: u64,
    end: Instant,
) -> Outcome {
    let mut out = Outcome::default();
    // A body that is not all zeros, so a reply that is merely the right length is caught.
    let mut body: Vec<u8> = (0..size)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(7))
        .collect();
    let mut number = first;
    loop {
        let sent = Instant::now();
        if sent >= end {
            return out;
        }
        body[..8].copy_from_slice(&number.to_le_bytes());
        number += step;
        let request = Bytes::copy_from_slice(&body);
        let result = client.request(subject.clone(), request.clone()).await;
        let done = Instant::now();
        if done > end {
            return out;
        }
        match result {
            Ok(reply) if reply.payload == request => {
                let us = (done - sent).as_micros().min(u128::from(u32::MAX)) as u32;
                out.latencies_us.push(us);
            }
            Ok(_) => out.errors += 1,
            Err(e) if e.kind() == RequestErrorKind::TimedOut => out.timeouts += 1,
            Err(_) => {
                out.errors += 1;
                // No responders (yet): wait a little rather than spin.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

/// The latency at quantile `q` of sorted latencies (nearest rank), 0 when there are none.
fn quantile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn request(o: Options) {
    let mut clients = Vec::new();
    for _ in 0..o.clients {
        clients.push(connect(&o).await);
    }
    let subject = Subject::from(o.subject.as_str());
    let step = (o.clients * o.pipeline) as u64;
    let end = Instant::now() + o.duration;
    let mut slots = Vec::new();
    for (k, client) in clients.iter().enumerate() {
        for w in 0..o.pipeline {
            let first = (k * o.pipeline + w) as u64;
            let task = slot(client.clone(), subject.clone(), o.size, first, step, end);
            slots.push(tokio::spawn(task));
        }
    }
    let mut all = Outcome::default();
    for s in slots {
        let one = s
            .await
            .unwrap_or_else(|e| fail(&format!("a request slot failed: {e}")));
        all.latencies_us.extend(one.latencies_us);
        all.errors += one.errors;
        all.timeouts += one.timeouts;
    }
    let mut lat = all.latencies_us;
    lat.sort_unstable();
    let secs = o.duration.as_secs_f64();
    println!(
        concat!(
            "{{\"target\":\"nats-server at {}, subject {}\",",
            "\"model\":\"closed: {} clients x {} in flight\",\"size\":{},",
            "\"requests\":{},\"errors\":{},\"timeouts\":{},\"elapsed_s\":{:.3},",
            "\"throughput_rps\":{:.0},\"latency_us\":{{\"p50\":{},\"p90\":{},\"p99\":{},",
            "\"p999\":{},\"max\":{}}}}}"
        ),
        o.server,
        o.subject,
        o.clients,
        o.pipeline,
        o.size,
        lat.len(),
        all.errors,
        all.timeouts,
        secs,
        lat.len() as f64 / secs,
        quantile(&lat, 0.5),
        quantile(&lat, 0.9),
        quantile(&lat, 0.99),
        quantile(&lat, 0.999),
        lat.last().copied().unwrap_or(0),
    );
}

async fn respond(o: Options) {
    let client = connect(&o).await;
    let mut requests = client
        .queue_subscribe(o.subject.clone(), o.queue.clone())
        .await
        .unwrap_or_else(|e| fail(&format!("cannot subscribe to {}: {e}", o.subject)));
    // Once the flush returns, the server has the subscription: requests will reach us.
    client
        .flush()
        .await
        .unwrap_or_else(|e| fail(&format!("cannot reach {}: {e}", o.server)));
    println!("ready");
    while let Some(message) = requests.next().await {
        if let Some(reply_to) = message.reply {
            if client.publish(reply_to, message.payload).await.is_err() {
                break;
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, rest)) = args.split_first() else {
        fail(USAGE)
    };
    let o = options(rest);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("cannot start the runtime: {e}")));
    match mode.as_str() {
        "request" => runtime.block_on(request(o)),
        "respond" => runtime.block_on(respond(o)),
        _ => fail(USAGE),
    }
}
