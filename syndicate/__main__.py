"""`python -m syndicate`: the same CLI as the `syndicate` console script."""

from syndicate.cli import main

main()
