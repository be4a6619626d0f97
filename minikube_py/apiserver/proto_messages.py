"""Protobuf message tables for the built-in kinds the API accepts as protobuf request bodies.

Each entry lists one k8s.io/api (or apimachinery meta/v1) message, one field per line:

    <field number> <json name> <type>[!][?]

* json name: the Go `json` tag name; `*` marks an inlined (`json:",inline"`) message whose fields
  land in the parent object, as the JSON form has them.
* type: a scalar (`string`, `bytes`, `bool`, `int32`, `int64`, `uint32`, `uint64`, `double`,
  `float`), a value type with its own JSON form (`time`, `microtime`, `duration`, `intstr`,
  `quantity`, `rawjson` for RawExtension and FieldsV1), or a message name from this table;
  `[]` in front means repeated, `{}` a map with string keys.
* flags after the type: `!` the Go field has no `omitempty`, `?` it is a pointer. Together they
  say what Go's JSON encoding writes: a zero scalar only for `!` or `?`; for an absent field,
  `null` when `!` and a pointer, slice or map, the zero value when `!` and a plain scalar
  (Go's protobuf encoder always writes non-pointer scalars and structs, so those are present).

Field numbers, names and types follow the published `generated.proto` files and Go struct tags of
k8s.io/api and k8s.io/apimachinery v0.33 (Kubernetes 1.33); fields newer than that are skipped
like any unknown field number, as an older API server does.
"""

from __future__ import annotations

# (apiVersion, kind) of an envelope -> the message its `raw` bytes hold. DeleteOptions is accepted
# under whatever group-version the client names (it is registered in every group).
KINDS: dict[tuple[str, str], str] = {
    ("v1", "Binding"): "corev1.Binding",
    ("v1", "ConfigMap"): "corev1.ConfigMap",
    ("v1", "Endpoints"): "corev1.Endpoints",
    ("v1", "Event"): "corev1.Event",
    ("v1", "LimitRange"): "corev1.LimitRange",
    ("v1", "Namespace"): "corev1.Namespace",
    ("v1", "Node"): "corev1.Node",
    ("v1", "PersistentVolume"): "corev1.PersistentVolume",
    ("v1", "PersistentVolumeClaim"): "corev1.PersistentVolumeClaim",
    ("v1", "Pod"): "corev1.Pod",
    ("v1", "PodTemplate"): "corev1.PodTemplate",
    ("v1", "ReplicationController"): "corev1.ReplicationController",
    ("v1", "ResourceQuota"): "corev1.ResourceQuota",
    ("v1", "Secret"): "corev1.Secret",
    ("v1", "Service"): "corev1.Service",
    ("v1", "ServiceAccount"): "corev1.ServiceAccount",
    ("apps/v1", "ControllerRevision"): "appsv1.ControllerRevision",
    ("apps/v1", "DaemonSet"): "appsv1.DaemonSet",
    ("apps/v1", "Deployment"): "appsv1.Deployment",
    ("apps/v1", "ReplicaSet"): "appsv1.ReplicaSet",
    ("apps/v1", "StatefulSet"): "appsv1.StatefulSet",
    ("authentication.k8s.io/v1", "TokenRequest"): "authenticationv1.TokenRequest",
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "autoscalingv1.HorizontalPodAutoscaler",
    ("autoscaling/v1", "Scale"): "autoscalingv1.Scale",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "autoscalingv2.HorizontalPodAutoscaler",
    ("batch/v1", "CronJob"): "batchv1.CronJob",
    ("batch/v1", "Job"): "batchv1.Job",
    ("coordination.k8s.io/v1", "Lease"): "coordinationv1.Lease",
    ("discovery.k8s.io/v1", "EndpointSlice"): "discoveryv1.EndpointSlice",
    ("events.k8s.io/v1", "Event"): "eventsv1.Event",
    ("networking.k8s.io/v1", "Ingress"): "networkingv1.Ingress",
    ("networking.k8s.io/v1", "IngressClass"): "networkingv1.IngressClass",
    ("networking.k8s.io/v1", "NetworkPolicy"): "networkingv1.NetworkPolicy",
    ("policy/v1", "Eviction"): "policyv1.Eviction",
    ("policy/v1", "PodDisruptionBudget"): "policyv1.PodDisruptionBudget",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "rbacv1.ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "rbacv1.ClusterRoleBinding",
    ("rbac.authorization.k8s.io/v1", "Role"): "rbacv1.Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "rbacv1.RoleBinding",
    ("scheduling.k8s.io/v1", "PriorityClass"): "schedulingv1.PriorityClass",
    ("storage.k8s.io/v1", "StorageClass"): "storagev1.StorageClass",
}
ANY_VERSION_KINDS: dict[str, str] = {"DeleteOptions": "metav1.DeleteOptions"}

# message name -> its fields, in the notation above
MESSAGES: dict[str, str] = {
    "appsv1.ControllerRevision": """
    1 metadata metav1.ObjectMeta
    2 data rawjson
    3 revision int64!
    """,
    "appsv1.DaemonSet": """
    1 metadata metav1.ObjectMeta
    2 spec appsv1.DaemonSetSpec
    3 status appsv1.DaemonSetStatus
    """,
    "appsv1.DaemonSetCondition": """
    1 type string!
    2 status string!
    3 lastTransitionTime time
    4 reason string
    5 message string
    """,
    "appsv1.DaemonSetSpec": """
    1 selector metav1.LabelSelector!?
    2 template corev1.PodTemplateSpec!
    3 updateStrategy appsv1.DaemonSetUpdateStrategy
    4 minReadySeconds int32
    6 revisionHistoryLimit int32?
    """,
    "appsv1.DaemonSetStatus": """
    1 currentNumberScheduled int32!
    2 numberMisscheduled int32!
    3 desiredNumberScheduled int32!
    4 numberReady int32!
    5 observedGeneration int64
    6 updatedNumberScheduled int32
    7 numberAvailable int32
    8 numberUnavailable int32
    9 collisionCount int32?
    10 conditions []appsv1.DaemonSetCondition
    """,
    "appsv1.DaemonSetUpdateStrategy": """
    1 type string
    2 rollingUpdate appsv1.RollingUpdateDaemonSet?
    """,
    "appsv1.Deployment": """
    1 metadata metav1.ObjectMeta
    2 spec appsv1.DeploymentSpec
    3 status appsv1.DeploymentStatus
    """,
    "appsv1.DeploymentCondition": """
    1 type string!
    2 status string!
    6 lastUpdateTime time
    7 lastTransitionTime time
    4 reason string
    5 message string
    """,
    "appsv1.DeploymentSpec": """
    1 replicas int32?
    2 selector metav1.LabelSelector!?
    3 template corev1.PodTemplateSpec!
    4 strategy appsv1.DeploymentStrategy
    5 minReadySeconds int32
    6 revisionHistoryLimit int32?
    7 paused bool
    9 progressDeadlineSeconds int32?
    """,
    "appsv1.DeploymentStatus": """
    1 observedGeneration int64
    2 replicas int32
    3 updatedReplicas int32
    7 readyReplicas int32
    4 availableReplicas int32
    5 unavailableReplicas int32
    9 terminatingReplicas int32?
    6 conditions []appsv1.DeploymentCondition
    8 collisionCount int32?
    """,
    "appsv1.DeploymentStrategy": """
    1 type string
    2 rollingUpdate appsv1.RollingUpdateDeployment?
    """,
    "appsv1.ReplicaSet": """
    1 metadata metav1.ObjectMeta
    2 spec appsv1.ReplicaSetSpec
    3 status appsv1.ReplicaSetStatus
    """,
    "appsv1.ReplicaSetCondition": """
    1 type string!
    2 status string!
    3 lastTransitionTime time
    4 reason string
    5 message string
    """,
    "appsv1.ReplicaSetSpec": """
    1 replicas int32?
    4 minReadySeconds int32
    2 selector metav1.LabelSelector!?
    3 template corev1.PodTemplateSpec
    """,
    "appsv1.ReplicaSetStatus": """
    1 replicas int32!
    2 fullyLabeledReplicas int32
    4 readyReplicas int32
    5 availableReplicas int32
    7 terminatingReplicas int32?
    3 observedGeneration int64
    6 conditions []appsv1.ReplicaSetCondition
    """,
    "appsv1.RollingUpdateDaemonSet": """
    1 maxUnavailable intstr?
    2 maxSurge intstr?
    """,
    "appsv1.RollingUpdateDeployment": """
    1 maxUnavailable intstr?
    2 maxSurge intstr?
    """,
    "appsv1.RollingUpdateStatefulSetStrategy": """
    1 partition int32?
    2 maxUnavailable intstr?
    """,
    "appsv1.StatefulSet": """
    1 metadata metav1.ObjectMeta
    2 spec appsv1.StatefulSetSpec
    3 status appsv1.StatefulSetStatus
    """,
    "appsv1.StatefulSetCondition": """
    1 type string!
    2 status string!
    3 lastTransitionTime time
    4 reason string
    5 message string
    """,
    "appsv1.StatefulSetOrdinals": """
    1 start int32!
    """,
    "appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy": """
    1 whenDeleted string
    2 whenScaled string
    """,
    "appsv1.StatefulSetSpec": """
    1 replicas int32?
    2 selector metav1.LabelSelector!?
    3 template corev1.PodTemplateSpec!
    4 volumeClaimTemplates []corev1.PersistentVolumeClaim
    5 serviceName string!
    6 podManagementPolicy string
    7 updateStrategy appsv1.StatefulSetUpdateStrategy
    8 revisionHistoryLimit int32?
    9 minReadySeconds int32
    10 persistentVolumeClaimRetentionPolicy appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy?
    11 ordinals appsv1.StatefulSetOrdinals?
    """,
    "appsv1.StatefulSetStatus": """
    1 observedGeneration int64
    2 replicas int32!
    3 readyReplicas int32
    4 currentReplicas int32
    5 updatedReplicas int32
    6 currentRevision string
    7 updateRevision string
    9 collisionCount int32?
    10 conditions []appsv1.StatefulSetCondition
    11 availableReplicas int32!
    """,
    "appsv1.StatefulSetUpdateStrategy": """
    1 type string
    2 rollingUpdate appsv1.RollingUpdateStatefulSetStrategy?
    """,
    "authenticationv1.BoundObjectReference": """
    1 kind string
    2 apiVersion string
    3 name string
    4 uid string
    """,
    "authenticationv1.TokenRequest": """
    1 metadata metav1.ObjectMeta
    2 spec authenticationv1.TokenRequestSpec!
    3 status authenticationv1.TokenRequestStatus
    """,
    "authenticationv1.TokenRequestSpec": """
    1 audiences []string!
    4 expirationSeconds int64!?
    3 boundObjectRef authenticationv1.BoundObjectReference!?
    """,
    "authenticationv1.TokenRequestStatus": """
    1 token string!
    2 expirationTimestamp time!
    """,
    "autoscalingv1.CrossVersionObjectReference": """
    1 kind string!
    2 name string!
    3 apiVersion string
    """,
    "autoscalingv1.HorizontalPodAutoscaler": """
    1 metadata metav1.ObjectMeta
    2 spec autoscalingv1.HorizontalPodAutoscalerSpec
    3 status autoscalingv1.HorizontalPodAutoscalerStatus
    """,
    "autoscalingv1.HorizontalPodAutoscalerSpec": """
    1 scaleTargetRef autoscalingv1.CrossVersionObjectReference!
    2 minReplicas int32?
    3 maxReplicas int32!
    4 targetCPUUtilizationPercentage int32?
    """,
    "autoscalingv1.HorizontalPodAutoscalerStatus": """
    1 observedGeneration int64?
    2 lastScaleTime time?
    3 currentReplicas int32!
    4 desiredReplicas int32!
    5 currentCPUUtilizationPercentage int32?
    """,
    "autoscalingv1.Scale": """
    1 metadata metav1.ObjectMeta
    2 spec autoscalingv1.ScaleSpec
    3 status autoscalingv1.ScaleStatus
    """,
    "autoscalingv1.ScaleSpec": """
    1 replicas int32
    """,
    "autoscalingv1.ScaleStatus": """
    1 replicas int32!
    2 selector string
    """,
    "autoscalingv2.ContainerResourceMetricSource": """
    1 name string!
    2 target autoscalingv2.MetricTarget!
    3 container string!
    """,
    "autoscalingv2.ContainerResourceMetricStatus": """
    1 name string!
    2 current autoscalingv2.MetricValueStatus!
    3 container string!
    """,
    "autoscalingv2.CrossVersionObjectReference": """
    1 kind string!
    2 name string!
    3 apiVersion string
    """,
    "autoscalingv2.ExternalMetricSource": """
    1 metric autoscalingv2.MetricIdentifier!
    2 target autoscalingv2.MetricTarget!
    """,
    "autoscalingv2.ExternalMetricStatus": """
    1 metric autoscalingv2.MetricIdentifier!
    2 current autoscalingv2.MetricValueStatus!
    """,
    "autoscalingv2.HPAScalingPolicy": """
    1 type string!
    2 value int32!
    3 periodSeconds int32!
    """,
    "autoscalingv2.HPAScalingRules": """
    3 stabilizationWindowSeconds int32?
    1 selectPolicy string?
    2 policies []autoscalingv2.HPAScalingPolicy
    4 tolerance quantity?
    """,
    "autoscalingv2.HorizontalPodAutoscaler": """
    1 metadata metav1.ObjectMeta
    2 spec autoscalingv2.HorizontalPodAutoscalerSpec
    3 status autoscalingv2.HorizontalPodAutoscalerStatus
    """,
    "autoscalingv2.HorizontalPodAutoscalerBehavior": """
    1 scaleUp autoscalingv2.HPAScalingRules?
    2 scaleDown autoscalingv2.HPAScalingRules?
    """,
    "autoscalingv2.HorizontalPodAutoscalerCondition": """
    1 type string!
    2 status string!
    3 lastTransitionTime time
    4 reason string
    5 message string
    """,
    "autoscalingv2.HorizontalPodAutoscalerSpec": """
    1 scaleTargetRef autoscalingv2.CrossVersionObjectReference!
    2 minReplicas int32?
    3 maxReplicas int32!
    4 metrics []autoscalingv2.MetricSpec
    5 behavior autoscalingv2.HorizontalPodAutoscalerBehavior?
    """,
    "autoscalingv2.HorizontalPodAutoscalerStatus": """
    1 observedGeneration int64?
    2 lastScaleTime time?
    3 currentReplicas int32
    4 desiredReplicas int32!
    5 currentMetrics []autoscalingv2.MetricStatus!
    6 conditions []autoscalingv2.HorizontalPodAutoscalerCondition
    """,
    "autoscalingv2.MetricIdentifier": """
    1 name string!
    2 selector metav1.LabelSelector?
    """,
    "autoscalingv2.MetricSpec": """
    1 type string!
    2 object autoscalingv2.ObjectMetricSource?
    3 pods autoscalingv2.PodsMetricSource?
    4 resource autoscalingv2.ResourceMetricSource?
    7 containerResource autoscalingv2.ContainerResourceMetricSource?
    5 external autoscalingv2.ExternalMetricSource?
    """,
    "autoscalingv2.MetricStatus": """
    1 type string!
    2 object autoscalingv2.ObjectMetricStatus?
    3 pods autoscalingv2.PodsMetricStatus?
    4 resource autoscalingv2.ResourceMetricStatus?
    7 containerResource autoscalingv2.ContainerResourceMetricStatus?
    5 external autoscalingv2.ExternalMetricStatus?
    """,
    "autoscalingv2.MetricTarget": """
    1 type string!
    2 value quantity?
    3 averageValue quantity?
    4 averageUtilization int32?
    """,
    "autoscalingv2.MetricValueStatus": """
    1 value quantity?
    2 averageValue quantity?
    3 averageUtilization int32?
    """,
    "autoscalingv2.ObjectMetricSource": """
    1 describedObject autoscalingv2.CrossVersionObjectReference!
    2 target autoscalingv2.MetricTarget!
    3 metric autoscalingv2.MetricIdentifier!
    """,
    "autoscalingv2.ObjectMetricStatus": """
    1 metric autoscalingv2.MetricIdentifier!
    2 current autoscalingv2.MetricValueStatus!
    3 describedObject autoscalingv2.CrossVersionObjectReference!
    """,
    "autoscalingv2.PodsMetricSource": """
    1 metric autoscalingv2.MetricIdentifier!
    2 target autoscalingv2.MetricTarget!
    """,
    "autoscalingv2.PodsMetricStatus": """
    1 metric autoscalingv2.MetricIdentifier!
    2 current autoscalingv2.MetricValueStatus!
    """,
    "autoscalingv2.ResourceMetricSource": """
    1 name string!
    2 target autoscalingv2.MetricTarget!
    """,
    "autoscalingv2.ResourceMetricStatus": """
    1 name string!
    2 current autoscalingv2.MetricValueStatus!
    """,
    "batchv1.CronJob": """
    1 metadata metav1.ObjectMeta
    2 spec batchv1.CronJobSpec
    3 status batchv1.CronJobStatus
    """,
    "batchv1.CronJobSpec": """
    1 schedule string!
    8 timeZone string?
    2 startingDeadlineSeconds int64?
    3 concurrencyPolicy string
    4 suspend bool?
    5 jobTemplate batchv1.JobTemplateSpec!
    6 successfulJobsHistoryLimit int32?
    7 failedJobsHistoryLimit int32?
    """,
    "batchv1.CronJobStatus": """
    1 active []corev1.ObjectReference
    4 lastScheduleTime time?
    5 lastSuccessfulTime time?
    """,
    "batchv1.Job": """
    1 metadata metav1.ObjectMeta
    2 spec batchv1.JobSpec
    3 status batchv1.JobStatus
    """,
    "batchv1.JobCondition": """
    1 type string!
    2 status string!
    3 lastProbeTime time
    4 lastTransitionTime time
    5 reason string
    6 message string
    """,
    "batchv1.JobSpec": """
    1 parallelism int32?
    2 completions int32?
    3 activeDeadlineSeconds int64?
    11 podFailurePolicy batchv1.PodFailurePolicy?
    16 successPolicy batchv1.SuccessPolicy?
    7 backoffLimit int32?
    12 backoffLimitPerIndex int32?
    13 maxFailedIndexes int32?
    4 selector metav1.LabelSelector?
    5 manualSelector bool?
    6 template corev1.PodTemplateSpec!
    8 ttlSecondsAfterFinished int32?
    9 completionMode string?
    10 suspend bool?
    14 podReplacementPolicy string?
    15 managedBy string?
    """,
    "batchv1.JobStatus": """
    1 conditions []batchv1.JobCondition
    2 startTime time?
    3 completionTime time?
    4 active int32
    5 succeeded int32
    6 failed int32
    11 terminating int32?
    7 completedIndexes string
    10 failedIndexes string?
    8 uncountedTerminatedPods batchv1.UncountedTerminatedPods?
    9 ready int32?
    """,
    "batchv1.JobTemplateSpec": """
    1 metadata metav1.ObjectMeta
    2 spec batchv1.JobSpec
    """,
    "batchv1.PodFailurePolicy": """
    1 rules []batchv1.PodFailurePolicyRule!
    """,
    "batchv1.PodFailurePolicyOnExitCodesRequirement": """
    1 containerName string?
    2 operator string!
    3 values []int32!
    """,
    "batchv1.PodFailurePolicyOnPodConditionsPattern": """
    1 type string!
    2 status string!
    """,
    "batchv1.PodFailurePolicyRule": """
    1 action string!
    2 onExitCodes batchv1.PodFailurePolicyOnExitCodesRequirement?
    3 onPodConditions []batchv1.PodFailurePolicyOnPodConditionsPattern
    """,
    "batchv1.SuccessPolicy": """
    1 rules []batchv1.SuccessPolicyRule!
    """,
    "batchv1.SuccessPolicyRule": """
    1 succeededIndexes string?
    2 succeededCount int32?
    """,
    "batchv1.UncountedTerminatedPods": """
    1 succeeded []string
    2 failed []string
    """,
    "coordinationv1.Lease": """
    1 metadata metav1.ObjectMeta
    2 spec coordinationv1.LeaseSpec
    """,
    "coordinationv1.LeaseSpec": """
    1 holderIdentity string?
    2 leaseDurationSeconds int32?
    3 acquireTime microtime?
    4 renewTime microtime?
    5 leaseTransitions int32?
    6 strategy string?
    7 preferredHolder string?
    """,
    "corev1.AWSElasticBlockStoreVolumeSource": """
    1 volumeID string!
    2 fsType string
    3 partition int32
    4 readOnly bool
    """,
    "corev1.Affinity": """
    1 nodeAffinity corev1.NodeAffinity?
    2 podAffinity corev1.PodAffinity?
    3 podAntiAffinity corev1.PodAntiAffinity?
    """,
    "corev1.AppArmorProfile": """
    1 type string!
    2 localhostProfile string?
    """,
    "corev1.AttachedVolume": """
    1 name string!
    2 devicePath string!
    """,
    "corev1.AzureDiskVolumeSource": """
    1 diskName string!
    2 diskURI string!
    3 cachingMode string?
    4 fsType string?
    5 readOnly bool?
    6 kind string?
    """,
    "corev1.AzureFilePersistentVolumeSource": """
    1 secretName string!
    2 shareName string!
    3 readOnly bool
    4 secretNamespace string!?
    """,
    "corev1.AzureFileVolumeSource": """
    1 secretName string!
    2 shareName string!
    3 readOnly bool
    """,
    "corev1.Binding": """
    1 metadata metav1.ObjectMeta
    2 target corev1.ObjectReference!
    """,
    "corev1.CSIPersistentVolumeSource": """
    1 driver string!
    2 volumeHandle string!
    3 readOnly bool
    4 fsType string
    5 volumeAttributes {}string
    6 controllerPublishSecretRef corev1.SecretReference?
    7 nodeStageSecretRef corev1.SecretReference?
    8 nodePublishSecretRef corev1.SecretReference?
    9 controllerExpandSecretRef corev1.SecretReference?
    10 nodeExpandSecretRef corev1.SecretReference?
    """,
    "corev1.CSIVolumeSource": """
    1 driver string!
    2 readOnly bool?
    3 fsType string?
    4 volumeAttributes {}string
    5 nodePublishSecretRef corev1.LocalObjectReference?
    """,
    "corev1.Capabilities": """
    1 add []string
    2 drop []string
    """,
    "corev1.CephFSPersistentVolumeSource": """
    1 monitors []string!
    2 path string
    3 user string
    4 secretFile string
    5 secretRef corev1.SecretReference?
    6 readOnly bool
    """,
    "corev1.CephFSVolumeSource": """
    1 monitors []string!
    2 path string
    3 user string
    4 secretFile string
    5 secretRef corev1.LocalObjectReference?
    6 readOnly bool
    """,
    "corev1.CinderPersistentVolumeSource": """
    1 volumeID string!
    2 fsType string
    3 readOnly bool
    4 secretRef corev1.SecretReference?
    """,
    "corev1.CinderVolumeSource": """
    1 volumeID string!
    2 fsType string
    3 readOnly bool
    4 secretRef corev1.LocalObjectReference?
    """,
    "corev1.ClientIPConfig": """
    1 timeoutSeconds int32?
    """,
    "corev1.ClusterTrustBundleProjection": """
    1 name string?
    2 signerName string?
    3 labelSelector metav1.LabelSelector?
    5 optional bool?
    4 path string!
    """,
    "corev1.ConfigMap": """
    1 metadata metav1.ObjectMeta
    4 immutable bool?
    2 data {}string
    3 binaryData {}bytes
    """,
    "corev1.ConfigMapEnvSource": """
    1 * corev1.LocalObjectReference
    2 optional bool?
    """,
    "corev1.ConfigMapKeySelector": """
    1 * corev1.LocalObjectReference
    2 key string!
    3 optional bool?
    """,
    "corev1.ConfigMapNodeConfigSource": """
    1 namespace string!
    2 name string!
    3 uid string
    4 resourceVersion string
    5 kubeletConfigKey string!
    """,
    "corev1.ConfigMapProjection": """
    1 * corev1.LocalObjectReference
    2 items []corev1.KeyToPath
    4 optional bool?
    """,
    "corev1.ConfigMapVolumeSource": """
    1 * corev1.LocalObjectReference
    2 items []corev1.KeyToPath
    3 defaultMode int32?
    4 optional bool?
    """,
    "corev1.Container": """
    1 name string!
    2 image string
    3 command []string
    4 args []string
    5 workingDir string
    6 ports []corev1.ContainerPort
    19 envFrom []corev1.EnvFromSource
    7 env []corev1.EnvVar
    8 resources corev1.ResourceRequirements
    23 resizePolicy []corev1.ContainerResizePolicy
    24 restartPolicy string?
    9 volumeMounts []corev1.VolumeMount
    21 volumeDevices []corev1.VolumeDevice
    10 livenessProbe corev1.Probe?
    11 readinessProbe corev1.Probe?
    22 startupProbe corev1.Probe?
    12 lifecycle corev1.Lifecycle?
    13 terminationMessagePath string
    20 terminationMessagePolicy string
    14 imagePullPolicy string
    15 securityContext corev1.SecurityContext?
    16 stdin bool
    17 stdinOnce bool
    18 tty bool
    """,
    "corev1.ContainerImage": """
    1 names []string!
    2 sizeBytes int64
    """,
    "corev1.ContainerPort": """
    1 name string
    2 hostPort int32
    3 containerPort int32!
    4 protocol string
    5 hostIP string
    """,
    "corev1.ContainerResizePolicy": """
    1 resourceName string!
    2 restartPolicy string!
    """,
    "corev1.ContainerState": """
    1 waiting corev1.ContainerStateWaiting?
    2 running corev1.ContainerStateRunning?
    3 terminated corev1.ContainerStateTerminated?
    """,
    "corev1.ContainerStateRunning": """
    1 startedAt time
    """,
    "corev1.ContainerStateTerminated": """
    1 exitCode int32!
    2 signal int32
    3 reason string
    4 message string
    5 startedAt time
    6 finishedAt time
    7 containerID string
    """,
    "corev1.ContainerStateWaiting": """
    1 reason string
    2 message string
    """,
    "corev1.ContainerStatus": """
    1 name string!
    2 state corev1.ContainerState
    3 lastState corev1.ContainerState
    4 ready bool!
    5 restartCount int32!
    6 image string!
    7 imageID string!
    8 containerID string
    9 started bool?
    10 allocatedResources {}quantity
    11 resources corev1.ResourceRequirements?
    12 volumeMounts []corev1.VolumeMountStatus
    13 user corev1.ContainerUser?
    14 allocatedResourcesStatus []corev1.ResourceStatus
    15 stopSignal string?
    """,
    "corev1.ContainerUser": """
    1 linux corev1.LinuxContainerUser?
    """,
    "corev1.DaemonEndpoint": """
    1 Port int32!
    """,
    "corev1.DownwardAPIProjection": """
    1 items []corev1.DownwardAPIVolumeFile
    """,
    "corev1.DownwardAPIVolumeFile": """
    1 path string!
    2 fieldRef corev1.ObjectFieldSelector?
    3 resourceFieldRef corev1.ResourceFieldSelector?
    4 mode int32?
    """,
    "corev1.DownwardAPIVolumeSource": """
    1 items []corev1.DownwardAPIVolumeFile
    2 defaultMode int32?
    """,
    "corev1.EmptyDirVolumeSource": """
    1 medium string
    2 sizeLimit quantity?
    """,
    "corev1.EndpointAddress": """
    1 ip string!
    3 hostname string
    4 nodeName string?
    2 targetRef corev1.ObjectReference?
    """,
    "corev1.EndpointPort": """
    1 name string
    2 port int32!
    3 protocol string
    4 appProtocol string?
    """,
    "corev1.EndpointSubset": """
    1 addresses []corev1.EndpointAddress
    2 notReadyAddresses []corev1.EndpointAddress
    3 ports []corev1.EndpointPort
    """,
    "corev1.Endpoints": """
    1 metadata metav1.ObjectMeta
    2 subsets []corev1.EndpointSubset
    """,
    "corev1.EnvFromSource": """
    1 prefix string
    2 configMapRef corev1.ConfigMapEnvSource?
    3 secretRef corev1.SecretEnvSource?
    """,
    "corev1.EnvVar": """
    1 name string!
    2 value string
    3 valueFrom corev1.EnvVarSource?
    """,
    "corev1.EnvVarSource": """
    1 fieldRef corev1.ObjectFieldSelector?
    2 resourceFieldRef corev1.ResourceFieldSelector?
    3 configMapKeyRef corev1.ConfigMapKeySelector?
    4 secretKeyRef corev1.SecretKeySelector?
    """,
    "corev1.EphemeralContainer": """
    1 * corev1.EphemeralContainerCommon
    2 targetContainerName string
    """,
    "corev1.EphemeralContainerCommon": """
    1 name string!
    2 image string
    3 command []string
    4 args []string
    5 workingDir string
    6 ports []corev1.ContainerPort
    19 envFrom []corev1.EnvFromSource
    7 env []corev1.EnvVar
    8 resources corev1.ResourceRequirements
    23 resizePolicy []corev1.ContainerResizePolicy
    24 restartPolicy string?
    9 volumeMounts []corev1.VolumeMount
    21 volumeDevices []corev1.VolumeDevice
    10 livenessProbe corev1.Probe?
    11 readinessProbe corev1.Probe?
    22 startupProbe corev1.Probe?
    12 lifecycle corev1.Lifecycle?
    13 terminationMessagePath string
    20 terminationMessagePolicy string
    14 imagePullPolicy string
    15 securityContext corev1.SecurityContext?
    16 stdin bool
    17 stdinOnce bool
    18 tty bool
    """,
    "corev1.EphemeralVolumeSource": """
    1 volumeClaimTemplate corev1.PersistentVolumeClaimTemplate?
    """,
    "corev1.Event": """
    1 metadata metav1.ObjectMeta!
    2 involvedObject corev1.ObjectReference!
    3 reason string
    4 message string
    5 source corev1.EventSource
    6 firstTimestamp time
    7 lastTimestamp time
    8 count int32
    9 type string
    10 eventTime microtime
    11 series corev1.EventSeries?
    12 action string
    13 related corev1.ObjectReference?
    14 reportingComponent string!
    15 reportingInstance string!
    """,
    "corev1.EventSeries": """
    1 count int32
    2 lastObservedTime microtime
    """,
    "corev1.EventSource": """
    1 component string
    2 host string
    """,
    "corev1.ExecAction": """
    1 command []string
    """,
    "corev1.FCVolumeSource": """
    1 targetWWNs []string
    2 lun int32?
    3 fsType string
    4 readOnly bool
    5 wwids []string
    """,
    "corev1.FlexPersistentVolumeSource": """
    1 driver string!
    2 fsType string
    3 secretRef corev1.SecretReference?
    4 readOnly bool
    5 options {}string
    """,
    "corev1.FlexVolumeSource": """
    1 driver string!
    2 fsType string
    3 secretRef corev1.LocalObjectReference?
    4 readOnly bool
    5 options {}string
    """,
    "corev1.FlockerVolumeSource": """
    1 datasetName string
    2 datasetUUID string
    """,
    "corev1.GCEPersistentDiskVolumeSource": """
    1 pdName string!
    2 fsType string
    3 partition int32
    4 readOnly bool
    """,
    "corev1.GRPCAction": """
    1 port int32!
    2 service string!?
    """,
    "corev1.GitRepoVolumeSource": """
    1 repository string!
    2 revision string
    3 directory string
    """,
    "corev1.GlusterfsPersistentVolumeSource": """
    1 endpoints string!
    2 path string!
    3 readOnly bool
    4 endpointsNamespace string?
    """,
    "corev1.GlusterfsVolumeSource": """
    1 endpoints string!
    2 path string!
    3 readOnly bool
    """,
    "corev1.HTTPGetAction": """
    1 path string
    2 port intstr!
    3 host string
    4 scheme string
    5 httpHeaders []corev1.HTTPHeader
    """,
    "corev1.HTTPHeader": """
    1 name string!
    2 value string!
    """,
    "corev1.HostAlias": """
    1 ip string!
    2 hostnames []string
    """,
    "corev1.HostIP": """
    1 ip string!
    """,
    "corev1.HostPathVolumeSource": """
    1 path string!
    2 type string?
    """,
    "corev1.ISCSIPersistentVolumeSource": """
    1 targetPortal string!
    2 iqn string!
    3 lun int32!
    4 iscsiInterface string
    5 fsType string
    6 readOnly bool
    7 portals []string
    8 chapAuthDiscovery bool
    11 chapAuthSession bool
    10 secretRef corev1.SecretReference?
    12 initiatorName string?
    """,
    "corev1.ISCSIVolumeSource": """
    1 targetPortal string!
    2 iqn string!
    3 lun int32!
    4 iscsiInterface string
    5 fsType string
    6 readOnly bool
    7 portals []string
    8 chapAuthDiscovery bool
    11 chapAuthSession bool
    10 secretRef corev1.LocalObjectReference?
    12 initiatorName string?
    """,
    "corev1.ImageVolumeSource": """
    1 reference string
    2 pullPolicy string
    """,
    "corev1.KeyToPath": """
    1 key string!
    2 path string!
    3 mode int32?
    """,
    "corev1.Lifecycle": """
    1 postStart corev1.LifecycleHandler?
    2 preStop corev1.LifecycleHandler?
    3 stopSignal string?
    """,
    "corev1.LifecycleHandler": """
    1 exec corev1.ExecAction?
    2 httpGet corev1.HTTPGetAction?
    3 tcpSocket corev1.TCPSocketAction?
    4 sleep corev1.SleepAction?
    """,
    "corev1.LimitRange": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.LimitRangeSpec
    """,
    "corev1.LimitRangeItem": """
    1 type string!
    2 max {}quantity
    3 min {}quantity
    4 default {}quantity
    5 defaultRequest {}quantity
    6 maxLimitRequestRatio {}quantity
    """,
    "corev1.LimitRangeSpec": """
    1 limits []corev1.LimitRangeItem!
    """,
    "corev1.LinuxContainerUser": """
    1 uid int64!
    2 gid int64!
    3 supplementalGroups []int64
    """,
    "corev1.LoadBalancerIngress": """
    1 ip string
    2 hostname string
    3 ipMode string?
    4 ports []corev1.PortStatus
    """,
    "corev1.LoadBalancerStatus": """
    1 ingress []corev1.LoadBalancerIngress
    """,
    "corev1.LocalObjectReference": """
    1 name string
    """,
    "corev1.LocalVolumeSource": """
    1 path string!
    2 fsType string?
    """,
    "corev1.ModifyVolumeStatus": """
    1 targetVolumeAttributesClassName string
    2 status string!
    """,
    "corev1.NFSVolumeSource": """
    1 server string!
    2 path string!
    3 readOnly bool
    """,
    "corev1.Namespace": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.NamespaceSpec
    3 status corev1.NamespaceStatus
    """,
    "corev1.NamespaceCondition": """
    1 type string!
    2 status string!
    4 lastTransitionTime time
    5 reason string
    6 message string
    """,
    "corev1.NamespaceSpec": """
    1 finalizers []string
    """,
    "corev1.NamespaceStatus": """
    1 phase string
    2 conditions []corev1.NamespaceCondition
    """,
    "corev1.Node": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.NodeSpec
    3 status corev1.NodeStatus
    """,
    "corev1.NodeAddress": """
    1 type string!
    2 address string!
    """,
    "corev1.NodeAffinity": """
    1 requiredDuringSchedulingIgnoredDuringExecution corev1.NodeSelector?
    2 preferredDuringSchedulingIgnoredDuringExecution []corev1.PreferredSchedulingTerm
    """,
    "corev1.NodeCondition": """
    1 type string!
    2 status string!
    3 lastHeartbeatTime time
    4 lastTransitionTime time
    5 reason string
    6 message string
    """,
    "corev1.NodeConfigSource": """
    2 configMap corev1.ConfigMapNodeConfigSource?
    """,
    "corev1.NodeConfigStatus": """
    1 assigned corev1.NodeConfigSource?
    2 active corev1.NodeConfigSource?
    3 lastKnownGood corev1.NodeConfigSource?
    4 error string
    """,
    "corev1.NodeDaemonEndpoints": """
    1 kubeletEndpoint corev1.DaemonEndpoint
    """,
    "corev1.NodeFeatures": """
    1 supplementalGroupsPolicy bool?
    """,
    "corev1.NodeRuntimeHandler": """
    1 name string!
    2 features corev1.NodeRuntimeHandlerFeatures?
    """,
    "corev1.NodeRuntimeHandlerFeatures": """
    1 recursiveReadOnlyMounts bool?
    2 userNamespaces bool?
    """,
    "corev1.NodeSelector": """
    1 nodeSelectorTerms []corev1.NodeSelectorTerm!
    """,
    "corev1.NodeSelectorRequirement": """
    1 key string!
    2 operator string!
    3 values []string
    """,
    "corev1.NodeSelectorTerm": """
    1 matchExpressions []corev1.NodeSelectorRequirement
    2 matchFields []corev1.NodeSelectorRequirement
    """,
    "corev1.NodeSpec": """
    1 podCIDR string
    7 podCIDRs []string
    3 providerID string
    4 unschedulable bool
    5 taints []corev1.Taint
    6 configSource corev1.NodeConfigSource?
    2 externalID string
    """,
    "corev1.NodeStatus": """
    1 capacity {}quantity
    2 allocatable {}quantity
    3 phase string
    4 conditions []corev1.NodeCondition
    5 addresses []corev1.NodeAddress
    6 daemonEndpoints corev1.NodeDaemonEndpoints
    7 nodeInfo corev1.NodeSystemInfo
    8 images []corev1.ContainerImage
    9 volumesInUse []string
    10 volumesAttached []corev1.AttachedVolume
    11 config corev1.NodeConfigStatus?
    12 runtimeHandlers []corev1.NodeRuntimeHandler
    13 features corev1.NodeFeatures?
    """,
    "corev1.NodeSwapStatus": """
    1 capacity int64?
    """,
    "corev1.NodeSystemInfo": """
    1 machineID string!
    2 systemUUID string!
    3 bootID string!
    4 kernelVersion string!
    5 osImage string!
    6 containerRuntimeVersion string!
    7 kubeletVersion string!
    8 kubeProxyVersion string!
    9 operatingSystem string!
    10 architecture string!
    11 swap corev1.NodeSwapStatus?
    """,
    "corev1.ObjectFieldSelector": """
    1 apiVersion string
    2 fieldPath string!
    """,
    "corev1.ObjectReference": """
    1 kind string
    2 namespace string
    3 name string
    4 uid string
    5 apiVersion string
    6 resourceVersion string
    7 fieldPath string
    """,
    "corev1.PersistentVolume": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.PersistentVolumeSpec
    3 status corev1.PersistentVolumeStatus
    """,
    "corev1.PersistentVolumeClaim": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.PersistentVolumeClaimSpec
    3 status corev1.PersistentVolumeClaimStatus
    """,
    "corev1.PersistentVolumeClaimCondition": """
    1 type string!
    2 status string!
    3 lastProbeTime time
    4 lastTransitionTime time
    5 reason string
    6 message string
    """,
    "corev1.PersistentVolumeClaimSpec": """
    1 accessModes []string
    4 selector metav1.LabelSelector?
    2 resources corev1.VolumeResourceRequirements
    3 volumeName string
    5 storageClassName string?
    6 volumeMode string?
    7 dataSource corev1.TypedLocalObjectReference?
    8 dataSourceRef corev1.TypedObjectReference?
    9 volumeAttributesClassName string?
    """,
    "corev1.PersistentVolumeClaimStatus": """
    1 phase string
    2 accessModes []string
    3 capacity {}quantity
    4 conditions []corev1.PersistentVolumeClaimCondition
    5 allocatedResources {}quantity
    7 allocatedResourceStatuses {}string
    8 currentVolumeAttributesClassName string?
    9 modifyVolumeStatus corev1.ModifyVolumeStatus?
    """,
    "corev1.PersistentVolumeClaimTemplate": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.PersistentVolumeClaimSpec!
    """,
    "corev1.PersistentVolumeClaimVolumeSource": """
    1 claimName string!
    2 readOnly bool
    """,
    "corev1.PersistentVolumeSource": """
    1 gcePersistentDisk corev1.GCEPersistentDiskVolumeSource?
    2 awsElasticBlockStore corev1.AWSElasticBlockStoreVolumeSource?
    3 hostPath corev1.HostPathVolumeSource?
    4 glusterfs corev1.GlusterfsPersistentVolumeSource?
    5 nfs corev1.NFSVolumeSource?
    6 rbd corev1.RBDPersistentVolumeSource?
    7 iscsi corev1.ISCSIPersistentVolumeSource?
    8 cinder corev1.CinderPersistentVolumeSource?
    9 cephfs corev1.CephFSPersistentVolumeSource?
    10 fc corev1.FCVolumeSource?
    11 flocker corev1.FlockerVolumeSource?
    12 flexVolume corev1.FlexPersistentVolumeSource?
    13 azureFile corev1.AzureFilePersistentVolumeSource?
    14 vsphereVolume corev1.VsphereVirtualDiskVolumeSource?
    15 quobyte corev1.QuobyteVolumeSource?
    16 azureDisk corev1.AzureDiskVolumeSource?
    17 photonPersistentDisk corev1.PhotonPersistentDiskVolumeSource?
    18 portworxVolume corev1.PortworxVolumeSource?
    19 scaleIO corev1.ScaleIOPersistentVolumeSource?
    20 local corev1.LocalVolumeSource?
    21 storageos corev1.StorageOSPersistentVolumeSource?
    22 csi corev1.CSIPersistentVolumeSource?
    """,
    "corev1.PersistentVolumeSpec": """
    1 capacity {}quantity
    2 * corev1.PersistentVolumeSource
    3 accessModes []string
    4 claimRef corev1.ObjectReference?
    5 persistentVolumeReclaimPolicy string
    6 storageClassName string
    7 mountOptions []string
    8 volumeMode string?
    9 nodeAffinity corev1.VolumeNodeAffinity?
    10 volumeAttributesClassName string?
    """,
    "corev1.PersistentVolumeStatus": """
    1 phase string
    2 message string
    3 reason string
    4 lastPhaseTransitionTime time?
    """,
    "corev1.PhotonPersistentDiskVolumeSource": """
    1 pdID string!
    2 fsType string
    """,
    "corev1.Pod": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.PodSpec
    3 status corev1.PodStatus
    """,
    "corev1.PodAffinity": """
    1 requiredDuringSchedulingIgnoredDuringExecution []corev1.PodAffinityTerm
    2 preferredDuringSchedulingIgnoredDuringExecution []corev1.WeightedPodAffinityTerm
    """,
    "corev1.PodAffinityTerm": """
    1 labelSelector metav1.LabelSelector?
    2 namespaces []string
    3 topologyKey string!
    4 namespaceSelector metav1.LabelSelector?
    5 matchLabelKeys []string
    6 mismatchLabelKeys []string
    """,
    "corev1.PodAntiAffinity": """
    1 requiredDuringSchedulingIgnoredDuringExecution []corev1.PodAffinityTerm
    2 preferredDuringSchedulingIgnoredDuringExecution []corev1.WeightedPodAffinityTerm
    """,
    "corev1.PodCondition": """
    1 type string!
    7 observedGeneration int64
    2 status string!
    3 lastProbeTime time
    4 lastTransitionTime time
    5 reason string
    6 message string
    """,
    "corev1.PodDNSConfig": """
    1 nameservers []string
    2 searches []string
    3 options []corev1.PodDNSConfigOption
    """,
    "corev1.PodDNSConfigOption": """
    1 name string
    2 value string?
    """,
    "corev1.PodIP": """
    1 ip string!
    """,
    "corev1.PodOS": """
    1 name string!
    """,
    "corev1.PodReadinessGate": """
    1 conditionType string!
    """,
    "corev1.PodResourceClaim": """
    1 name string!
    3 resourceClaimName string?
    4 resourceClaimTemplateName string?
    """,
    "corev1.PodResourceClaimStatus": """
    1 name string!
    2 resourceClaimName string?
    """,
    "corev1.PodSchedulingGate": """
    1 name string!
    """,
    "corev1.PodSecurityContext": """
    1 seLinuxOptions corev1.SELinuxOptions?
    8 windowsOptions corev1.WindowsSecurityContextOptions?
    2 runAsUser int64?
    6 runAsGroup int64?
    3 runAsNonRoot bool?
    4 supplementalGroups []int64
    12 supplementalGroupsPolicy string?
    5 fsGroup int64?
    7 sysctls []corev1.Sysctl
    9 fsGroupChangePolicy string?
    10 seccompProfile corev1.SeccompProfile?
    11 appArmorProfile corev1.AppArmorProfile?
    13 seLinuxChangePolicy string?
    """,
    "corev1.PodSpec": """
    1 volumes []corev1.Volume
    20 initContainers []corev1.Container
    2 containers []corev1.Container!
    34 ephemeralContainers []corev1.EphemeralContainer
    3 restartPolicy string
    4 terminationGracePeriodSeconds int64?
    5 activeDeadlineSeconds int64?
    6 dnsPolicy string
    7 nodeSelector {}string
    8 serviceAccountName string
    9 serviceAccount string
    21 automountServiceAccountToken bool?
    10 nodeName string
    11 hostNetwork bool
    12 hostPID bool
    13 hostIPC bool
    27 shareProcessNamespace bool?
    14 securityContext corev1.PodSecurityContext?
    15 imagePullSecrets []corev1.LocalObjectReference
    16 hostname string
    17 subdomain string
    18 affinity corev1.Affinity?
    19 schedulerName string
    22 tolerations []corev1.Toleration
    23 hostAliases []corev1.HostAlias
    24 priorityClassName string
    25 priority int32?
    26 dnsConfig corev1.PodDNSConfig?
    28 readinessGates []corev1.PodReadinessGate
    29 runtimeClassName string?
    30 enableServiceLinks bool?
    31 preemptionPolicy string?
    32 overhead {}quantity
    33 topologySpreadConstraints []corev1.TopologySpreadConstraint
    35 setHostnameAsFQDN bool?
    36 os corev1.PodOS?
    37 hostUsers bool?
    38 schedulingGates []corev1.PodSchedulingGate
    39 resourceClaims []corev1.PodResourceClaim
    40 resources corev1.ResourceRequirements?
    """,
    "corev1.PodStatus": """
    17 observedGeneration int64
    1 phase string
    2 conditions []corev1.PodCondition
    3 message string
    4 reason string
    11 nominatedNodeName string
    5 hostIP string
    16 hostIPs []corev1.HostIP
    6 podIP string
    12 podIPs []corev1.PodIP
    7 startTime time?
    10 initContainerStatuses []corev1.ContainerStatus
    8 containerStatuses []corev1.ContainerStatus
    9 qosClass string
    13 ephemeralContainerStatuses []corev1.ContainerStatus
    14 resize string
    15 resourceClaimStatuses []corev1.PodResourceClaimStatus
    """,
    "corev1.PodTemplate": """
    1 metadata metav1.ObjectMeta
    2 template corev1.PodTemplateSpec
    """,
    "corev1.PodTemplateSpec": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.PodSpec
    """,
    "corev1.PortStatus": """
    1 port int32!
    2 protocol string!
    3 error string?
    """,
    "corev1.PortworxVolumeSource": """
    1 volumeID string!
    2 fsType string
    3 readOnly bool
    """,
    "corev1.PreferredSchedulingTerm": """
    1 weight int32!
    2 preference corev1.NodeSelectorTerm!
    """,
    "corev1.Probe": """
    1 * corev1.ProbeHandler
    2 initialDelaySeconds int32
    3 timeoutSeconds int32
    4 periodSeconds int32
    5 successThreshold int32
    6 failureThreshold int32
    7 terminationGracePeriodSeconds int64?
    """,
    "corev1.ProbeHandler": """
    1 exec corev1.ExecAction?
    2 httpGet corev1.HTTPGetAction?
    3 tcpSocket corev1.TCPSocketAction?
    4 grpc corev1.GRPCAction?
    """,
    "corev1.ProjectedVolumeSource": """
    1 sources []corev1.VolumeProjection!
    2 defaultMode int32?
    """,
    "corev1.QuobyteVolumeSource": """
    1 registry string!
    2 volume string!
    3 readOnly bool
    4 user string
    5 group string
    6 tenant string
    """,
    "corev1.RBDPersistentVolumeSource": """
    1 monitors []string!
    2 image string!
    3 fsType string
    4 pool string
    5 user string
    6 keyring string
    7 secretRef corev1.SecretReference?
    8 readOnly bool
    """,
    "corev1.RBDVolumeSource": """
    1 monitors []string!
    2 image string!
    3 fsType string
    4 pool string
    5 user string
    6 keyring string
    7 secretRef corev1.LocalObjectReference?
    8 readOnly bool
    """,
    "corev1.ReplicationController": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.ReplicationControllerSpec
    3 status corev1.ReplicationControllerStatus
    """,
    "corev1.ReplicationControllerCondition": """
    1 type string!
    2 status string!
    3 lastTransitionTime time
    4 reason string
    5 message string
    """,
    "corev1.ReplicationControllerSpec": """
    1 replicas int32?
    4 minReadySeconds int32
    2 selector {}string
    3 template corev1.PodTemplateSpec?
    """,
    "corev1.ReplicationControllerStatus": """
    1 replicas int32!
    2 fullyLabeledReplicas int32
    4 readyReplicas int32
    5 availableReplicas int32
    3 observedGeneration int64
    6 conditions []corev1.ReplicationControllerCondition
    """,
    "corev1.ResourceClaim": """
    1 name string!
    2 request string
    """,
    "corev1.ResourceFieldSelector": """
    1 containerName string
    2 resource string!
    3 divisor quantity
    """,
    "corev1.ResourceHealth": """
    1 resourceID string!
    2 health string
    """,
    "corev1.ResourceQuota": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.ResourceQuotaSpec
    3 status corev1.ResourceQuotaStatus
    """,
    "corev1.ResourceQuotaSpec": """
    1 hard {}quantity
    2 scopes []string
    3 scopeSelector corev1.ScopeSelector?
    """,
    "corev1.ResourceQuotaStatus": """
    1 hard {}quantity
    2 used {}quantity
    """,
    "corev1.ResourceRequirements": """
    1 limits {}quantity
    2 requests {}quantity
    3 claims []corev1.ResourceClaim
    """,
    "corev1.ResourceStatus": """
    1 name string!
    2 resources []corev1.ResourceHealth
    """,
    "corev1.SELinuxOptions": """
    1 user string
    2 role string
    3 type string
    4 level string
    """,
    "corev1.ScaleIOPersistentVolumeSource": """
    1 gateway string!
    2 system string!
    3 secretRef corev1.SecretReference!?
    4 sslEnabled bool
    5 protectionDomain string
    6 storagePool string
    7 storageMode string
    8 volumeName string
    9 fsType string
    10 readOnly bool
    """,
    "corev1.ScaleIOVolumeSource": """
    1 gateway string!
    2 system string!
    3 secretRef corev1.LocalObjectReference!?
    4 sslEnabled bool
    5 protectionDomain string
    6 storagePool string
    7 storageMode string
    8 volumeName string
    9 fsType string
    10 readOnly bool
    """,
    "corev1.ScopeSelector": """
    1 matchExpressions []corev1.ScopedResourceSelectorRequirement
    """,
    "corev1.ScopedResourceSelectorRequirement": """
    1 scopeName string!
    2 operator string!
    3 values []string
    """,
    "corev1.SeccompProfile": """
    1 type string!
    2 localhostProfile string?
    """,
    "corev1.Secret": """
    1 metadata metav1.ObjectMeta
    5 immutable bool?
    2 data {}bytes
    4 stringData {}string
    3 type string
    """,
    "corev1.SecretEnvSource": """
    1 * corev1.LocalObjectReference
    2 optional bool?
    """,
    "corev1.SecretKeySelector": """
    1 * corev1.LocalObjectReference
    2 key string!
    3 optional bool?
    """,
    "corev1.SecretProjection": """
    1 * corev1.LocalObjectReference
    2 items []corev1.KeyToPath
    4 optional bool?
    """,
    "corev1.SecretReference": """
    1 name string
    2 namespace string
    """,
    "corev1.SecretVolumeSource": """
    1 secretName string
    2 items []corev1.KeyToPath
    3 defaultMode int32?
    4 optional bool?
    """,
    "corev1.SecurityContext": """
    1 capabilities corev1.Capabilities?
    2 privileged bool?
    3 seLinuxOptions corev1.SELinuxOptions?
    10 windowsOptions corev1.WindowsSecurityContextOptions?
    4 runAsUser int64?
    8 runAsGroup int64?
    5 runAsNonRoot bool?
    6 readOnlyRootFilesystem bool?
    7 allowPrivilegeEscalation bool?
    9 procMount string?
    11 seccompProfile corev1.SeccompProfile?
    12 appArmorProfile corev1.AppArmorProfile?
    """,
    "corev1.Service": """
    1 metadata metav1.ObjectMeta
    2 spec corev1.ServiceSpec
    3 status corev1.ServiceStatus
    """,
    "corev1.ServiceAccount": """
    1 metadata metav1.ObjectMeta
    2 secrets []corev1.ObjectReference
    3 imagePullSecrets []corev1.LocalObjectReference
    4 automountServiceAccountToken bool?
    """,
    "corev1.ServiceAccountTokenProjection": """
    1 audience string
    2 expirationSeconds int64?
    3 path string!
    """,
    "corev1.ServicePort": """
    1 name string
    2 protocol string
    6 appProtocol string?
    3 port int32!
    4 targetPort intstr
    5 nodePort int32
    """,
    "corev1.ServiceSpec": """
    1 ports []corev1.ServicePort
    2 selector {}string
    3 clusterIP string
    18 clusterIPs []string
    4 type string
    5 externalIPs []string
    7 sessionAffinity string
    8 loadBalancerIP string
    9 loadBalancerSourceRanges []string
    10 externalName string
    11 externalTrafficPolicy string
    12 healthCheckNodePort int32
    13 publishNotReadyAddresses bool
    14 sessionAffinityConfig corev1.SessionAffinityConfig?
    19 ipFamilies []string
    17 ipFamilyPolicy string?
    20 allocateLoadBalancerNodePorts bool?
    21 loadBalancerClass string?
    22 internalTrafficPolicy string?
    23 trafficDistribution string?
    """,
    "corev1.ServiceStatus": """
    1 loadBalancer corev1.LoadBalancerStatus
    2 conditions []metav1.Condition
    """,
    "corev1.SessionAffinityConfig": """
    1 clientIP corev1.ClientIPConfig?
    """,
    "corev1.SleepAction": """
    1 seconds int64!
    """,
    "corev1.StorageOSPersistentVolumeSource": """
    1 volumeName string
    2 volumeNamespace string
    3 fsType string
    4 readOnly bool
    5 secretRef corev1.ObjectReference?
    """,
    "corev1.StorageOSVolumeSource": """
    1 volumeName string
    2 volumeNamespace string
    3 fsType string
    4 readOnly bool
    5 secretRef corev1.LocalObjectReference?
    """,
    "corev1.Sysctl": """
    1 name string!
    2 value string!
    """,
    "corev1.TCPSocketAction": """
    1 port intstr!
    2 host string
    """,
    "corev1.Taint": """
    1 key string!
    2 value string
    3 effect string!
    4 timeAdded time?
    """,
    "corev1.Toleration": """
    1 key string
    2 operator string
    3 value string
    4 effect string
    5 tolerationSeconds int64?
    """,
    "corev1.TopologySelectorLabelRequirement": """
    1 key string!
    2 values []string!
    """,
    "corev1.TopologySelectorTerm": """
    1 matchLabelExpressions []corev1.TopologySelectorLabelRequirement
    """,
    "corev1.TopologySpreadConstraint": """
    1 maxSkew int32!
    2 topologyKey string!
    3 whenUnsatisfiable string!
    4 labelSelector metav1.LabelSelector?
    5 minDomains int32?
    6 nodeAffinityPolicy string?
    7 nodeTaintsPolicy string?
    8 matchLabelKeys []string
    """,
    "corev1.TypedLocalObjectReference": """
    1 apiGroup string!?
    2 kind string!
    3 name string!
    """,
    "corev1.TypedObjectReference": """
    1 apiGroup string!?
    2 kind string!
    3 name string!
    4 namespace string?
    """,
    "corev1.Volume": """
    1 name string!
    2 * corev1.VolumeSource
    """,
    "corev1.VolumeDevice": """
    1 name string!
    2 devicePath string!
    """,
    "corev1.VolumeMount": """
    1 name string!
    2 readOnly bool
    7 recursiveReadOnly string?
    3 mountPath string!
    4 subPath string
    5 mountPropagation string?
    6 subPathExpr string
    """,
    "corev1.VolumeMountStatus": """
    1 name string!
    2 mountPath string!
    3 readOnly bool
    4 recursiveReadOnly string?
    """,
    "corev1.VolumeNodeAffinity": """
    1 required corev1.NodeSelector?
    """,
    "corev1.VolumeProjection": """
    1 secret corev1.SecretProjection?
    2 downwardAPI corev1.DownwardAPIProjection?
    3 configMap corev1.ConfigMapProjection?
    4 serviceAccountToken corev1.ServiceAccountTokenProjection?
    5 clusterTrustBundle corev1.ClusterTrustBundleProjection?
    """,
    "corev1.VolumeResourceRequirements": """
    1 limits {}quantity
    2 requests {}quantity
    """,
    "corev1.VolumeSource": """
    1 hostPath corev1.HostPathVolumeSource?
    2 emptyDir corev1.EmptyDirVolumeSource?
    3 gcePersistentDisk corev1.GCEPersistentDiskVolumeSource?
    4 awsElasticBlockStore corev1.AWSElasticBlockStoreVolumeSource?
    5 gitRepo corev1.GitRepoVolumeSource?
    6 secret corev1.SecretVolumeSource?
    7 nfs corev1.NFSVolumeSource?
    8 iscsi corev1.ISCSIVolumeSource?
    9 glusterfs corev1.GlusterfsVolumeSource?
    10 persistentVolumeClaim corev1.PersistentVolumeClaimVolumeSource?
    11 rbd corev1.RBDVolumeSource?
    12 flexVolume corev1.FlexVolumeSource?
    13 cinder corev1.CinderVolumeSource?
    14 cephfs corev1.CephFSVolumeSource?
    15 flocker corev1.FlockerVolumeSource?
    16 downwardAPI corev1.DownwardAPIVolumeSource?
    17 fc corev1.FCVolumeSource?
    18 azureFile corev1.AzureFileVolumeSource?
    19 configMap corev1.ConfigMapVolumeSource?
    20 vsphereVolume corev1.VsphereVirtualDiskVolumeSource?
    21 quobyte corev1.QuobyteVolumeSource?
    22 azureDisk corev1.AzureDiskVolumeSource?
    23 photonPersistentDisk corev1.PhotonPersistentDiskVolumeSource?
    26 projected corev1.ProjectedVolumeSource?
    24 portworxVolume corev1.PortworxVolumeSource?
    25 scaleIO corev1.ScaleIOVolumeSource?
    27 storageos corev1.StorageOSVolumeSource?
    28 csi corev1.CSIVolumeSource?
    29 ephemeral corev1.EphemeralVolumeSource?
    30 image corev1.ImageVolumeSource?
    """,
    "corev1.VsphereVirtualDiskVolumeSource": """
    1 volumePath string!
    2 fsType string
    3 storagePolicyName string
    4 storagePolicyID string
    """,
    "corev1.WeightedPodAffinityTerm": """
    1 weight int32!
    2 podAffinityTerm corev1.PodAffinityTerm!
    """,
    "corev1.WindowsSecurityContextOptions": """
    1 gmsaCredentialSpecName string?
    2 gmsaCredentialSpec string?
    3 runAsUserName string?
    4 hostProcess bool?
    """,
    "discoveryv1.Endpoint": """
    1 addresses []string!
    2 conditions discoveryv1.EndpointConditions
    3 hostname string?
    4 targetRef corev1.ObjectReference?
    5 deprecatedTopology {}string
    6 nodeName string?
    7 zone string?
    8 hints discoveryv1.EndpointHints?
    """,
    "discoveryv1.EndpointConditions": """
    1 ready bool?
    2 serving bool?
    3 terminating bool?
    """,
    "discoveryv1.EndpointHints": """
    1 forZones []discoveryv1.ForZone
    2 forNodes []discoveryv1.ForNode
    """,
    "discoveryv1.EndpointPort": """
    1 name string?
    2 protocol string?
    3 port int32?
    4 appProtocol string?
    """,
    "discoveryv1.EndpointSlice": """
    1 metadata metav1.ObjectMeta
    4 addressType string!
    2 endpoints []discoveryv1.Endpoint!
    3 ports []discoveryv1.EndpointPort!
    """,
    "discoveryv1.ForNode": """
    1 name string!
    """,
    "discoveryv1.ForZone": """
    1 name string!
    """,
    "eventsv1.Event": """
    1 metadata metav1.ObjectMeta!
    2 eventTime microtime!
    3 series eventsv1.EventSeries?
    4 reportingController string
    5 reportingInstance string
    6 action string
    7 reason string
    8 regarding corev1.ObjectReference
    9 related corev1.ObjectReference?
    10 note string
    11 type string
    12 deprecatedSource corev1.EventSource
    13 deprecatedFirstTimestamp time
    14 deprecatedLastTimestamp time
    15 deprecatedCount int32
    """,
    "eventsv1.EventSeries": """
    1 count int32!
    2 lastObservedTime microtime!
    """,
    "metav1.Condition": """
    1 type string!
    2 status string!
    3 observedGeneration int64
    4 lastTransitionTime time!
    5 reason string!
    6 message string!
    """,
    "metav1.DeleteOptions": """
    1 gracePeriodSeconds int64?
    2 preconditions metav1.Preconditions?
    3 orphanDependents bool?
    4 propagationPolicy string?
    5 dryRun []string
    6 ignoreStoreReadErrorWithClusterBreakingPotential bool?
    """,
    "metav1.LabelSelector": """
    1 matchLabels {}string
    2 matchExpressions []metav1.LabelSelectorRequirement
    """,
    "metav1.LabelSelectorRequirement": """
    1 key string!
    2 operator string!
    3 values []string
    """,
    "metav1.ManagedFieldsEntry": """
    1 manager string
    2 operation string
    3 apiVersion string
    4 time time?
    6 fieldsType string
    7 fieldsV1 rawjson?
    8 subresource string
    """,
    "metav1.ObjectMeta": """
    1 name string
    2 generateName string
    3 namespace string
    4 selfLink string
    5 uid string
    6 resourceVersion string
    7 generation int64
    8 creationTimestamp time
    9 deletionTimestamp time?
    10 deletionGracePeriodSeconds int64?
    11 labels {}string
    12 annotations {}string
    13 ownerReferences []metav1.OwnerReference
    14 finalizers []string
    17 managedFields []metav1.ManagedFieldsEntry
    """,
    "metav1.OwnerReference": """
    5 apiVersion string!
    1 kind string!
    3 name string!
    4 uid string!
    6 controller bool?
    7 blockOwnerDeletion bool?
    """,
    "metav1.Preconditions": """
    1 uid string?
    2 resourceVersion string?
    """,
    "networkingv1.HTTPIngressPath": """
    1 path string
    3 pathType string!?
    2 backend networkingv1.IngressBackend!
    """,
    "networkingv1.HTTPIngressRuleValue": """
    1 paths []networkingv1.HTTPIngressPath!
    """,
    "networkingv1.IPBlock": """
    1 cidr string!
    2 except []string
    """,
    "networkingv1.Ingress": """
    1 metadata metav1.ObjectMeta
    2 spec networkingv1.IngressSpec
    3 status networkingv1.IngressStatus
    """,
    "networkingv1.IngressBackend": """
    4 service networkingv1.IngressServiceBackend?
    3 resource corev1.TypedLocalObjectReference?
    """,
    "networkingv1.IngressClass": """
    1 metadata metav1.ObjectMeta
    2 spec networkingv1.IngressClassSpec
    """,
    "networkingv1.IngressClassParametersReference": """
    1 apiGroup string?
    2 kind string!
    3 name string!
    4 scope string!?
    5 namespace string?
    """,
    "networkingv1.IngressClassSpec": """
    1 controller string
    2 parameters networkingv1.IngressClassParametersReference?
    """,
    "networkingv1.IngressLoadBalancerIngress": """
    1 ip string
    2 hostname string
    4 ports []networkingv1.IngressPortStatus
    """,
    "networkingv1.IngressLoadBalancerStatus": """
    1 ingress []networkingv1.IngressLoadBalancerIngress
    """,
    "networkingv1.IngressPortStatus": """
    1 port int32!
    2 protocol string!
    3 error string?
    """,
    "networkingv1.IngressRule": """
    1 host string
    2 * networkingv1.IngressRuleValue
    """,
    "networkingv1.IngressRuleValue": """
    1 http networkingv1.HTTPIngressRuleValue?
    """,
    "networkingv1.IngressServiceBackend": """
    1 name string!
    2 port networkingv1.ServiceBackendPort
    """,
    "networkingv1.IngressSpec": """
    4 ingressClassName string?
    1 defaultBackend networkingv1.IngressBackend?
    2 tls []networkingv1.IngressTLS
    3 rules []networkingv1.IngressRule
    """,
    "networkingv1.IngressStatus": """
    1 loadBalancer networkingv1.IngressLoadBalancerStatus
    """,
    "networkingv1.IngressTLS": """
    1 hosts []string
    2 secretName string
    """,
    "networkingv1.NetworkPolicy": """
    1 metadata metav1.ObjectMeta
    2 spec networkingv1.NetworkPolicySpec
    """,
    "networkingv1.NetworkPolicyEgressRule": """
    1 ports []networkingv1.NetworkPolicyPort
    2 to []networkingv1.NetworkPolicyPeer
    """,
    "networkingv1.NetworkPolicyIngressRule": """
    1 ports []networkingv1.NetworkPolicyPort
    2 from []networkingv1.NetworkPolicyPeer
    """,
    "networkingv1.NetworkPolicyPeer": """
    1 podSelector metav1.LabelSelector?
    2 namespaceSelector metav1.LabelSelector?
    3 ipBlock networkingv1.IPBlock?
    """,
    "networkingv1.NetworkPolicyPort": """
    1 protocol string?
    2 port intstr?
    3 endPort int32?
    """,
    "networkingv1.NetworkPolicySpec": """
    1 podSelector metav1.LabelSelector!
    2 ingress []networkingv1.NetworkPolicyIngressRule
    3 egress []networkingv1.NetworkPolicyEgressRule
    4 policyTypes []string
    """,
    "networkingv1.ServiceBackendPort": """
    1 name string
    2 number int32
    """,
    "policyv1.Eviction": """
    1 metadata metav1.ObjectMeta
    2 deleteOptions metav1.DeleteOptions?
    """,
    "policyv1.PodDisruptionBudget": """
    1 metadata metav1.ObjectMeta
    2 spec policyv1.PodDisruptionBudgetSpec
    3 status policyv1.PodDisruptionBudgetStatus
    """,
    "policyv1.PodDisruptionBudgetSpec": """
    1 minAvailable intstr?
    2 selector metav1.LabelSelector?
    3 maxUnavailable intstr?
    4 unhealthyPodEvictionPolicy string?
    """,
    "policyv1.PodDisruptionBudgetStatus": """
    1 observedGeneration int64
    2 disruptedPods {}time
    3 disruptionsAllowed int32!
    4 currentHealthy int32!
    5 desiredHealthy int32!
    6 expectedPods int32!
    7 conditions []metav1.Condition
    """,
    "rbacv1.AggregationRule": """
    1 clusterRoleSelectors []metav1.LabelSelector
    """,
    "rbacv1.ClusterRole": """
    1 metadata metav1.ObjectMeta
    2 rules []rbacv1.PolicyRule!
    3 aggregationRule rbacv1.AggregationRule?
    """,
    "rbacv1.ClusterRoleBinding": """
    1 metadata metav1.ObjectMeta
    2 subjects []rbacv1.Subject
    3 roleRef rbacv1.RoleRef!
    """,
    "rbacv1.PolicyRule": """
    1 verbs []string!
    2 apiGroups []string
    3 resources []string
    4 resourceNames []string
    5 nonResourceURLs []string
    """,
    "rbacv1.Role": """
    1 metadata metav1.ObjectMeta
    2 rules []rbacv1.PolicyRule!
    """,
    "rbacv1.RoleBinding": """
    1 metadata metav1.ObjectMeta
    2 subjects []rbacv1.Subject
    3 roleRef rbacv1.RoleRef!
    """,
    "rbacv1.RoleRef": """
    1 apiGroup string!
    2 kind string!
    3 name string!
    """,
    "rbacv1.Subject": """
    1 kind string!
    2 apiGroup string
    3 name string!
    4 namespace string
    """,
    "schedulingv1.PriorityClass": """
    1 metadata metav1.ObjectMeta
    2 value int32!
    3 globalDefault bool
    4 description string
    5 preemptionPolicy string?
    """,
    "storagev1.StorageClass": """
    1 metadata metav1.ObjectMeta
    2 provisioner string!
    3 parameters {}string
    4 reclaimPolicy string?
    5 mountOptions []string
    6 allowVolumeExpansion bool?
    7 volumeBindingMode string?
    8 allowedTopologies []corev1.TopologySelectorTerm
    """,
}
