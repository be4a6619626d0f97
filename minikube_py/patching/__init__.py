"""The patch engines behind `minikube_py.patch` (import from there, not from here).

- `jsonpatch`: RFC 6902 JSON patch, with the quirks of the library kube-apiserver uses.
- `mergepatch`: RFC 7386 JSON merge patch and its inverse (computing a merge patch).
- `strategic`, `strategic_lists`: strategic merge patch, driven by the schema's patch metadata.
- `fieldpath`, `typed`, `managed`, `apply`: server-side apply and `metadata.managedFields`.
- `values`, `schemas`: shared JSON-value and schema helpers.
"""
