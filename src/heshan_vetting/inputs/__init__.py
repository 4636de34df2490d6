"""Reading input files: regular files of bounded size, and TOML with line and column numbers."""
