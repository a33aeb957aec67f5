"""The command-line layer: parse arguments, call the core, print, choose the exit code."""
