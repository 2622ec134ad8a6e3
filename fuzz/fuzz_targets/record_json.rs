//! The record's other JSON files (record.md §3, §5.5, §7):
//! `parameters.json`, `board_seal.json`, `tally.json`, `decryption.json`
//! (and a trustee's uploaded decryption share) and `result.json`. What
//! decodes strictly re-encodes to the same JSON values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_engine::record::{
    BoardSeal, DecryptionFile, DecryptionShareJson, Parameters, ResultFile, TallyFile,
};

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + core::fmt::Debug>(
    value: &T,
) {
    let bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    let again: Option<T> = serde_json::from_slice(&bytes).ok();
    assert_eq!(
        again.as_ref(),
        Some(value),
        "written JSON reads back otherwise"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    match selector % 6 {
        0 => {
            if let Ok(p) = serde_json::from_slice::<Parameters>(json) {
                let _ = p.joint_key();
                let _ = p.computed_base_hash();
                round_trip(&p);
            }
        }
        1 => {
            if let Ok(s) = serde_json::from_slice::<BoardSeal>(json) {
                let _ = s.seal();
                round_trip(&s);
            }
        }
        2 => {
            if let Ok(t) = serde_json::from_slice::<TallyFile>(json) {
                if let Ok(tally) = t.tally() {
                    assert_eq!(TallyFile::new(&tally), t, "tally decode → encode differs");
                }
                round_trip(&t);
            }
        }
        3 => {
            if let Ok(d) = serde_json::from_slice::<DecryptionFile>(json) {
                if let Ok(shares) = d.shares() {
                    assert_eq!(
                        DecryptionFile::new(&shares),
                        d,
                        "decryption decode → encode differs"
                    );
                }
                round_trip(&d);
            }
        }
        4 => {
            if let Ok(s) = serde_json::from_slice::<DecryptionShareJson>(json) {
                let d = DecryptionFile { shares: vec![s] };
                if let Ok(shares) = d.shares() {
                    assert_eq!(
                        DecryptionFile::new(&shares),
                        d,
                        "share decode → encode differs"
                    );
                }
            }
        }
        _ => {
            if let Ok(r) = serde_json::from_slice::<ResultFile>(json) {
                round_trip(&r);
            }
        }
    }
});
