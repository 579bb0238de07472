//! The Markdown transcript, for a post-mortem document. Free text goes only
//! into code fences longer than any backtick run it holds, or into table
//! cells with markup characters escaped: nothing an agent wrote becomes markup.

use super::event_text::{kind_name, text, usage_total};
use super::model::Transcript;
use super::readable;
use crate::domain::canonical::CanonicalAction;
use crate::domain::{ActionProposal, Decision, ProposedAction};
use jiff::Timestamp;
use std::fmt::Write as _;

/// The whole transcript as Markdown.
pub(super) fn render(t: &Transcript) -> String {
    let mut out = String::new();
    let inv = &t.investigation;
    let _ = writeln!(out, "# Investigation {}\n", cell(&inv.id));
    let mut facts = vec![
        ("namespace", inv.namespace.to_string()),
        ("job", inv.job_name.to_string()),
        ("target namespace", inv.target_namespace.to_string()),
        ("trigger", inv.trigger.to_string()),
        ("severity", inv.severity.to_string()),
        ("state", inv.state.to_string()),
        ("started", time(inv.started)),
        ("finished", time(t.outcome.finished)),
        (
            "investigation identity (Vault accessor)",
            inv.vault_accessor.as_deref().unwrap_or("none").to_owned(),
        ),
    ];
    facts.extend(t.marks.iter().map(|(k, v)| (k.as_str(), v.clone())));
    facts.push(("gathered", time(Some(t.gathered_at))));
    if let Some(server) = &t.server {
        facts.push(("server", server.clone()));
    }
    table(
        &mut out,
        &["", ""],
        facts.iter().map(|(k, v)| vec![k.to_string(), v.clone()]),
    );
    outcome(&mut out, t);
    reasoning(&mut out, t);
    let _ = writeln!(out, "## Proposals ({})\n", t.proposals.len());
    if t.proposals.is_empty() {
        out.push_str("The agent proposed no action.\n\n");
    }
    for proposal in &t.proposals {
        proposal_section(&mut out, proposal);
    }
    audit(&mut out, t);
    events(&mut out, t);
    out
}

fn outcome(out: &mut String, t: &Transcript) {
    out.push_str("## Outcome\n\n");
    if t.outcome.conditions.is_empty() {
        let _ = writeln!(
            out,
            "No condition yet: the Job is {}.\n",
            cell(&t.investigation.state.to_string())
        );
        return;
    }
    table(
        out,
        &["condition", "reason", "message"],
        t.outcome
            .conditions
            .iter()
            .map(|(kind, reason, message)| vec![kind.clone(), reason.clone(), message.clone()]),
    );
}

fn reasoning(out: &mut String, t: &Transcript) {
    let log = &t.reasoning;
    let _ = writeln!(out, "## Reasoning ({} events)\n", log.events.len());
    if let Some(pod) = &log.pod {
        let _ = writeln!(out, "Read from pod {}.\n", cell(pod));
    }
    if let Some(why) = &log.unavailable {
        let _ = writeln!(out, "The log is not available: {}.\n", cell(why));
    }
    if let Some((input, output, cost)) = usage_total(&log.events) {
        let _ = writeln!(out, "Usage: {input} tokens in, {output} out, ${cost:.4}.\n");
    }
    if log.events.is_empty() {
        return;
    }
    let lines: Vec<String> = log
        .events
        .iter()
        .map(|event| {
            let at = event
                .ts
                .map(|ts| ts.strftime("%H:%M:%S").to_string())
                .unwrap_or_else(|| "--:--:--".into());
            format!("{at} {:<11} {}", kind_name(event), readable(&text(event)))
        })
        .collect();
    fenced(out, "text", &lines.join("\n"));
}

fn proposal_section(out: &mut String, proposal: &ActionProposal) {
    let spec = &proposal.spec;
    let status = proposal.status.clone().unwrap_or_default();
    let _ = writeln!(
        out,
        "### {}\n",
        cell(&kube::ResourceExt::name_any(proposal))
    );
    let mut facts = vec![
        ("summary", spec.summary.clone()),
        ("rationale", spec.rationale.clone()),
        ("risk", spec.risk.to_string()),
        ("reversible", spec.reversible.to_string()),
        ("state", status.state.to_string()),
        (
            "phase",
            status
                .phase
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
        ),
        (
            "created",
            time(proposal.metadata.creation_timestamp.as_ref().map(|t| t.0)),
        ),
        ("expires", time(spec.expires_at.as_ref().map(|t| t.0))),
        (
            "credential recipient",
            spec.credential_recipient
                .clone()
                .unwrap_or_else(|| "none".into()),
        ),
    ];
    if let Some(needed) = status.approvals_required {
        facts.push(("approvals still required", needed.to_string()));
    }
    table(
        out,
        &["", ""],
        facts.iter().map(|(k, v)| vec![k.to_string(), v.clone()]),
    );
    let effective = proposal.effective_action();
    let runs = effective.digest();
    if effective.edit.is_some() {
        action(out, "Proposed action (replaced by an edit)", &spec.action);
        action(out, "Action that runs (as edited)", &effective.action);
    } else {
        action(out, "Action that runs", &effective.action);
    }
    if let Some(rollback) = &spec.rollback {
        action(out, "Rollback", rollback);
    }
    decisions(out, &status.decisions, &runs);
    let _ = writeln!(out, "**Credential**\n");
    match &status.credential {
        Some(c) => table(
            out,
            &[
                "wrapped accessor",
                "TTL",
                "minted",
                "sealed to recipient",
                "revoked",
            ],
            [vec![
                c.wrapped_accessor.clone(),
                format!("{} s", c.ttl_seconds),
                time(c.minted_at.as_ref().map(|t| t.0)),
                c.encrypted_wrapping_token.is_some().to_string(),
                c.revoked.to_string(),
            ]],
        ),
        None => out.push_str("None minted.\n\n"),
    }
    if let Some(none) = &status.no_credential {
        let _ = writeln!(
            out,
            "No credential: {} — {} ({}).\n",
            cell(&none.reason.to_string()),
            cell(&none.message),
            time(none.at.as_ref().map(|t| t.0))
        );
    }
    if let Some(run) = &status.execution {
        let verdict = if run.succeeded { "succeeded" } else { "FAILED" };
        let _ = writeln!(
            out,
            "**Execution** {verdict} at {}: {}\n",
            time(run.at.as_ref().map(|t| t.0)),
            cell(&run.message)
        );
    }
}

fn action(out: &mut String, title: &str, action: &ProposedAction) {
    let canonical = CanonicalAction::of(action);
    let _ = writeln!(out, "**{title}** · `{}`\n", canonical.digest);
    fenced(out, "text", &readable(&canonical.to_text(action.kind)));
}

fn decisions(out: &mut String, decisions: &[Decision], runs: &str) {
    let _ = writeln!(out, "**Decisions ({})**\n", decisions.len());
    if decisions.is_empty() {
        out.push_str("None.\n\n");
        return;
    }
    table(
        out,
        &[
            "at", "by", "verified", "source", "verdict", "reason", "edited", "digest", "counts",
        ],
        decisions.iter().map(|d| {
            let digest = d.action_digest.clone().unwrap_or_else(|| "-".into());
            let counts = match (&d.verdict, &d.action_digest) {
                (crate::domain::Verdict::Approve, Some(digest)) => (digest == runs).to_string(),
                (crate::domain::Verdict::Approve, None) => "false (no digest)".into(),
                _ => "-".into(),
            };
            vec![
                time(Some(d.at.0)),
                d.by.clone(),
                d.verified.to_string(),
                format!("{:?}", d.source),
                d.verdict.to_string(),
                d.reason.clone().unwrap_or_default(),
                d.edited.to_string(),
                digest,
                counts,
            ]
        }),
    );
}

fn audit(out: &mut String, t: &Transcript) {
    let _ = writeln!(out, "## Audit trail ({})\n", t.audit.len());
    if t.audit.is_empty() {
        out.push_str("Nothing recorded.\n\n");
        return;
    }
    table(
        out,
        &[
            "at", "actor", "verified", "action", "object", "reason", "context", "detail",
        ],
        t.audit.iter().map(|r| {
            vec![
                time(Some(r.at)),
                r.actor.clone(),
                r.verified.to_string(),
                r.action.to_string(),
                r.object.clone(),
                r.reason.clone().unwrap_or_default(),
                r.context.clone().unwrap_or_default(),
                r.detail.clone().unwrap_or_default(),
            ]
        }),
    );
}

fn events(out: &mut String, t: &Transcript) {
    let _ = writeln!(out, "## Kubernetes Events ({})\n", t.events.len());
    if t.events.is_empty() {
        out.push_str("None.\n\n");
        return;
    }
    table(
        out,
        &["at", "type", "reason", "object", "source", "message"],
        t.events.iter().map(|e| {
            vec![
                time(e.at),
                e.type_.clone(),
                e.reason.clone(),
                e.object.clone(),
                e.source.clone(),
                e.message.clone(),
            ]
        }),
    );
}

fn time(at: Option<Timestamp>) -> String {
    at.map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "-".into())
}

/// A table: every cell passed through [`cell`].
fn table(out: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// `text` made safe for a table cell or a sentence: sanitized, markup
/// characters escaped, line breaks shown as ` ⏎ `.
pub(super) fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in readable(text).chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str(" ⏎ "),
            c => out.push(c),
        }
    }
    out
}

/// `body` (already sanitized) in a fence of backticks longer than any run inside it.
fn fenced(out: &mut String, info: &str, body: &str) {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let _ = writeln!(out, "{fence}{info}\n{body}\n{fence}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_cannot_become_markup() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(
            cell("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(cell("[click](http://evil)"), "\\[click\\](http://evil)");
        assert_eq!(cell("two\nlines"), "two ⏎ lines");
        assert_eq!(cell("\u{1b}[31mred\u{202e}"), "red⟨U+202E⟩");
    }

    #[test]
    fn a_fence_outlasts_every_backtick_run_inside() {
        let mut out = String::new();
        fenced(&mut out, "text", "before\n````\nescaped?");
        assert!(out.starts_with("`````text\n"), "{out}");
        assert!(out.ends_with("\n`````\n\n"), "{out}");
    }
}
