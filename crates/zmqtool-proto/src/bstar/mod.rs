//! Binary Star (zguide ch. 4) without I/O: [`fsm`] is the primary/backup state machine.

pub mod fsm;
