//! Timestamp parsing: every export's forms, UTC offsets, numeric dates and their day/month
//! order.
#![no_main]
use copyexec_core::time::{parse_offset, parse_stamp, DateOrder, Stamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let offset = (i32::from(sel) - 128) * 15;
    let _ = parse_offset(text);
    match parse_stamp(text, offset) {
        Ok(Stamp::Exact { at, .. }) => {
            let shown = at.to_string();
            // What copyexec writes, it reads back to the same instant.
            match parse_stamp(&shown, 0) {
                Ok(Stamp::Exact { at: back, .. }) => assert_eq!(back, at, "{shown}"),
                other => panic!("{shown:?} written, read back as {other:?}"),
            }
        }
        Ok(Stamp::Pending(date)) => {
            for order in [DateOrder::Dmy, DateOrder::Mdy] {
                let _ = date.resolve(order, offset);
            }
        }
        _ => {}
    }
});
