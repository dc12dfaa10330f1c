"""``python -m cib`` runs the command line."""

from cib.cli import run

if __name__ == "__main__":
    run()
