//! Custom hooks.

pub mod readers;
pub mod use_worker;
