//! Shared-memory journal: append-only memory-mapped segment files, one writer, many readers (see issue 4).
