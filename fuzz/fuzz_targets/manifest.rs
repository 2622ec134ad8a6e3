//! `Manifest::from_json` (record.md §2). A manifest that validates has a
//! ballot shape for every contest, and its canonical JSON reads back to
//! the same manifest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valurna_engine::manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = Manifest::from_json(data) else {
        return;
    };
    for c in &m.contests {
        assert!(
            c.shape().encoded_len().is_ok(),
            "a valid manifest has a contest no ballot can encode"
        );
        let _ = m.contests_of(&c.district);
    }
    assert_eq!(m.preferences().len(), m.contests.len());
    let again = Manifest::from_json(&m.to_json());
    assert_eq!(again.ok().as_ref(), Some(&m), "to_json does not read back");
});
