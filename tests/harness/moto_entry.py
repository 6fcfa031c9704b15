"""Entry point of the moto server subprocess: `python -m tests.harness.moto_entry --port N`.

Why a module of our own instead of `moto_server`: our compatibility patches must be
applied inside the server process before it serves its first request.
"""

from __future__ import annotations

import argparse

from . import moto_patches


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    moto_patches.apply_all()

    from moto.server import main as moto_main  # threaded werkzeug server; exits on SIGTERM

    moto_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
