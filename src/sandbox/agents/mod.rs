//! Simulated agents that keep the contract through the API.
