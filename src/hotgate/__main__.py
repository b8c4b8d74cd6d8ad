"""`python -m hotgate`: the same command line as `hotgate`."""

from hotgate.cli import main

if __name__ == "__main__":  # not when a worker process it starts imports this module again
    main()
