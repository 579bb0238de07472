//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod alertmanager;
pub mod bao;
pub mod keys;
pub mod launcher;
pub mod promtool;
pub mod pty;
pub mod scene;
pub mod screen;
pub mod world;
