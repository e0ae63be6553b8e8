"""`python -m tradetrace`: the same as the `tradetrace` command."""

from tradetrace.cli import main

main()
