//! Shared memory for AlphaPulse. The journal (memory-mapped, append-only segment files, one writer,
//! any number of readers in any process) is being built here (issue 4). This crate is where the
//! project's `unsafe` lives, each block with a `// SAFETY:` comment.
//!
//! Today it holds [`alloc_count`], the counting global allocator that the zero-allocation tests of
//! every crate use to prove that hot paths do not touch the heap.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod alloc_count;
