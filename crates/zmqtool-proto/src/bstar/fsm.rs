//! The Binary Star state machine (zguide ch. 4, `bstar.c`), with no I/O: peer states and
//! client requests in, transitions and verdicts out.
//!
//! ```text
//! state    event            peer silent for 2 heartbeats?   result
//! PRIMARY  PEER_BACKUP      -                               -> ACTIVE
//! PRIMARY  PEER_ACTIVE      -                               -> PASSIVE
//! PRIMARY  CLIENT_REQUEST   yes                             -> ACTIVE, served
//! PRIMARY  CLIENT_REQUEST   no                              rejected
//! BACKUP   PEER_ACTIVE      -                               -> PASSIVE
//! BACKUP   CLIENT_REQUEST   -                               rejected
//! ACTIVE   PEER_ACTIVE      -                               fatal: dual actives
//! ACTIVE   CLIENT_REQUEST   -                               served
//! PASSIVE  PEER_PRIMARY     -                               -> ACTIVE (the peer restarted)
//! PASSIVE  PEER_BACKUP      -                               -> ACTIVE (the peer restarted)
//! PASSIVE  PEER_PASSIVE     -                               fatal: dual passives
//! PASSIVE  CLIENT_REQUEST   yes                             -> ACTIVE, served (failover)
//! PASSIVE  CLIENT_REQUEST   no                              rejected
//! (any other pair: no change, accepted)
//! ```
//!
//! The restart race: the reference `bstarsrv.c` serves clients in PRIMARY without checking
//! its peer, so a primary restarted while the backup is active answers a client that retries
//! before the backup's state reaches it (two actives). Here the peer counts as alive for two
//! heartbeats from start-up, as if it had just been heard, so a server that has just started
//! serves no client before it has had time to hear a live peer.

use std::fmt;
use std::time::{Duration, Instant};

/// A Binary Star server's state, numbered as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Primary = 1,
    Backup = 2,
    Active = 3,
    Passive = 4,
}

impl State {
    pub const ALL: [State; 4] = [State::Primary, State::Backup, State::Active, State::Passive];

    /// The state message: one frame, the state number in decimal ASCII.
    pub fn to_frame(self) -> Vec<u8> {
        (self as u8).to_string().into_bytes()
    }

    /// Reads a peer's state message.
    pub fn parse(frame: &[u8]) -> Option<State> {
        match frame {
            b"1" => Some(State::Primary),
            b"2" => Some(State::Backup),
            b"3" => Some(State::Active),
            b"4" => Some(State::Passive),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Primary => "primary",
            State::Backup => "backup",
            State::Active => "active",
            State::Passive => "passive",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the machine takes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The peer published this state.
    Peer(State),
    /// A client (or worker) sent something to our frontend.
    ClientRequest,
}

/// The two split-brain cases: the pair is misconfigured or the network is partitioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Fatal {
    #[error("dual actives: this server and its peer are both active (split brain)")]
    DualActives,
    #[error("dual passives: this server and its peer are both passive")]
    DualPassives,
    #[error("dual primaries: this server and its peer were both started with --primary")]
    DualPrimaries,
    #[error("dual backups: this server and its peer were both started with --backup")]
    DualBackups,
}

/// The verdict on one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted (for a client request: serve it). `Some` when the state changed.
    Accepted(Option<State>),
    /// A client request that must not be served: drop it, so the client fails over.
    Rejected,
}

/// One server of a Binary Star pair.
#[derive(Debug, Clone)]
pub struct Fsm {
    state: State,
    heartbeat: Duration,
    /// The peer counts as dead from this instant on.
    peer_expiry: Instant,
}

impl Fsm {
    /// A server starting now as primary (`true`) or backup.
    pub fn new(primary: bool, heartbeat: Duration, now: Instant) -> Fsm {
        Fsm {
            state: if primary {
                State::Primary
            } else {
                State::Backup
            },
            heartbeat,
            peer_expiry: now + heartbeat * 2,
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// True when the peer has been silent for two heartbeats (or, at start-up, for two
    /// heartbeats since we started).
    pub fn peer_expired(&self, now: Instant) -> bool {
        now >= self.peer_expiry
    }

    /// Takes one event; an error means the pair is in split brain and this server must stop.
    pub fn on(&mut self, now: Instant, event: Event) -> Result<Verdict, Fatal> {
        if let Event::Peer(_) = event {
            // Heard from the peer: it is alive for two more heartbeats (before the
            // transition, as bstar.c does, so a restarted peer is not judged dead).
            self.peer_expiry = now + self.heartbeat * 2;
        }
        let expired = self.peer_expired(now);
        use Event::{ClientRequest, Peer};
        use State::{Active, Backup, Passive, Primary};
        let next = match (self.state, event) {
            (Primary, Peer(Primary)) => return Err(Fatal::DualPrimaries),
            (Backup, Peer(Backup)) => return Err(Fatal::DualBackups),
            (Primary, Peer(Backup)) => Some(Active),
            (Primary, Peer(Active)) => Some(Passive),
            (Primary, ClientRequest) if expired => Some(Active),
            (Primary, ClientRequest) => return Ok(Verdict::Rejected),
            (Backup, Peer(Active)) => Some(Passive),
            (Backup, ClientRequest) => return Ok(Verdict::Rejected),
            (Active, Peer(Active)) => return Err(Fatal::DualActives),
            (Passive, Peer(Primary)) | (Passive, Peer(Backup)) => Some(Active),
            (Passive, Peer(Passive)) => return Err(Fatal::DualPassives),
            (Passive, ClientRequest) if expired => Some(Active),
            (Passive, ClientRequest) => return Ok(Verdict::Rejected),
            _ => None,
        };
        if let Some(state) = next {
            self.state = state;
        }
        Ok(Verdict::Accepted(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Event::{ClientRequest, Peer};
    use State::{Active, Backup, Passive, Primary};

    const HB: Duration = Duration::from_secs(1);

    /// A machine in `state` whose peer is alive (heard just now) or expired.
    fn machine(state: State, peer_alive: bool) -> (Fsm, Instant) {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(true, HB, t0);
        fsm.state = state;
        let now = if peer_alive { t0 } else { t0 + HB * 2 };
        (fsm, now)
    }

    /// The whole table: every state, every event, peer alive or expired.
    #[test]
    fn every_transition_is_as_in_the_guide() {
        type Expect = Result<(Verdict, State), Fatal>;
        let accepted = |s: State| -> Expect { Ok((Verdict::Accepted(Some(s)), s)) };
        let same = |s: State| -> Expect { Ok((Verdict::Accepted(None), s)) };
        let rejected = |s: State| -> Expect { Ok((Verdict::Rejected, s)) };
        for peer_alive in [true, false] {
            let cases: Vec<(State, Event, Expect)> = vec![
                (Primary, Peer(Primary), Err(Fatal::DualPrimaries)),
                (Primary, Peer(Backup), accepted(Active)),
                (Primary, Peer(Active), accepted(Passive)),
                (Primary, Peer(Passive), same(Primary)),
                (
                    Primary,
                    ClientRequest,
                    if peer_alive {
                        rejected(Primary)
                    } else {
                        accepted(Active)
                    },
                ),
                (Backup, Peer(Primary), same(Backup)),
                (Backup, Peer(Backup), Err(Fatal::DualBackups)),
                (Backup, Peer(Active), accepted(Passive)),
                (Backup, Peer(Passive), same(Backup)),
                (Backup, ClientRequest, rejected(Backup)),
                (Active, Peer(Primary), same(Active)),
                (Active, Peer(Backup), same(Active)),
                (Active, Peer(Active), Err(Fatal::DualActives)),
                (Active, Peer(Passive), same(Active)),
                (Active, ClientRequest, same(Active)),
                (Passive, Peer(Primary), accepted(Active)),
                (Passive, Peer(Backup), accepted(Active)),
                (Passive, Peer(Active), same(Passive)),
                (Passive, Peer(Passive), Err(Fatal::DualPassives)),
                (
                    Passive,
                    ClientRequest,
                    if peer_alive {
                        rejected(Passive)
                    } else {
                        accepted(Active)
                    },
                ),
            ];
            assert_eq!(cases.len(), State::ALL.len() * 5);
            for (state, event, expect) in cases {
                let (mut fsm, now) = machine(state, peer_alive);
                let got = fsm.on(now, event).map(|v| (v, fsm.state()));
                assert_eq!(
                    got, expect,
                    "{state:?} + {event:?}, peer alive: {peer_alive}"
                );
            }
        }
    }

    #[test]
    fn state_messages_are_one_decimal_digit() {
        for s in State::ALL {
            assert_eq!(State::parse(&s.to_frame()), Some(s));
        }
        assert_eq!(Active.to_frame(), b"3");
        assert_eq!(State::parse(b"5"), None);
        assert_eq!(State::parse(b"33"), None);
        assert_eq!(State::parse(b""), None);
    }

    #[test]
    fn a_peer_message_keeps_the_peer_alive_for_two_heartbeats() {
        let t0 = Instant::now();
        let mut fsm = Fsm::new(false, HB, t0);
        fsm.on(t0 + HB * 3, Peer(Active)).unwrap();
        assert_eq!(fsm.state(), Passive);
        let later = t0 + HB * 3 + HB * 2 - Duration::from_millis(1);
        assert_eq!(fsm.on(later, ClientRequest), Ok(Verdict::Rejected));
        let expired = t0 + HB * 5;
        assert_eq!(
            fsm.on(expired, ClientRequest),
            Ok(Verdict::Accepted(Some(Active)))
        );
    }

    #[test]
    fn failover_needs_both_a_client_and_a_silent_peer() {
        let t0 = Instant::now();
        let mut backup = Fsm::new(false, HB, t0);
        backup.on(t0, Peer(Active)).unwrap();
        // The primary dies at t0. Silence alone changes nothing...
        assert_eq!(backup.state(), Passive);
        // ...a client before two heartbeats is refused...
        assert_eq!(backup.on(t0 + HB, ClientRequest), Ok(Verdict::Rejected));
        // ...and after two heartbeats a client makes the backup active.
        assert_eq!(
            backup.on(t0 + HB * 2, ClientRequest),
            Ok(Verdict::Accepted(Some(Active)))
        );
        // The only way out of active is death: a restarted primary becomes passive.
        assert_eq!(
            backup.on(t0 + HB * 9, Peer(Primary)),
            Ok(Verdict::Accepted(None))
        );
        assert_eq!(backup.state(), Active);
    }

    /// The reference bstarsrv.c: PRIMARY serves client requests without looking at its peer.
    struct Naive {
        state: State,
    }

    impl Naive {
        fn on(&mut self, event: Event) -> Result<Verdict, Fatal> {
            match (self.state, event) {
                (Primary, ClientRequest) => Ok(Verdict::Accepted(None)),
                (Primary, Peer(Active)) => {
                    self.state = Passive;
                    Ok(Verdict::Accepted(Some(Passive)))
                }
                _ => Ok(Verdict::Accepted(None)),
            }
        }
    }

    /// The reference's restart race: the backup is active; the primary restarts and a
    /// client retries 100 ms later, before the backup's state (published every heartbeat,
    /// and delayed by the SUB's connect) has reached it. The primary must not serve.
    #[test]
    fn a_restarted_primary_serves_no_client_before_it_can_have_heard_its_peer() {
        let restart = Instant::now();
        let client_retry = restart + Duration::from_millis(100);
        let backup_heard = restart + Duration::from_millis(900);

        let mut naive = Naive { state: Primary };
        assert_eq!(
            naive.on(ClientRequest),
            Ok(Verdict::Accepted(None)),
            "the naive primary serves while the backup is active: two actives"
        );

        let mut ours = Fsm::new(true, HB, restart);
        assert_eq!(ours.on(client_retry, ClientRequest), Ok(Verdict::Rejected));
        assert_eq!(
            ours.on(backup_heard, Peer(Active)),
            Ok(Verdict::Accepted(Some(Passive)))
        );
        assert_eq!(ours.on(backup_heard, ClientRequest), Ok(Verdict::Rejected));
    }

    #[test]
    fn a_lone_primary_goes_active_once_its_peer_could_have_spoken() {
        let t0 = Instant::now();
        let mut primary = Fsm::new(true, HB, t0);
        assert_eq!(primary.on(t0 + HB, ClientRequest), Ok(Verdict::Rejected));
        assert_eq!(
            primary.on(t0 + HB * 2, ClientRequest),
            Ok(Verdict::Accepted(Some(Active)))
        );
    }
}
