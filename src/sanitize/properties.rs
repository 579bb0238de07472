//! Property tests: whatever an agent prints, nothing that reaches the terminal
//! can control it.

use super::{Redactor, clean, has_invisible, reveal_invisible, sanitize};
use proptest::prelude::*;
use std::borrow::Cow;

/// Fragments that build escape sequences, broken ones included.
fn hostile_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\x1b".to_string()),
        Just("\x1b[".to_string()),
        Just("\x1b]".to_string()),
        Just("\x1bP".to_string()),
        Just("\x1b_".to_string()),
        Just("\x1b\\".to_string()),
        Just("\x07".to_string()),
        Just("\u{9b}".to_string()),
        Just("\u{9c}".to_string()),
        Just("\u{9d}".to_string()),
        Just("\u{90}".to_string()),
        Just("\u{85}".to_string()),
        Just("\u{7f}".to_string()),
        Just("\t".to_string()),
        Just("\r\n".to_string()),
        Just("\u{2028}".to_string()),
        Just("52;c;SGVsbG8=".to_string()),
        Just("0;title".to_string()),
        Just("2J".to_string()),
        Just(";".to_string()),
        Just("(".to_string()),
        Just("#".to_string()),
        "[0-9]{1,3}",
        "[ -~]{0,4}",
        any::<char>().prop_map(String::from),
        (0u32..0x20).prop_map(|c| char::from_u32(c).map(String::from).unwrap_or_default()),
    ]
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_fragment(), 0..48).prop_map(|parts| parts.concat())
}

/// Text with secrets and the keys around them, mixed with noise.
fn secretive_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("password=".to_string()),
        Just("token: ".to_string()),
        Just("\"secret\": \"".to_string()),
        Just("Authorization: Bearer ".to_string()),
        Just("bearer ".to_string()),
        Just("hvs.".to_string()),
        Just("s.".to_string()),
        Just("eyJ".to_string()),
        Just(".".to_string()),
        Just("AKIA".to_string()),
        Just("ghp_".to_string()),
        Just("https://u:".to_string()),
        Just("@".to_string()),
        Just("-----BEGIN RSA PRIVATE KEY-----".to_string()),
        Just("-----END RSA PRIVATE KEY-----".to_string()),
        Just("[REDACTED:x]".to_string()),
        "[A-Za-z0-9]{1,40}",
        "[ -~]{0,6}",
        hostile_fragment(),
    ];
    prop::collection::vec(fragment, 0..24).prop_map(|parts| parts.concat())
}

fn is_terminal_safe(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sanitize_output_has_no_controls(input in any::<String>()) {
        prop_assert!(is_terminal_safe(&sanitize(&input)));
    }

    #[test]
    fn sanitize_output_has_no_controls_for_escape_heavy_text(input in hostile_text()) {
        let out = sanitize(&input);
        prop_assert!(is_terminal_safe(&out), "{:?} -> {:?}", input, out);
    }

    #[test]
    fn sanitize_is_idempotent(input in prop_oneof![any::<String>(), hostile_text()]) {
        let once = sanitize(&input).into_owned();
        let twice = sanitize(&once);
        prop_assert_eq!(&once, &twice);
        prop_assert!(matches!(twice, Cow::Borrowed(_)));
    }

    #[test]
    fn printable_ascii_passes_unchanged(input in "[ -~]*") {
        let out = sanitize(&input);
        prop_assert!(matches!(out, Cow::Borrowed(_)));
        prop_assert_eq!(out, input.as_str());
    }

    #[test]
    fn clean_output_has_no_controls(input in prop_oneof![any::<String>(), hostile_text(), secretive_text()]) {
        let redactor = Redactor::default();
        let out = clean(&input, &redactor);
        prop_assert!(is_terminal_safe(&out), "{:?} -> {:?}", input, out);
    }

    #[test]
    fn redaction_is_idempotent(input in secretive_text()) {
        let redactor = Redactor::default();
        let once = clean(&input, &redactor);
        let twice = redactor.redact(&once);
        prop_assert_eq!(&once, &twice);
    }

    #[test]
    fn revealed_text_has_nothing_invisible_left(input in any::<String>()) {
        prop_assert!(!has_invisible(&reveal_invisible(&input)));
    }
}

#[test]
fn clean_strips_escapes_before_redacting() {
    let redactor = Redactor::default();
    // An escape splitting a token must not hide it from redaction.
    let line = "\x1b[31mAKIA\x1b[0mIOSFODNN7EXAMPLE password=\x1b]0;x\x07hunter2";
    assert_eq!(
        clean(line, &redactor),
        "[REDACTED:aws-access-key] password=[REDACTED:password]"
    );
}

#[test]
fn review_text_shows_a_bidi_override_in_a_kubectl_command() {
    let redactor = Redactor::default();
    let hostile = "\x1b[32mkubectl -n payments delete pod \u{202e}0-ipa-stnemyap\u{202c}\x1b[0m";
    assert_eq!(
        reveal_invisible(&clean(hostile, &redactor)),
        "kubectl -n payments delete pod ⟨U+202E⟩0-ipa-stnemyap⟨U+202C⟩"
    );
}
