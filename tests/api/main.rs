//! The integration suite: one binary, each test against its own server on
//! a random loopback port, on SQLite and on PostgreSQL.

mod helpers;

mod access;
mod browser;
mod chunked;
mod cli;
mod clients;
mod envelope;
mod faults;
mod fuzz_checks;
mod generators;
mod help;
mod limits;
mod lists;
mod login;
mod message_formats;
mod migration;
mod ops;
mod page_transcripts;
mod pages;
mod paraminfo;
mod parse;
mod pgproxy;
mod query_lists;
mod quotas;
mod rest;
mod search;
mod siteinfo;
mod throttle;
mod thumbs;
mod tokens;
mod transcripts;
mod upload;
mod url;
mod userinfo;
mod web;
