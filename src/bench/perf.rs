//! Raw socket throughput and latency: the same measurements as libzmq's `perf/` tools.
//!
//! - throughput (local_thr / remote_thr): PUSH -> PULL; the clock starts when the first
//!   message arrives and stops at the last; msg/s = count / elapsed (libzmq divides the full
//!   count by the time of count-1 messages; so do we, to compare like with like);
//!   Mb/s = msg/s x size x 8 / 10^6.
//! - latency (local_lat / remote_lat): REQ -> REP echo; average latency = elapsed /
//!   (roundtrips x 2), one-way, in microseconds. Percentiles are of each round trip / 2.
//!
//! Messages go through the transport's ordinary send and receive, as every other message
//! does; a sender that finds its queue full waits for room, as libzmq's blocking send does.

use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use hdrhistogram::Histogram;

use crate::transport::{
    self, Context, CurveKeys, Frame, Key, Kind, Linger, Security, Sent, ServerSecurity, Socket,
    Tuning,
};

/// The throughput figures, as local_thr prints them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Throughput {
    pub size: usize,
    pub count: u64,
    pub msgs_per_sec: f64,
    pub mbps: f64,
}

impl Throughput {
    pub fn text(&self) -> String {
        format!(
            "message size: {} [B]\nmessage count: {}\nmean throughput: {:.0} [msg/s]\nmean throughput: {:.3} [Mb/s]\n",
            self.size, self.count, self.msgs_per_sec, self.mbps
        )
    }
}

/// The latency figures, as remote_lat prints them, plus percentiles.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Latency {
    pub size: usize,
    pub roundtrips: u64,
    pub latency_us: LatencyFigures,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct LatencyFigures {
    pub avg: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    pub fn text(&self) -> String {
        let l = &self.latency_us;
        format!(
            "message size: {} [B]\nroundtrip count: {}\naverage latency: {:.3} [us]\n\
             latency percentiles (one-way): p50 {:.3} [us]  p99 {:.3} [us]  max {:.3} [us]\n",
            self.size, self.roundtrips, l.avg, l.p50, l.p99, l.max
        )
    }
}

/// Every message is let go as soon as it is counted or echoed.
const TUNING: Tuning = Tuning {
    transient: true,
    max_message: None,
    unbounded: false,
    immediate: false,
};

/// Binds `endpoint` (a CURVE server with `curve`, a secret key), returning the socket and
/// the endpoint actually bound.
pub fn bind(
    ctx: &Context,
    kind: Kind,
    endpoint: &str,
    curve: Option<Key>,
) -> Result<(Socket, String)> {
    let security = ServerSecurity {
        curve,
        ..ServerSecurity::default()
    };
    let (socket, mut bound) = ctx.bind(
        kind,
        Linger::Flush,
        security,
        TUNING,
        &[endpoint.to_string()],
    )?;
    Ok((socket, bound.remove(0)))
}

fn connect(ctx: &Context, kind: Kind, endpoint: &str, security: &Security) -> Result<Socket> {
    Ok(ctx.connect(
        kind,
        // Like remote_thr, rely on linger to flush what is queued at close; bounded, so a
        // vanished receiver cannot hang us.
        Linger::Flush,
        security,
        TUNING,
        endpoint,
    )?)
}

/// For `--curve` in one process: a server keypair, and the security its peer connects with.
fn curve_pair(curve: bool) -> Result<(Option<Key>, Security)> {
    if !curve {
        return Ok((None, Security::Null));
    }
    let server = CurveKeys::generate()?;
    let client = Security::Curve {
        server: server.public,
        client: CurveKeys::generate()?,
    };
    Ok((Some(server.secret), client))
}

/// How long the measuring end of `perf lat` waits for an answer before it says the other end
/// is not there, rather than wait for ever.
const ANSWER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Receives one message whose first frame has `size` bytes, waiting at most `wait` (`None`:
/// for ever); an error when nothing came.
fn recv_sized(
    socket: &mut Socket,
    size: usize,
    wait: Option<std::time::Duration>,
) -> Result<Vec<Frame>> {
    let frames = loop {
        match socket
            .recv(wait.unwrap_or(transport::MAX_WAIT))
            .context("receive failed")?
        {
            Some(frames) => break frames,
            None if wait.is_none() => continue,
            None => {
                return Err(crate::runtime::Fatal::error(
                    crate::runtime::Exit::Timeout,
                    format!(
                        "no answer within {}: is `zmqtool perf lat --bind` running there?",
                        humantime::format_duration(wait.unwrap_or_default())
                    ),
                ));
            }
        }
    };
    let got = frames.first().map_or(0, |f| f.len());
    if got != size {
        bail!("message of incorrect size received: {got} bytes, expected {size}");
    }
    Ok(frames)
}

/// Sends `frames`, waiting for room in the queue as long as it takes (a sender must not lose
/// what it counts). `make` builds the message again when a full queue refused it.
fn send_waiting(socket: &Socket, make: impl Fn() -> Vec<Frame>) -> Result<()> {
    while socket.send(make()).context("send failed")? == Sent::Dropped {
        socket.room(transport::MAX_WAIT).context("send failed")?;
    }
    Ok(())
}

/// A message of one frame, `frame` (shared, not copied), in the list `socket` keeps.
fn one(socket: &Socket, frame: &Frame) -> Vec<Frame> {
    let mut list = socket.list();
    list.push(frame.clone());
    list
}

/// Receives `count` messages of `size` bytes on a bound PULL socket (local_thr).
pub fn thr_receive(socket: &mut Socket, size: usize, count: u64) -> Result<Throughput> {
    let mut start = Instant::now();
    for i in 0..count {
        let frames = recv_sized(socket, size, None)?;
        socket.reuse(frames);
        if i == 0 {
            start = Instant::now();
        }
    }
    let elapsed_us = (start.elapsed().as_secs_f64() * 1e6).max(1.0);
    let msgs_per_sec = count as f64 / elapsed_us * 1e6;
    Ok(Throughput {
        size,
        count,
        msgs_per_sec,
        mbps: msgs_per_sec * size as f64 * 8.0 / 1e6,
    })
}

/// Sends `count` messages of `size` bytes from a PUSH socket (remote_thr).
pub fn thr_send(
    ctx: &Context,
    endpoint: &str,
    security: &Security,
    size: usize,
    count: u64,
) -> Result<()> {
    let s = connect(ctx, Kind::Push, endpoint, security)?;
    // Every message is the same bytes: one block, shared.
    let message = Frame::copy(&vec![0u8; size]);
    for _ in 0..count {
        send_waiting(&s, || one(&s, &message))?;
    }
    Ok(())
}

/// Echoes `roundtrips` messages on a bound REP socket (local_lat).
pub fn lat_echo(socket: &mut Socket, size: usize, roundtrips: u64) -> Result<()> {
    for _ in 0..roundtrips {
        let frames = recv_sized(socket, size, None)?;
        // A REP socket always has room for its one reply.
        socket.send(frames).context("send failed")?;
    }
    Ok(())
}

/// Sends `roundtrips` requests from a REQ socket and times them (remote_lat).
pub fn lat_measure(
    ctx: &Context,
    endpoint: &str,
    security: &Security,
    size: usize,
    roundtrips: u64,
) -> Result<Latency> {
    let mut s = connect(ctx, Kind::Req, endpoint, security)?;
    // Nanoseconds, 3 significant figures, up to a minute.
    let mut hist: Histogram<u64> =
        Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("static bounds are valid");
    let message = Frame::copy(&vec![0u8; size]);
    let start = Instant::now();
    for _ in 0..roundtrips {
        let t = Instant::now();
        send_waiting(&s, || one(&s, &message))?;
        let answer = recv_sized(&mut s, size, Some(ANSWER_WAIT))?;
        s.reuse(answer);
        hist.saturating_record((t.elapsed().as_nanos() / 2).max(1) as u64);
    }
    let elapsed = start.elapsed();
    let us = |ns: u64| ns as f64 / 1e3;
    Ok(Latency {
        size,
        roundtrips,
        latency_us: LatencyFigures {
            avg: elapsed.as_secs_f64() * 1e6 / (roundtrips as f64 * 2.0),
            p50: us(hist.value_at_quantile(0.5)),
            p99: us(hist.value_at_quantile(0.99)),
            max: us(hist.max()),
        },
    })
}

/// Both ends of the throughput test in one process, over loopback TCP: each end has its own
/// context (its own I/O thread), as two processes would.
pub fn thr_local(size: usize, count: u64, curve: bool) -> Result<Throughput> {
    let (secret, security) = curve_pair(curve)?;
    let rx_ctx = Context::new();
    let (mut pull, endpoint) = bind(&rx_ctx, Kind::Pull, "tcp://127.0.0.1:*", secret)?;
    let sender =
        std::thread::spawn(move || thr_send(&Context::new(), &endpoint, &security, size, count));
    let report = thr_receive(&mut pull, size, count);
    sender
        .join()
        .map_err(|_| anyhow::anyhow!("sender panicked"))??;
    report
}

/// Both ends of the latency test in one process, over loopback TCP.
pub fn lat_local(size: usize, roundtrips: u64, curve: bool) -> Result<Latency> {
    let (secret, security) = curve_pair(curve)?;
    let echo_ctx = Context::new();
    let (mut rep, endpoint) = bind(&echo_ctx, Kind::Rep, "tcp://127.0.0.1:*", secret)?;
    let echo = std::thread::spawn(move || lat_echo(&mut rep, size, roundtrips));
    // On failure the echo thread is left blocked in recv; the process is about to end.
    let report = lat_measure(&Context::new(), &endpoint, &security, size, roundtrips)?;
    echo.join()
        .map_err(|_| anyhow::anyhow!("echo panicked"))??;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_throughput_counts_every_message() {
        let t = thr_local(100, 10_000, false).unwrap();
        assert_eq!((t.size, t.count), (100, 10_000));
        assert!(t.msgs_per_sec > 0.0);
        assert!((t.mbps - t.msgs_per_sec * 800.0 / 1e6).abs() < 1e-6);
        assert!(t.text().contains("mean throughput:"));
    }

    #[test]
    fn local_latency_reports_one_way_figures() {
        let l = lat_local(64, 200, false).unwrap();
        assert_eq!(l.roundtrips, 200);
        let f = l.latency_us;
        assert!(f.avg > 0.0 && f.p50 <= f.p99 && f.p99 <= f.max);
        assert!(l.text().contains("average latency:"));
    }

    #[test]
    fn curve_is_measured_end_to_end() {
        let t = thr_local(100, 2_000, true).unwrap();
        assert_eq!(t.count, 2_000);
        let l = lat_local(64, 50, true).unwrap();
        assert_eq!(l.roundtrips, 50);
    }
}
