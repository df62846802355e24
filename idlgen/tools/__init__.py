"""Where engineers meet idlgen: `idlgen simtest`, `idlgen decode`, `idlgen init`, the pre-commit hooks.

`commands.register` adds the commands to the CLI; everything heavy (targets, solders, the diff checker)
is imported inside the command that needs it, so `idlgen check` does not pay for these tools.
"""
