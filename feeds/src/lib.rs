//! Feed handlers: capture replay, Binance frame parsing, diff-depth book sync.
