//! wikiupload: a MediaWiki-compatible upload server.
//!
//! Layers, top to bottom (each may use only those below it):
//! - [`api`]: the action API over HTTP — parameters, modules, envelopes;
//! - [`auth`] and [`upload`]: the domain — accounts, sessions, tokens,
//!   rights; spooling, (later) stash, verification, publishing;
//! - [`storage`]: the database.
//!
//! [`startup`] wires them together; [`cli`] is the command line.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod pages;
pub mod startup;
pub mod storage;
pub mod upload;
pub mod web;
