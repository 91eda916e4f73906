//! Draws the [`Model`] on a ratatui frame: a title, the broker's state, its totals, a
//! sparkline of requests per second, and a line per service.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Sparkline, Table};

use super::model::{Link, Model, Service, bars, per_second, thousands};
use crate::bench::report::us_to;
use crate::cmd::render;

/// What the view shows besides the model: the broker it asks, and how often.
pub struct Source<'a> {
    pub broker: &'a str,
    pub every: Duration,
}

pub fn draw(frame: &mut Frame, model: &Model, info: &Source<'_>, now: Instant) {
    let [title, state, totals, drops, spark, table, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(6),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(title_line(model, info), title);
    frame.render_widget(state_line(model, info, now), state);
    frame.render_widget(totals_line(model), totals);
    frame.render_widget(drops_line(model), drops);
    draw_sparkline(frame, model, spark);
    draw_services(frame, model, table);
    frame.render_widget(footer_line(model), footer);
}

fn title_line(model: &Model, info: &Source<'_>) -> Paragraph<'static> {
    let endpoint = model.endpoint.as_deref().unwrap_or(info.broker);
    let uptime = model.last.as_ref().map_or(String::new(), |(_, s)| {
        format!(
            "  up {}",
            humantime::format_duration(Duration::from_secs(s.uptime_s as u64))
        )
    });
    Paragraph::new(Line::from(vec![
        Span::from("zmqtool top  ").bold(),
        Span::from(endpoint.to_string()).bold(),
        Span::from(uptime),
        Span::from(format!(
            "  every {}",
            humantime::format_duration(info.every)
        ))
        .dim(),
    ]))
}

fn state_line(model: &Model, info: &Source<'_>, now: Instant) -> Paragraph<'static> {
    let line = match &model.link {
        Link::Waiting => Line::from(format!(
            "waiting for the first answer from {} (mmi.stats)",
            info.broker
        ))
        .yellow(),
        Link::Answering => {
            let mut spans = vec![Span::from("answering").green().bold()];
            if model.restarts > 0 {
                spans.push(Span::from(format!(
                    "  (restarted {} time{} while watched: counts start again)",
                    model.restarts,
                    if model.restarts == 1 { "" } else { "s" }
                )));
            }
            Line::from(spans)
        }
        Link::Silent { why, .. } => {
            let silent = model.silent_for(now).unwrap_or_default();
            let shown = if model.last.is_some() {
                " (below: the last figures it sent)"
            } else {
                ""
            };
            Line::from(format!(
                " NOT ANSWERING for {}: {why}{shown} ",
                humantime::format_duration(Duration::from_secs(silent.as_secs()))
            ))
            .style(Style::new().fg(Color::White).bg(Color::Red).bold())
        }
    };
    Paragraph::new(line)
}

fn totals_line(model: &Model) -> Paragraph<'static> {
    let Some((_, s)) = &model.last else {
        return Paragraph::new("");
    };
    let r = |rate: Option<f64>| rate.map_or(String::new(), |r| format!(" ({}/s)", per_second(r)));
    Paragraph::new(format!(
        "requests {}{}  replies {}{}  requeued {}",
        thousands(s.requests),
        r(model.rates.requests),
        thousands(s.replies),
        r(model.rates.replies),
        thousands(s.requeued),
    ))
}

/// Requests dropped (red while it goes on), then what was refused.
fn drops_line(model: &Model) -> Paragraph<'static> {
    let Some((_, s)) = &model.last else {
        return Paragraph::new("");
    };
    let reasons: Vec<String> = s
        .dropped
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(reason, n)| format!("{reason} {}", thousands(*n)))
        .collect();
    let rate = model.rates.dropped.unwrap_or(0.0);
    let dropped = if reasons.is_empty() {
        Span::from("dropped none")
    } else {
        let total: u64 = s.dropped.values().sum();
        let text = format!(
            "dropped {} ({}/s): {}",
            thousands(total),
            per_second(rate),
            reasons.join(", ")
        );
        if rate > 0.0 {
            Span::from(text).red().bold()
        } else {
            Span::from(text)
        }
    };
    Paragraph::new(Line::from(vec![
        dropped,
        Span::from(format!(
            "  malformed {}  refused {} messages, {} connections",
            thousands(s.malformed),
            thousands(s.refused),
            thousands(s.refused_connections)
        )),
    ]))
}

fn draw_sparkline(frame: &mut Frame, model: &Model, area: Rect) {
    let inner = area.width.saturating_sub(2) as usize;
    // Newest at the right edge: pad on the left with absent bars.
    let shown = model.history.len().min(inner);
    let data: Vec<Option<u64>> = std::iter::repeat_n(None, inner - shown)
        .chain(
            model
                .history
                .iter()
                .skip(model.history.len() - shown)
                .map(|v| Some(*v)),
        )
        .collect();
    let max = model
        .history
        .iter()
        .rev()
        .take(shown)
        .max()
        .copied()
        .unwrap_or(0);
    let title = format!(
        " requests/s, all services: now {}, max {} in view ",
        model.rates.requests.map_or("-".into(), per_second),
        per_second(max as f64)
    );
    frame.render_widget(
        Sparkline::default()
            .block(Block::bordered().title(title))
            .data(data)
            .absent_value_symbol(" ")
            .style(Style::new().fg(Color::Cyan)),
        area,
    );
}

/// The narrowest trend column worth drawing.
const TREND_MIN: u16 = 12;

/// The fixed columns after the name: header and width.
const COLUMNS: [(&str, u16); 7] = [
    ("REQ/S", 7),
    ("QUEUED", 6),
    ("PEAK", 6),
    ("IDLE", 4),
    ("BUSY", 4),
    ("P99", 7),
    ("DROPPED", 7),
];

fn draw_services(frame: &mut Frame, model: &Model, area: Rect) {
    let services = model.services();
    let names: Vec<String> = services
        .iter()
        .map(|s| render::terminal_safe(s.report.name.as_bytes()))
        .collect();
    let name_width = render::name_width(&names).clamp(7, 32) as u16;
    let fixed: u16 = name_width + COLUMNS.iter().map(|(_, w)| w + 1).sum::<u16>() + 1;
    // The trend takes what is left; on a screen too narrow for a useful one, it goes.
    let trend = match area.width.saturating_sub(fixed) {
        w if w < TREND_MIN => None,
        w => Some(w),
    };
    let header = Row::new(
        std::iter::once(Line::from("SERVICE"))
            .chain(COLUMNS.iter().map(|(h, _)| Line::from(*h).right_aligned()))
            .chain(trend.map(|_| Line::from("REQ/S TREND").right_aligned())),
    )
    .style(Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED));
    let rows = names
        .into_iter()
        .zip(services)
        .map(|(name, s)| service_row(name, s, trend.map(usize::from)));
    let widths = std::iter::once(Constraint::Length(name_width))
        .chain(COLUMNS.iter().map(|(_, w)| Constraint::Length(*w)))
        .chain(trend.map(Constraint::Length));
    let empty = model
        .last
        .as_ref()
        .is_some_and(|(_, s)| s.services.is_empty());
    let title = if empty {
        " services: none yet (no worker or request has named one) ".to_string()
    } else {
        format!(" services: {} ", model.services().len())
    };
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(Block::new().title(Line::from(title).bold())),
        area,
    );
}

fn service_row(name: String, s: &Service, trend: Option<usize>) -> Row<'static> {
    let r = &s.report;
    let p99 = s
        .p99_us
        .map_or("-".to_string(), |us| us_to(us.round() as u64, 1));
    let cells = [
        s.rates.requests.map_or("-".into(), per_second),
        thousands(r.queued as u64),
        thousands(r.queued_peak as u64),
        r.idle.to_string(),
        r.busy.to_string(),
        p99,
        thousands(r.dropped),
    ];
    let style = if s.dropping() {
        Style::new().fg(Color::Red).bold()
    } else if s.behind() {
        Style::new().fg(Color::Yellow)
    } else {
        Style::new()
    };
    Row::new(
        std::iter::once(Line::from(name))
            .chain(cells.into_iter().map(|c| Line::from(c).right_aligned()))
            .chain(trend.map(|width| Line::from(bars(&s.history, width)).fg(Color::Cyan))),
    )
    .style(style)
}

fn footer_line(model: &Model) -> Paragraph<'static> {
    let mut spans = vec![
        Span::from(" q ").reversed(),
        Span::from(" quit  "),
        Span::from(" s ").reversed(),
        Span::from(format!(" sort: {}  ", model.sort.name())),
        Span::from("yellow: queued, no idle worker  red: dropping").dim(),
    ];
    if let Some(note) = &model.note {
        spans.push(Span::from(format!("  {note}")).yellow());
    }
    Paragraph::new(Line::from(spans))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mdp::mmi;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn screen(model: &Model, now: Instant) -> String {
        screen_of(model, now, 120)
    }

    fn screen_of(model: &Model, now: Instant, width: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, 24)).unwrap();
        let info = Source {
            broker: "tcp://127.0.0.1:5555",
            every: Duration::from_secs(1),
        };
        terminal
            .draw(|f| draw(f, model, &info, now))
            .expect("draws");
        let buffer = terminal.backend().buffer();
        let area = buffer.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn stats(uptime_s: f64, requests: u64, dropped: u64) -> mmi::Stats {
        mmi::Stats {
            uptime_s,
            requests,
            replies: requests,
            dropped: [("queue_full".to_string(), dropped)].into(),
            services: vec![mmi::ServiceStats {
                name: "echo".into(),
                requests,
                replies: requests,
                dropped,
                queued: 2,
                queued_peak: 9,
                idle: 0,
                busy: 4,
                latency_us: mmi::Latency {
                    p50: 100,
                    p99: 1_500,
                    max: 9_000,
                },
                latency_count: requests,
                // Every reply between 1 and 2 ms.
                latency_buckets: vec![
                    mmi::Bucket {
                        le_s: 0.001,
                        count: 0,
                    },
                    mmi::Bucket {
                        le_s: 0.002,
                        count: requests,
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn shows_rates_queues_latency_and_drops() {
        let mut model = Model::default();
        let t = Instant::now();
        model.answer(t, "tcp://127.0.0.1:5555", stats(10.0, 1_000, 0));
        model.answer(t, "tcp://127.0.0.1:5555", stats(11.0, 3_500, 4));
        let text = screen(&model, t);
        assert!(text.contains("answering"), "{text}");
        assert!(text.contains("requests 3,500 (2,500/s)"), "{text}");
        assert!(text.contains("dropped 4 (4/s): queue_full 4"), "{text}");
        let row = text.lines().find(|l| l.starts_with("echo")).expect(&text);
        let cells: Vec<&str> = row.split_whitespace().collect();
        // P99 of the last interval: 99% of the way through the (1 ms, 2 ms] bucket.
        assert_eq!(
            cells[..8],
            ["echo", "2,500", "2", "9", "0", "4", "2.0ms", "4"]
        );
        assert!(row.ends_with('█'), "{row}");
    }

    #[test]
    fn says_plainly_when_the_broker_stops_answering() {
        let mut model = Model::default();
        let t = Instant::now();
        model.answer(t, "tcp://127.0.0.1:5555", stats(10.0, 1_000, 0));
        model.silence(t, "no reply".into());
        let text = screen(&model, t + Duration::from_secs(7));
        assert!(
            text.contains("NOT ANSWERING for 7s: no reply (below: the last figures it sent)"),
            "{text}"
        );
        assert!(text.contains("echo"), "{text}");
    }

    #[test]
    fn a_narrow_screen_drops_the_trend_not_the_figures() {
        let mut model = Model::default();
        let t = Instant::now();
        model.answer(t, "tcp://127.0.0.1:5555", stats(10.0, 1_000, 0));
        model.answer(t, "tcp://127.0.0.1:5555", stats(11.0, 3_500, 0));
        let text = screen_of(&model, t, 64);
        assert!(!text.contains("TREND"), "{text}");
        let row = text.lines().find(|l| l.starts_with("echo")).expect(&text);
        assert!(
            row.trim_end().ends_with(" 0"),
            "DROPPED is the last column: {row}"
        );
        assert!(screen(&model, t).contains("REQ/S TREND"));
    }

    #[test]
    fn before_the_first_answer_it_says_what_it_waits_for() {
        let text = screen(&Model::default(), Instant::now());
        assert!(
            text.contains("waiting for the first answer from tcp://127.0.0.1:5555"),
            "{text}"
        );
    }
}
