"""The durable-rules engine: the pack translated to a Rete network (translate, dnf, layout) and run (host)."""
