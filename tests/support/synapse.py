"""The throwaway Synapse homeserver of the tests: it lives in `demo/synapse.py`, shared with
`make demo`; tests, benchmarks and docs scripts import it from here as before."""

from demo.synapse import (
    RateLimits,
    SynapseError,
    SynapseServer,
    TestUser,
    free_port,
    port_is_free,
    start_synapse,
    synapse_installed,
    write_config,
)

__all__ = [
    "RateLimits", "SynapseError", "SynapseServer", "TestUser", "free_port", "port_is_free",
    "start_synapse", "synapse_installed", "write_config",
]
