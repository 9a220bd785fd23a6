//! Custom hooks.

pub mod use_worker;
