"""`python -m hotgate`: the same command line as `hotgate`."""

from hotgate.cli import main

main()
