//! Titanic (9/TSP) without I/O: [`tsp`] is the wire format, [`dispatcher`] the logic that
//! delivers stored requests through the broker.

pub mod dispatcher;
pub mod tsp;
