//! Agent-written text made safe as part of a file name.

/// `text` with every character but ASCII letters, digits, `-`, `_` and `.`
/// replaced by `_`: no path separator, control or invisible character can
/// reach a file name built from it.
pub fn file_name_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_portable_characters_are_kept() {
        assert_eq!(file_name_part("inv-7f3a.c_1"), "inv-7f3a.c_1");
        assert_eq!(file_name_part("../x\u{202e}y/z é"), ".._x_y_z__");
    }
}
