//! Clients without I/O: [`slot`] is the Lazy Pirate request slot (attempts, timeouts, head
//! start, failover and spread over a broker list), driven by events and `now`.

pub mod slot;
