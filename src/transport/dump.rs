//! Frame dumps at `-vv` (log target [`FRAMES`]): one line per frame, text when printable,
//! hex otherwise.

/// The log target of frame dumps (`-vv`).
pub const FRAMES: &str = "zmqtool::frames";

/// Dumps a message's frames at `-vv`, one line per frame with its size, as text when
/// printable and hex otherwise (the zguide `dump` helper's format).
pub fn dump(direction: &str, frames: &[impl AsRef<[u8]>]) {
    if !log::log_enabled!(target: FRAMES, log::Level::Trace) {
        return;
    }
    let mut text = format!("{direction} {} frames", frames.len());
    for frame in frames {
        let frame = frame.as_ref();
        text.push_str(&format!(
            "\n    [{:03}] {}",
            frame.len(),
            render_dump(frame)
        ));
    }
    log::trace!(target: FRAMES, "{text}");
}

pub(super) fn render_dump(frame: &[u8]) -> String {
    const MAX: usize = 64;
    let shown = &frame[..frame.len().min(MAX)];
    let more = if frame.len() > MAX { "..." } else { "" };
    if zmqtool_proto::mdp::is_text(shown) {
        format!("{}{more}", String::from_utf8_lossy(shown))
    } else {
        format!("{}{more}", zmqtool_proto::mdp::hex(shown))
    }
}
