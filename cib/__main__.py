"""``python -m cib`` runs the command line."""

from cib.cli import main

if __name__ == "__main__":
    main()
