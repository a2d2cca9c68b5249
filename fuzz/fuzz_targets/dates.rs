//! RFC 5322 dates (`sort date`, threads, the JSON listing) and From_ line
//! dates: arbitrary text never panics; a parsed date has a sane zone, its
//! RFC 3339 form exists and, written back as an RFC 5322 date in UTC,
//! parses to the same instant.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mailx::read::date::{envelope_instant, instant, rfc5322_to_rfc3339};

fuzz_target!(|data: &[u8]| {
    let _ = envelope_instant(data);
    let text = String::from_utf8_lossy(data);
    let Some((t, off)) = instant(&text) else {
        assert!(rfc5322_to_rfc3339(&text).is_none());
        return;
    };
    assert!(off.abs() < 100 * 3600, "{text:?}: offset {off}");
    let iso = rfc5322_to_rfc3339(&text).expect("an instant has an RFC 3339 form");
    // 2026-12-05T20:50:57Z → 5 Dec 2026 20:50:57 +0000
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month: usize = iso[5..7].parse().unwrap();
    let again = format!(
        "{} {} {} {} +0000",
        &iso[8..10],
        MONTHS[month - 1],
        &iso[0..4],
        &iso[11..19]
    );
    assert_eq!(instant(&again).map(|x| x.0), Some(t), "{text:?} → {iso} → {again}");
});
