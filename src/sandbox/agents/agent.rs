//! One running simulated agent: what it prints, at what pace, and how it
//! pauses when its Job is suspended and stops when its Job is deleted.

use super::AgentError;
use super::job::InvestigationRef;
use super::jobctl;
use super::life::{JobLife, LifeWatch};
use super::pace::Pacer;
use super::script::{Step, fill};
use super::stdout::Stdout;
use crate::domain::protocol::{EventKind, ReasoningEvent, to_line};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::Job;
use kube::Client;
use rand::random_range;
use std::sync::Arc;

/// Why the agent stopped playing early.
#[derive(Debug)]
pub(super) enum Interrupt {
    /// The Job (or the proposal) was deleted: stop without another write.
    Stopped,
    /// Something failed.
    Failed(AgentError),
}

impl From<kube::Error> for Interrupt {
    fn from(error: kube::Error) -> Self {
        Interrupt::Failed(AgentError::Kube(error))
    }
}

impl From<AgentError> for Interrupt {
    fn from(error: AgentError) -> Self {
        Interrupt::Failed(error)
    }
}

/// A running agent: its identity, its Job and where its stdout goes.
pub(super) struct Agent {
    pub client: Client,
    pub inv: InvestigationRef,
    pub job: Job,
    /// The pod whose log the agent writes (changes if a resume replaced it).
    pub pod: String,
    stdout: Arc<dyn Stdout>,
    pacer: Pacer,
    life: LifeWatch,
    calls: u32,
    paused: bool,
    /// What the investigation has cost so far, reported with each usage event.
    spent: crate::domain::protocol::UsageTotal,
    /// The sandbox's Vault (acting as this agent's read identity), when on.
    pub vault: Option<Arc<crate::vault::Vault>>,
    /// This investigation's age X25519 identity (`AGE-SECRET-KEY-1...`),
    /// generated when it starts and kept in memory only: it decrypts the
    /// wrapping tokens sealed to [`Agent::recipient`].
    pub age_identity: String,
    /// The age recipient (`age1...`) every proposal names as its
    /// `credentialRecipient`.
    pub recipient: String,
}

impl Agent {
    pub fn new(
        client: Client,
        stdout: Arc<dyn Stdout>,
        inv: InvestigationRef,
        job: Job,
        speed: f64,
    ) -> Agent {
        let life = LifeWatch::start(client.clone(), &inv);
        let (age_identity, recipient) = crate::vault::generate_key_pair();
        Agent {
            pod: inv.pod.clone(),
            client,
            inv,
            job,
            stdout,
            pacer: Pacer::new(speed),
            life,
            calls: 0,
            paused: false,
            spent: crate::domain::protocol::UsageTotal {
                input_tokens: 0,
                output_tokens: 0,
                cost_usd: 0.0,
            },
            vault: None,
            age_identity,
            recipient,
        }
    }

    pub fn life(&mut self) -> &mut LifeWatch {
        &mut self.life
    }

    /// Prints one event and waits as a person would need to read it.
    pub async fn say(&mut self, kind: EventKind) {
        let line = to_line(&ReasoningEvent {
            ts: Some(Timestamp::now()),
            kind,
        });
        self.stdout
            .write_line(&self.inv.namespace, &self.pod, &line);
        self.pacer.after_line().await;
    }

    /// Prints a thought.
    pub async fn think(&mut self, text: impl Into<String>) {
        self.say(EventKind::Thought { text: text.into() }).await;
    }

    /// Prints a tool call, waits as long as the tool would take, prints its result.
    pub async fn tool(&mut self, tool: &str, input: String, output: String, is_error: bool) {
        self.calls += 1;
        let id = format!("call_{}", self.calls);
        self.say(EventKind::ToolCall {
            id: id.clone(),
            tool: tool.to_string(),
            input,
        })
        .await;
        tokio::time::sleep(self.pacer.scaled(random_range(0.2..1.5))).await;
        self.say(EventKind::ToolResult {
            id,
            output,
            is_error,
        })
        .await;
    }

    /// Prints the tokens and money the last stretch of reasoning cost.
    pub async fn usage(&mut self) {
        let input_tokens: u64 = random_range(1_500..7_000);
        let output_tokens: u64 = random_range(80..600);
        let cost = (input_tokens as f64 * 3.0 + output_tokens as f64 * 15.0) / 1_000_000.0;
        let cost_usd = (cost * 1_000_000.0).round() / 1_000_000.0;
        // The running total rides along, so the last lines of the log (what
        // the console's table peeks at) always carry the investigation's cost.
        self.spent.input_tokens += input_tokens;
        self.spent.output_tokens += output_tokens;
        self.spent.cost_usd =
            ((self.spent.cost_usd + cost_usd) * 1_000_000.0).round() / 1_000_000.0;
        self.say(EventKind::Usage {
            input_tokens,
            output_tokens,
            cost_usd,
            total: Some(self.spent),
        })
        .await;
    }

    /// Plays one scripted step, after making sure the Job still wants it to.
    pub async fn play(&mut self, step: &Step) -> Result<(), Interrupt> {
        self.checkpoint().await?;
        let ns = self.inv.namespace.clone();
        match *step {
            Step::Thought(text) => self.think(fill(text, &ns)).await,
            Step::Tool {
                tool,
                input,
                output,
                failed,
            } => {
                let input = fill(input, &ns);
                // What the world holds is the evidence: read it live.
                let live = if tool == "kubectl_get" {
                    super::evidence::kubectl_get(&self.client, &input).await
                } else {
                    None
                };
                let (output, failed) = live.unwrap_or_else(|| (fill(output, &ns), failed));
                self.tool(tool, input, output, failed).await;
            }
            Step::Hypothesis(text, confidence) => {
                self.say(EventKind::Hypothesis {
                    text: fill(text, &ns),
                    confidence: Some(confidence),
                })
                .await;
                self.usage().await;
            }
            Step::Plain(text) => {
                self.say(EventKind::Text {
                    text: fill(text, &ns),
                })
                .await;
            }
        }
        Ok(())
    }

    /// Returns when the Job is active: waits while it is suspended, fails with
    /// [`Interrupt::Stopped`] once it is gone.
    pub async fn checkpoint(&mut self) -> Result<(), Interrupt> {
        loop {
            match self.life.current() {
                JobLife::Active if self.paused => {
                    self.paused = false;
                    self.pod = jobctl::resume(&self.client, &self.inv, &self.pod).await?;
                    self.think("The Job was resumed: continuing where I left off.")
                        .await;
                    return Ok(());
                }
                JobLife::Active => return Ok(()),
                JobLife::Gone => return Err(Interrupt::Stopped),
                JobLife::Suspended => {
                    if !self.paused {
                        self.paused = true;
                        self.think(
                            "The Job was suspended by an operator: pausing until it is resumed.",
                        )
                        .await;
                    }
                    if self.life.changed().await == JobLife::Gone {
                        return Err(Interrupt::Stopped);
                    }
                }
            }
        }
    }
}
