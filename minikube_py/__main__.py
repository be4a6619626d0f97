"""`python -m minikube_py`: see `cli.py`."""

import sys

from minikube_py.cli import main

sys.exit(main())
