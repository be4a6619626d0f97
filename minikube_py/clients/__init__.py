"""The parts of the API client behind `minikube_py.client` (import from there, not from here).

- `informers`: `Informer` (a list+watch cache with event handlers and shared indexes) and
  `SharedInformers` (one informer per watched resource for all users of a client).
- `workqueue`: `WorkQueue` (de-duplicating keys, rate-limited retry) and `run_worker`.
- `recorder`: `EventRecorder` (core/v1 Events, repeats counted).
"""
