"""The parts of the kubelet behind `node.py`: addresses, pod and node status, the pod workers."""
