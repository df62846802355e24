"""`idlgen migrate`: carry the renames of an IDL change into the Python code that uses the generated package.

    symbols  what each IDL item is called in the generated Python package (asks the Python target)
    renames  old generated name -> new one, from the renames `idlgen diff` finds (its findings, not a re-alignment)
    infer    which values in the user's code are instances of generated classes (annotations, constructors, decoders)
    rewrite  the libcst pass that renames exactly those uses and lists what it cannot decide
    command  the click command: collect files, print a unified diff or write every file atomically
"""
