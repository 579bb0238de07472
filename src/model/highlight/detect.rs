//! Guessing a payload's language.

use super::Syntax;

/// How many non-empty lines are looked at when sniffing.
const SNIFF_LINES: usize = 40;

/// Commands that, as the first word, mark a payload as a shell command.
const SHELL_COMMANDS: [&str; 16] = [
    "kubectl",
    "helm",
    "curl",
    "echo",
    "export",
    "sh",
    "bash",
    "set",
    "cd",
    "cat",
    "grep",
    "sudo",
    "systemctl",
    "for",
    "if",
    "while",
];

/// The language of `text`. A `hint` (`yaml`/`yml`, `json`, `diff`,
/// `sh`/`bash`/`shell`, `text`/`plain`, or a media type such as
/// `application/merge-patch+json`) wins when it is recognised; otherwise the
/// text is sniffed: a leading `{` or `[` is JSON; `diff `, `@@ -` or a
/// `--- `/`+++ ` pair of lines is a diff; a `#!` line or a known command is
/// shell; `key: value` lines (or a `---` document start) are YAML; anything
/// else is plain.
pub fn detect_syntax(text: &str, hint: Option<&str>) -> Syntax {
    hint.and_then(syntax_of_hint).unwrap_or_else(|| sniff(text))
}

fn syntax_of_hint(hint: &str) -> Option<Syntax> {
    let hint = hint.trim().to_ascii_lowercase();
    Some(match hint.as_str() {
        "yaml" | "yml" => Syntax::Yaml,
        "json" => Syntax::Json,
        "diff" | "udiff" | "unified-diff" => Syntax::Diff,
        "sh" | "bash" | "shell" | "zsh" => Syntax::Shell,
        "text" | "txt" | "plain" => Syntax::Plain,
        media if media.contains("json") => Syntax::Json,
        media if media.contains("yaml") => Syntax::Yaml,
        _ => return None,
    })
}

fn sniff(text: &str) -> Syntax {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .take(SNIFF_LINES)
        .collect();
    let Some(first) = lines.first().map(|l| l.trim_start()) else {
        return Syntax::Plain;
    };
    if first.starts_with("#!") {
        return Syntax::Shell;
    }
    let first_code = lines
        .iter()
        .map(|l| l.trim_start())
        .find(|l| !l.starts_with('#'))
        .unwrap_or(first);
    if first_code.starts_with('{') || first_code.starts_with('[') {
        return Syntax::Json;
    }
    if is_diff(&lines) {
        return Syntax::Diff;
    }
    if is_shell(first_code) {
        return Syntax::Shell;
    }
    if first_code == "---" || lines.iter().any(|l| is_yaml_line(l)) {
        return Syntax::Yaml;
    }
    Syntax::Plain
}

fn is_diff(lines: &[&str]) -> bool {
    lines
        .iter()
        .any(|l| l.starts_with("diff ") || (l.starts_with("@@ -") && l[3..].contains(" @@")))
        || lines
            .windows(2)
            .any(|pair| pair[0].starts_with("--- ") && pair[1].starts_with("+++ "))
}

fn is_shell(first_code: &str) -> bool {
    if first_code.starts_with("$ ") {
        return true;
    }
    let mut words = first_code.split_whitespace();
    match (words.next(), words.next()) {
        (Some(command), Some(_)) => SHELL_COMMANDS.contains(&command),
        _ => false,
    }
}

/// `key: value`, `key:` or `- key: value`, with a plain or quoted key.
fn is_yaml_line(line: &str) -> bool {
    let body = line.trim_start();
    let body = body.strip_prefix("- ").unwrap_or(body);
    let Some(colon) = body.find(':') else {
        return false;
    };
    let (key, rest) = body.split_at(colon);
    let after = &rest[1..];
    let key_ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '"' | '\'' | ' '))
        && !key.starts_with(' ');
    key_ok && (after.is_empty() || after.starts_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_win_over_content() {
        assert_eq!(detect_syntax("{}", Some("yaml")), Syntax::Yaml);
        assert_eq!(detect_syntax("a: 1", Some("JSON")), Syntax::Json);
        assert_eq!(
            detect_syntax("x", Some("application/merge-patch+json")),
            Syntax::Json
        );
        assert_eq!(detect_syntax("x", Some("sh")), Syntax::Shell);
        assert_eq!(detect_syntax("a: 1", Some("diff")), Syntax::Diff);
        assert_eq!(detect_syntax("a: 1", Some("text")), Syntax::Plain);
    }

    #[test]
    fn unknown_hints_fall_back_to_sniffing() {
        assert_eq!(detect_syntax("a: 1", Some("cobol")), Syntax::Yaml);
    }

    #[test]
    fn content_is_sniffed() {
        assert_eq!(detect_syntax("  {\"spec\": {}}", None), Syntax::Json);
        assert_eq!(detect_syntax("[{\"op\": \"add\"}]", None), Syntax::Json);
        assert_eq!(
            detect_syntax(
                "--- a/deploy.yaml\n+++ b/deploy.yaml\n@@ -1 +1 @@\n-a\n+b\n",
                None
            ),
            Syntax::Diff
        );
        assert_eq!(
            detect_syntax("@@ -3,7 +3,7 @@\n-  replicas: 2\n+  replicas: 4", None),
            Syntax::Diff
        );
        assert_eq!(
            detect_syntax("---\napiVersion: v1\nkind: Pod\n", None),
            Syntax::Yaml
        );
        assert_eq!(detect_syntax("spec:\n  replicas: 3\n", None), Syntax::Yaml);
        assert_eq!(detect_syntax("# scale up\n- op: add\n", None), Syntax::Yaml);
        assert_eq!(
            detect_syntax("#!/bin/sh\nkubectl get pods", None),
            Syntax::Shell
        );
        assert_eq!(
            detect_syntax("kubectl rollout restart deploy/api -n shop", None),
            Syntax::Shell
        );
        assert_eq!(
            detect_syntax("Restart the pods, then watch: it should settle.", None),
            Syntax::Plain
        );
        assert_eq!(detect_syntax("", None), Syntax::Plain);
    }
}
