from idlgen.cli import main

main()
