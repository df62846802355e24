"""The reference settlement program (C source, built to SBF) and the tools around it."""
