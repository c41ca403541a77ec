from openrvu.cli import main

main()
