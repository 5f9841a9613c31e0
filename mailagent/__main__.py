"""``python -m mailagent`` runs the command-line interface."""

from mailagent.cli.main import main

if __name__ == "__main__":
    main()
