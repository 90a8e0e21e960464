//! wikiupload: a MediaWiki-compatible upload server.
//!
//! Layers, top to bottom (each may use only those below it):
//! - [`api`]: the action API over HTTP — parameters, modules, envelopes;
//! - [`auth`], [`upload`] and [`media`]: the domain — accounts, sessions,
//!   tokens, rights; spooling, stash, verification, publishing; media
//!   metadata and thumbnails;
//! - [`storage`]: the database.
//!
//! [`startup`] wires them together; [`cli`] is the command line.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod crash;
pub mod media;
pub mod pages;
pub mod server;
pub mod startup;
pub mod storage;
pub mod upload;
pub mod web;
