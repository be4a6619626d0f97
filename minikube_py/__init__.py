"""minikube_py: a single-node Kubernetes in one asyncio Python process."""

__version__ = "0.1.0"

# The Kubernetes release whose API this server speaks (kubectl checks the skew against it).
KUBERNETES_VERSION = "1.32.0"
