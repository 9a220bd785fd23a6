//! Choosing the day/month order after reading gives the results of reading again with that
//! order asked for, without reading again.

mod common;
use common::*;
use copyexec_core::load::{LoadOptions, Loaded, Part};
use copyexec_core::schema::Table;
use copyexec_core::time::DateOrder;
use copyexec_core::{Dataset, Engine, Settings};

/// A date both orders can read: `03/11/2024` is 11 March month first, 3 November day first.
fn numeric(second: i64, day_first_reading: bool) -> String {
    let (a, b) = if day_first_reading {
        ("11", "03")
    } else {
        ("03", "11")
    };
    format!("{a}/{b}/2024 08:{:02}:{:02}", second / 60, second % 60)
}

/// ISO time on 11 March or 3 November 2024, 08:00 plus `second`.
fn iso(second: i64, november: bool) -> String {
    let day = if november { "11-03" } else { "03-11" };
    format!("2024-{day}T08:{:02}:{:02}Z", second / 60, second % 60)
}

/// Four tables where rows of numeric dates lie between ISO-dated ones: chains form on some
/// devices read month first, on others read day first.
fn exports(seed: u64, extra_net: &str) -> Vec<(&'static str, String)> {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    let (mut n, mut l, mut f, mut p) = (vec![], vec![], vec![], vec![]);
    for dev in 0..40 {
        let d = format!("d{dev}");
        let ip = format!("10.0.0.{}", dev % 7);
        let path = format!(r"C:\Windows\t{}.exe", dev % 5);
        let base = (next() % 50) as i64;
        // Each row's time: numeric (either reading) or ISO on either day.
        let mut stamp = |s: i64| match next() % 3 {
            0 => numeric(s, false),
            1 => iso(s, false),
            _ => iso(s, next() % 2 == 0),
        };
        let row = |t: String, rest: String| format!("{t},{rest}");
        n.push(row(
            stamp(base),
            format!("{d},h{d},InboundConnectionAccepted,{ip},50123,10.0.0.9,445,Tcp"),
        ));
        l.push(row(
            stamp(base + 1),
            format!("{d},h{d},LogonSuccess,Network,corp,adm,S-1,NTLM,true,9,pc,{ip},0"),
        ));
        f.push(row(
            stamp(base + 2),
            format!("{d},h{d},FileCreated,t.exe,{path},s1,s256,m5,System,,ADMIN$"),
        ));
        p.push(row(
            stamp(base + 3),
            format!("{d},h{d},ProcessCreated,t.exe,{path},t.exe,4242,SYSTEM,7,Kerberos"),
        ));
    }
    let mut net = csv(NET, &n);
    net.push_str(extra_net);
    vec![
        ("net.csv", net),
        ("logons.csv", csv(LOGON, &l)),
        ("files.csv", csv(FILE, &f)),
        ("procs.csv", csv(PROC, &p)),
    ]
}

fn document(d: Dataset, choose: Option<DateOrder>) -> String {
    let settings = Settings {
        near_misses: true,
        ..Default::default()
    };
    let mut engine = Engine::new(d, settings);
    if let Some(order) = choose {
        assert!(
            engine.decide_dates(order),
            "some stream waits for the order"
        );
        assert_eq!(engine.data().undecided_streams(), 0);
    }
    serde_json::to_string_pretty(&engine.document()).unwrap()
}

/// A document read with `order` asked for, worded as one whose order was chosen after.
fn read_with(files: &[(&str, String)], order: DateOrder) -> String {
    let opts = LoadOptions {
        date_order: order,
        ..Default::default()
    };
    document(load_with(files, opts), None)
        .replace("(as requested)", "(chosen after reading)")
        .replace(
            &format!("\"date_order\": \"{}\"", name(order)),
            "\"date_order\": \"auto\"",
        )
}

/// Two documents equal, or the first line where they differ.
fn same(a: &str, b: &str, what: &str) {
    if let Some((i, (x, y))) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        panic!("{what}: line {}: {x:?} != {y:?}", i + 1);
    }
    assert_eq!(a.lines().count(), b.lines().count(), "{what}");
}

fn name(order: DateOrder) -> &'static str {
    match order {
        DateOrder::Dmy => "dmy",
        DateOrder::Mdy => "mdy",
        DateOrder::Auto => "auto",
    }
}

#[test]
fn choosing_after_reading_equals_reading_again() {
    for seed in 1..=12 {
        let files = exports(seed, "");
        let undecided = load(&files);
        assert!(undecided.undecided_streams() > 0, "seed {seed}");
        for order in [DateOrder::Mdy, DateOrder::Dmy] {
            let chosen = document(load(&files), Some(order));
            let again = read_with(&files, order);
            same(&chosen, &again, &format!("seed {seed}, {order:?}"));
            assert!(chosen.contains("chosen after reading"));
        }
        // Both orders make chains here, and different ones: the choice matters.
        let rows = |order| {
            let mut d = load(&files);
            d.decide_dates(order);
            row_lines(&d, 5)
        };
        let (mdy, dmy) = (rows(DateOrder::Mdy), rows(DateOrder::Dmy));
        assert_ne!(mdy, dmy, "seed {seed}");
    }
}

#[test]
fn choosing_after_reading_in_parallel_parts_equals_reading_again() {
    let files = exports(7, "");
    let parts = files
        .iter()
        // As the app's workers send them: the rows set aside cross as bytes too.
        .map(|(name, text)| Part::from_bytes(&part_of(name, text.as_bytes()).to_bytes()).unwrap())
        .collect();
    let merged = Dataset::new(Loaded::from_parts(parts));
    same(
        &document(merged, Some(DateOrder::Dmy)),
        &read_with(&files, DateOrder::Dmy),
        "parts",
    );
}

#[test]
fn a_contradictory_file_counts_the_dates_the_choice_cannot_read() {
    // 13/03 reads only day first, 03/13 only month first: the file cannot tell.
    let extra = "\"13/03/2024 08:00:00\",d90,h,InboundConnectionAccepted,10.0.0.1,1,x,445,Tcp\n\
                 \"03/13/2024 08:00:00\",d91,h,InboundConnectionAccepted,10.0.0.1,1,x,445,Tcp\n";
    let files = exports(3, extra);
    let d = load(&files);
    let net = &d.reports()[0];
    assert!(net.timestamps.date_choice.is_some());
    assert!(net.read_failed());
    let waiting = net.tables[&Table::DeviceNetworkEvents].skipped["day/month order unknown"];
    let chosen = document(load(&files), Some(DateOrder::Dmy));
    same(&chosen, &read_with(&files, DateOrder::Dmy), "contradictory");
    let mut d = load(&files);
    d.decide_dates(DateOrder::Dmy);
    let net = &d.reports()[0];
    let stats = &net.tables[&Table::DeviceNetworkEvents];
    assert_eq!(
        stats.skipped["date does not exist in the file's day/month order"],
        1
    );
    assert!(!stats.skipped.contains_key("day/month order unknown"));
    assert_eq!(stats.used + 1, stats.read);
    assert!(waiting > 1);
    assert!(!net.read_failed(), "the order is no longer unknown");
    assert_eq!(net.timestamps.date_choice, None);
}

#[test]
fn a_file_that_told_its_order_keeps_it() {
    // logons.csv proves day first; the others cannot tell.
    let mut files = exports(5, "");
    files[1]
        .1
        .push_str("\"13/03/2024 08:00:00\",d99,h,LogonSuccess,Network,c,a,S,N,t,9,p,1.1.1.1,0\n");
    let mut d = load(&files);
    let before = d.reports()[1].timestamps.date_order.clone().unwrap();
    assert!(before.starts_with("day first (inferred"), "{before}");
    d.decide_dates(DateOrder::Mdy);
    assert_eq!(
        d.reports()[1].timestamps.date_order.as_deref(),
        Some(before.as_str())
    );
    assert_eq!(
        d.reports()[0].timestamps.date_order.as_deref(),
        Some("month first (chosen after reading)")
    );
    assert_eq!(d.undecided_streams(), 0);
    // Choosing again changes nothing: nothing waits any more.
    let rows = row_lines(&d, 5);
    assert_eq!(d.decide_dates(DateOrder::Dmy), 0);
    assert_eq!(row_lines(&d, 5), rows);
}
