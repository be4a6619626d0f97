"""The seed's manifests (the examples of the Kubernetes documentation), one copy for every e2e
test: the Pod `nginx`, the Deployment `nginx-deployment`, the Service `my-service` and the
StatefulSet `web` with its headless Service `nginx`."""

from __future__ import annotations

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.14.2
    ports:
    - containerPort: 80
"""

_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
{env}        ports:
{ports}"""


def nginx_deployment(
    replicas: int = 3, *, mode: str | None = None, ports: tuple[int, ...] = (80,)
) -> str:
    """The seed's Deployment; `mode` adds the env var MODE, `ports` the container ports."""
    env = f"        env:\n        - name: MODE\n          value: {mode}\n" if mode else ""
    port_lines = "".join(f"        - containerPort: {port}\n" for port in ports)
    return _DEPLOYMENT.format(replicas=replicas, env=env, ports=port_lines)


DEPLOYMENT = nginx_deployment()

SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  selector:
    app.kubernetes.io/name: MyApp
  ports:
    - protocol: TCP
      port: 80
      targetPort: 9376
"""

SEED = "---".join((POD, DEPLOYMENT, SERVICE))

WEB = """
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels: {app: nginx}
spec:
  ports: [{port: 80, name: web}]
  clusterIP: None
  selector: {app: nginx}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: nginx}
  serviceName: nginx
  replicas: 3
  minReadySeconds: 0
  template:
    metadata:
      labels: {app: nginx}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports: [{containerPort: 80, name: web}]
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 1Gi}
"""
