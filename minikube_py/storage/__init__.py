"""The parts of the object store behind `store.py`: shared types, the SQLite log, the memory
rebuild, paging, writes, watches and expiry.

Import the public names from `minikube_py.store`, which re-exports them.
"""
