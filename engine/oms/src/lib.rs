//! Order manager: the order lifecycle state machine and the router actor.
