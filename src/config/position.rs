//! Where in a TOML document a parse error is.

/// The 1-based line and column (in characters) of `error` in `text`; (1, 1)
/// when the error has no position.
pub(crate) fn toml_position(text: &str, error: &toml::de::Error) -> (usize, usize) {
    let offset = error.span().map_or(0, |span| span.start).min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_points_at_the_bad_token() {
        let text = "a = 1\nb = = 2\n";
        let error = toml::from_str::<toml::Table>(text).expect_err("bad toml");
        let (line, column) = toml_position(text, &error);
        assert_eq!(line, 2);
        assert!(column >= 4, "column {column}");
    }
}
