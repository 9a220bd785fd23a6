//! Data sets for copyexec's benchmarks and scale tests.
#![deny(missing_docs)]

pub mod fleet;
