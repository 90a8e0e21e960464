//! Continuation of `action=query`, as MediaWiki's ApiContinuationManager
//! keeps it: which modules run in this batch (the client's `continue`
//! names the finished ones), what each unfinished module and the generator
//! say about where to go on, and how that is written — the `continue`
//! object and `batchcomplete`, or with `rawcontinue` the old
//! `query-continue` keyed by module.

use serde_json::{Map, Value};

use super::lists::bad_continue;
use crate::api::request::RawParams;
use crate::api::{ApiError, Output};

/// One continuation parameter of one module.
struct Next {
    module: &'static str,
    param: String,
    value: Value,
}

pub struct Continuation {
    /// Every list, prop and meta module asked for, in MediaWiki's order
    /// (lists, props, meta): the order of the finished ones in `continue`.
    modules: Vec<&'static str>,
    /// The prop modules: they run on the page set, so they start again
    /// with each new batch of generated pages.
    generated: Vec<&'static str>,
    /// Modules the client's `continue` says are finished.
    skip: Vec<String>,
    /// `continue` began with `-`: the page set (and generator) is finished.
    generator_done: bool,
    /// The generator's parameters as this request gave them, named by
    /// `continue`'s first part: repeated while the props continue.
    generator_params: Vec<(String, String)>,
    modules_next: Vec<Next>,
    generator_next: Option<Next>,
}

impl Continuation {
    /// Reads the client's `continue` (`badcontinue` without its `||`).
    pub fn new(
        value: Option<&str>,
        raw: &RawParams,
        modules: Vec<&'static str>,
        generated: Vec<&'static str>,
    ) -> Result<Continuation, ApiError> {
        let mut continuation = Continuation {
            modules,
            generated,
            skip: Vec::new(),
            generator_done: false,
            generator_params: Vec::new(),
            modules_next: Vec::new(),
            generator_next: None,
        };
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Ok(continuation);
        };
        let (pages_part, done_part) = value.split_once("||").ok_or_else(bad_continue)?;
        if done_part.contains("||") {
            return Err(bad_continue());
        }
        continuation.skip = done_part.split('|').map(str::to_owned).collect();
        if pages_part == "-" {
            continuation.generator_done = true;
        } else {
            continuation.generator_params = pages_part
                .split('|')
                .filter_map(|name| raw.peek(name).map(|v| (name.to_owned(), v.to_owned())))
                .collect();
        }
        Ok(continuation)
    }

    /// Whether module `name` runs in this batch.
    pub fn runs(&self, name: &str) -> bool {
        let generated_and_done = self.generator_done && self.generated.contains(&name);
        !generated_and_done && !self.skip.iter().any(|s| s == name)
    }

    /// Whether the page set is finished (its pages are not listed again).
    pub fn generator_done(&self) -> bool {
        self.generator_done
    }

    /// Module `module` goes on at `param=value`.
    pub fn add(&mut self, module: &'static str, param: &str, value: impl Into<Value>) {
        self.modules_next.push(Next {
            module,
            param: param.to_owned(),
            value: value.into(),
        });
    }

    /// The generator (module `module`) goes on at `param=value`.
    pub fn add_generator(&mut self, module: &'static str, param: &str, value: impl Into<Value>) {
        self.generator_next = Some(Next {
            module,
            param: param.to_owned(),
            value: value.into(),
        });
    }

    /// Whether some prop module has more to give for these pages.
    fn props_unfinished(&self) -> bool {
        self.modules_next
            .iter()
            .any(|n| self.generated.contains(&n.module))
    }

    /// Writes the continuation into the answer.
    pub fn write(self, output: &mut Output, raw_style: bool) {
        if raw_style {
            self.write_raw(output);
        } else {
            self.write_continue(output);
        }
    }

    /// `query-continue`: `{module: {param: value}}`, no `batchcomplete`.
    fn write_raw(self, output: &mut Output) {
        let mut by_module = Map::new();
        for next in self.modules_next.into_iter().chain(self.generator_next) {
            let entry = by_module
                .entry(next.module)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(params) = entry {
                params.insert(next.param, next.value);
            }
        }
        if !by_module.is_empty() {
            output.add_on_top("query-continue", Value::Object(by_module));
        }
    }

    /// `continue`: every parameter to send again, and `continue` itself:
    /// the generator's parameters (or `-` when the pages are done), `||`,
    /// the finished modules.
    fn write_continue(self, output: &mut Output) {
        let unfinished: Vec<&str> = self.modules_next.iter().map(|n| n.module).collect();
        let mut finished: Vec<&str> = self
            .modules
            .iter()
            .copied()
            .filter(|m| !unfinished.contains(m))
            .collect();
        let props_unfinished = self.props_unfinished();
        let mut data = Map::new();
        for next in &self.modules_next {
            data.insert(next.param.clone(), next.value.clone());
        }
        let mut batch_complete = false;
        let generator_keys = if props_unfinished {
            // The same pages again: the generator's parameters as given.
            for (name, value) in &self.generator_params {
                data.insert(name.clone(), value.clone().into());
            }
            let names: Vec<&str> = self
                .generator_params
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            names.join("|")
        } else if let Some(next) = &self.generator_next {
            // The next pages: the props run again on them.
            data.insert(next.param.clone(), next.value.clone());
            finished.retain(|m| !self.generated.contains(m));
            batch_complete = true;
            next.param.clone()
        } else {
            batch_complete = true;
            "-".to_owned()
        };
        if !data.is_empty() || generator_keys != "-" {
            data.insert(
                "continue".into(),
                format!("{generator_keys}||{}", finished.join("|")).into(),
            );
            output.add_on_top("continue", Value::Object(data));
        }
        if batch_complete && let Some(flag) = output.flag(true) {
            output.add_on_top("batchcomplete", flag);
        }
    }
}
