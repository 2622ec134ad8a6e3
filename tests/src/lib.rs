//! End-to-end tests live in `tests/`; the library holds what they share
//! beyond one test file: [`layers`], the workspace's import graph.

pub mod layers;
