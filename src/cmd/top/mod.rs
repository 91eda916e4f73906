//! `zmqtool top`: a live full-screen view of one broker, from its `mmi.stats` reports.
//!
//! A poller thread asks the broker every `--interval` and sends what came back; the main
//! thread folds it into the [`model::Model`], draws it ([`draw`]) and reads keys. The
//! terminal is restored however the view ends: `q`, Ctrl-C, a signal, an error, a panic.

mod draw;
mod model;

use std::io::{BufWriter, IsTerminal, Stdout};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen};

use super::{logger, stats};
use crate::cli::TopArgs;
use crate::client::{self, CallError};
use crate::mdp::{Frame, mmi};
use crate::runtime::{Exit, Fatal, Shutdown};

/// How often keys and signals are looked at, and the screen redrawn.
const TICK: Duration = Duration::from_millis(200);

pub fn run(args: TopArgs, json: bool) -> Result<Exit> {
    if json {
        return Err(Fatal::error(
            Exit::Usage,
            "top draws on a terminal and has no --json: for scripts, `zmqtool stats --json --watch 1s`",
        ));
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Fatal::error(
            Exit::Usage,
            "top needs a terminal (stdin and stdout); for scripts, `zmqtool stats --watch 1s`",
        ));
    }
    let signals = Shutdown::install()?;
    let opts = args.options()?;
    let source = draw::Source {
        broker: &opts.endpoints.join(","),
        every: args.interval,
    };
    let (polls, answers) = mpsc::channel();
    let stop = Shutdown::manual();
    let poller = {
        let stop = stop.clone();
        thread::Builder::new()
            .name("top-poller".into())
            .spawn(move || poll(opts, args.interval, &polls, &stop))
            .context("cannot start the poller thread")?
    };
    let (notes, noted) = mpsc::channel();
    let diverted = logger::divert(notes);
    let outcome = Screen::enter().and_then(|mut screen| {
        let mut view = View {
            model: model::Model::default(),
            answers,
            noted,
            signals,
        };
        view.run(&mut screen.terminal, &source)
    });
    drop(diverted);
    stop.stop();
    let _ = poller.join();
    outcome
}

/// The terminal in raw mode on the alternate screen, restored when dropped or on a panic.
/// Each frame is written in one piece (a 64 KiB buffer, flushed by every draw), not in the
/// 1 KiB pieces of stdout's own buffer: the terminal never shows half a frame.
struct Screen {
    terminal: Terminal<CrosstermBackend<BufWriter<Stdout>>>,
}

impl Screen {
    fn enter() -> Result<Screen> {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            ratatui::restore();
            hook(info);
        }));
        let entered = terminal::enable_raw_mode()
            .and_then(|()| execute!(std::io::stdout(), EnterAlternateScreen))
            .and_then(|()| {
                let out = BufWriter::with_capacity(1 << 16, std::io::stdout());
                Terminal::new(CrosstermBackend::new(out))
            });
        match entered {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                ratatui::restore();
                Err(e).context("cannot set the terminal up")
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.terminal.show_cursor();
        ratatui::restore();
    }
}

/// What the poller saw.
enum Poll {
    Report {
        endpoint: String,
        stats: mmi::Stats,
    },
    Failed(String),
    /// The broker answered 501: it does not keep statistics.
    NoStats(anyhow::Error),
}

/// Asks for `mmi.stats` every `every` until `stop`; one attempt a poll, and after a failed
/// one the next broker of the list is asked (a Binary Star pair fails over).
fn poll(mut opts: client::Options, every: Duration, to: &mpsc::Sender<Poll>, stop: &Shutdown) {
    opts.retries = 1;
    let ctx = super::context();
    loop {
        let started = Instant::now();
        let endpoint = opts.endpoints[0].clone();
        let outcome = client::call(
            &ctx,
            &opts,
            mmi::STATS,
            vec![Frame::empty()],
            stop,
            &mut |_| {},
        );
        let poll = match outcome {
            Ok(frames) => match stats::parse(&frames) {
                Ok(stats) => Poll::Report { endpoint, stats },
                Err(e) if super::exit_code_of(&e) == Exit::NotImplemented => Poll::NoStats(e),
                Err(e) => Poll::Failed(format!("{e:#}")),
            },
            Err(CallError::Interrupted) => return,
            Err(e) => {
                opts.endpoints.rotate_left(1);
                Poll::Failed(match e {
                    CallError::Timeout { timeout, .. } => format!(
                        "no reply within {} from {endpoint}",
                        humantime::format_duration(timeout)
                    ),
                    other => format!("{endpoint}: {other}"),
                })
            }
        };
        let last = matches!(poll, Poll::NoStats(_));
        if to.send(poll).is_err() || last {
            return;
        }
        if stop.sleep(every.saturating_sub(started.elapsed())) {
            return;
        }
    }
}

/// The running view: the model and where its input comes from.
struct View {
    model: model::Model,
    answers: mpsc::Receiver<Poll>,
    noted: mpsc::Receiver<String>,
    signals: Shutdown,
}

impl View {
    fn run(
        &mut self,
        terminal: &mut Terminal<CrosstermBackend<BufWriter<Stdout>>>,
        source: &draw::Source<'_>,
    ) -> Result<Exit> {
        loop {
            if self.signals.requested() {
                return Ok(self.signals.exit());
            }
            self.take_polls()?;
            if let Some(note) = self.noted.try_iter().last() {
                self.model.note = Some(note);
            }
            terminal
                .draw(|frame| draw::draw(frame, &self.model, source, Instant::now()))
                .context("cannot draw on the terminal")?;
            if let Some(exit) = self.take_keys()? {
                return Ok(exit);
            }
        }
    }

    fn take_polls(&mut self) -> Result<()> {
        for poll in self.answers.try_iter() {
            let now = Instant::now();
            match poll {
                Poll::Report { endpoint, stats } => self.model.answer(now, &endpoint, stats),
                Poll::Failed(why) => self.model.silence(now, why),
                Poll::NoStats(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Waits up to one tick for keys; the exit code when one ends the view.
    fn take_keys(&mut self) -> Result<Option<Exit>> {
        if !event::poll(TICK).context("cannot read the terminal")? {
            return Ok(None);
        }
        let Event::Key(key) = event::read().context("cannot read the terminal")? else {
            return Ok(None); // a resize: the next draw fits the new size
        };
        if key.kind != KeyEventKind::Press {
            return Ok(None);
        }
        Ok(match key.code {
            KeyCode::Char('q') | KeyCode::Esc => Some(Exit::Success),
            // Raw mode turns Ctrl-C into a key: it means what SIGINT means elsewhere.
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Exit::Interrupted)
            }
            KeyCode::Char('s') => {
                self.model.cycle_sort();
                None
            }
            _ => None,
        })
    }
}
