"""Rule packs: TOML data to a compiled pack (schema, load, merge, compiler, compiled) and the coverage page."""
