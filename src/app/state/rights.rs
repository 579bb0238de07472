//! What the user may do, per namespace, as the cluster answered
//! SelfSubjectAccessReviews; which keys that withholds.

use super::{Screen, State};
use crate::app::command::Command;
use crate::decide::{Right, Rights};
use std::collections::{BTreeMap, BTreeSet};

/// The answers so far, for the current watcher generation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Answers by namespace.
    pub by_namespace: BTreeMap<String, Rights>,
    /// Namespaces asked about (answered or not).
    pub asked: BTreeSet<String>,
}

/// A key the console does not offer, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withheld {
    /// The right missing.
    pub right: Right,
    /// Where.
    pub namespace: String,
}

impl Withheld {
    /// "viewer may not update actionproposals/status in payments".
    pub fn explain(&self, user: Option<&str>) -> String {
        format!(
            "{} may not {} in {} (RBAC)",
            user.unwrap_or("you"),
            self.right.needs(),
            self.namespace
        )
    }
}

/// The right a command needs, if it writes.
pub fn right_of(command: Command, screen: &Screen) -> Option<Right> {
    match command {
        Command::Approve | Command::Veto | Command::EditApprove | Command::RetryDecisions => {
            Some(Right::Decide)
        }
        Command::Kill => Some(Right::Kill),
        Command::Halt => Some(Right::Halt),
        Command::EditPolicy | Command::NewPolicy => Some(Right::EditPolicy),
        Command::BumpQueued | Command::AdmitNow | Command::CancelQueued => Some(Right::Queue),
        Command::Open if *screen == Screen::Policies => Some(Right::EditPolicy),
        _ => None,
    }
}

impl State {
    /// The namespace a write command would act in, on this screen.
    fn write_namespace(&self, right: Right) -> Option<String> {
        match right {
            Right::Decide => crate::app::state::proposal_in_focus(self).map(|k| k.namespace),
            Right::Kill | Right::Halt | Right::Queue => {
                let row = match self.screen() {
                    Screen::Investigations => self.table.selected_row(),
                    Screen::Detail => self
                        .detail
                        .as_ref()
                        .and_then(|d| self.table.get(&d.investigation)),
                    _ => None,
                }?;
                let inv = &row.record.investigation;
                Some(if matches!(right, Right::Kill | Right::Queue) {
                    inv.namespace.to_string()
                } else {
                    inv.target_namespace.to_string()
                })
            }
            Right::EditPolicy => self.policy_view.selected().map(|r| r.namespace.clone()),
        }
    }

    /// Whether the cluster said the user lacks `right` in `namespace`.
    pub fn denied(&self, right: Right, namespace: &str) -> bool {
        self.permissions
            .by_namespace
            .get(namespace)
            .is_some_and(|r| r.denied(right))
    }

    /// Why `command` is not offered here, if RBAC refuses it: its right is
    /// known to be missing in the namespace it would act in, or (nothing in
    /// focus) in every namespace in scope. Unknown answers offer the key.
    pub fn withheld(&self, command: Command) -> Option<Withheld> {
        let right = right_of(command, self.screen())?;
        match self.write_namespace(right) {
            Some(namespace) => self
                .denied(right, &namespace)
                .then_some(Withheld { right, namespace }),
            None => {
                let scope = self.scope_namespaces();
                let all_denied = !scope.is_empty() && scope.iter().all(|ns| self.denied(right, ns));
                all_denied.then(|| Withheld {
                    right,
                    namespace: match &self.namespace {
                        Some(ns) => ns.clone(),
                        None => "any namespace in view".into(),
                    },
                })
            }
        }
    }

    /// The namespaces the console works in: the one watched, else every
    /// namespace seen.
    pub fn scope_namespaces(&self) -> Vec<String> {
        match &self.namespace {
            Some(ns) => vec![ns.clone()],
            None => self.known_namespaces.iter().cloned().collect(),
        }
    }

    /// Whether the user may not write anything anywhere in scope (the
    /// header then says "read-only by RBAC").
    pub fn read_only_by_rbac(&self) -> bool {
        let scope = self.scope_namespaces();
        !scope.is_empty()
            && scope.iter().all(|ns| {
                self.permissions
                    .by_namespace
                    .get(ns)
                    .is_some_and(Rights::none_allowed)
            })
    }
}
