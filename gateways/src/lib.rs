//! Order-entry gateways: the simulated matching engine.
