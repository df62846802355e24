"""Build tools for the SBF programs: the ELF linker and validator."""
