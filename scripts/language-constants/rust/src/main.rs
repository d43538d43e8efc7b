//! Rust: the `http` crate's `StatusCode` constants. Rust cannot list a type's associated
//! constants at run time, so their names are read from the crate's own source (the
//! `status_codes!` table in status.rs, whose path the caller passes); each is checked against
//! `StatusCode::from_u16` and `canonical_reason`, which give the phrase.
use http::StatusCode;
use std::{env, fs};

fn main() {
    let path = env::args().nth(1).expect("the path of the http crate's src/status.rs");
    let version = env::args().nth(2).expect("the http crate's version, as cargo resolved it");
    let source = fs::read_to_string(&path).expect("status.rs");
    let mut items = Vec::new();
    for line in source.lines() {
        // A table row: (425, TOO_EARLY, "Too Early");
        let row = line.trim();
        if !row.starts_with('(') || !row.ends_with(");") {
            continue;
        }
        let cells: Vec<&str> = row[1..row.len() - 2].splitn(3, ',').map(str::trim).collect();
        if cells.len() != 3 {
            continue;
        }
        let (Ok(code), name) = (cells[0].parse::<u16>(), cells[1]) else { continue };
        let status = StatusCode::from_u16(code).expect("a valid code");
        let phrase = status.canonical_reason().expect("a known code has a canonical reason");
        assert_eq!(format!("\"{}\"", phrase), cells[2], "status.rs and canonical_reason disagree on {}", code);
        items.push(format!(
            "{{\"code\":{},\"symbol\":\"StatusCode::{}\",\"reasonPhrase\":{:?}}}",
            code, name, phrase
        ));
    }
    println!("{{\"version\":\"{}\",\"constants\":[{}]}}", version, items.join(","));
}
