"""`make demo`: the dashboard wired to a throwaway Synapse with rooms and members
(`python -m demo`). Also home of the homeserver the tests start (`demo.synapse`)."""
