"""core/v1 kinds: Namespace, Pod, Node, Service, Endpoints, ReplicationController, ConfigMap,
Secret, Event, ResourceQuota, LimitRange, ServiceAccount, Binding and their nested types."""

from __future__ import annotations

from kcore.api.schema import f, obj
from kcore.api.types.meta import API_VERSION, KIND, metadata

P = "io.k8s.api.core.v1."
ATOMIC = {"list_type": "atomic"}


def merge_by(key: str, *keys: str) -> dict[str, object]:
    return {
        "list_type": "map",
        "map_keys": (key, *keys),
        "patch_strategy": "merge",
        "patch_merge_key": key,
    }


def list_kind(kind: str, group: str = "", version: str = "v1", prefix: str = P) -> None:
    """Register the ``<Kind>List`` type of a kind."""
    obj(
        prefix + f"{kind}List",
        f"A list of {kind} objects.",
        API_VERSION,
        KIND,
        f("metadata", "ListMeta", "Standard list metadata."),
        f("items", f"[]{prefix}{kind}", f"The {kind} objects.", required=True),
        gvk=(group, version, f"{kind}List"),
    )


# ------------------------------------------------------------------ references and small types

obj(
    P + "ObjectReference",
    "A reference to an object, with enough information to let you inspect or modify it.",
    f("kind", "string", "Kind of the referent."),
    f("namespace", "string", "Namespace of the referent."),
    f("name", "string", "Name of the referent."),
    f("uid", "string", "UID of the referent."),
    f("apiVersion", "string", "API version of the referent."),
    f("resourceVersion", "string", "Specific resourceVersion to which this reference is made."),
    f(
        "fieldPath",
        "string",
        "If referring to a piece of an object instead of an entire object, a JSON path such as "
        "spec.containers{name}.",
    ),
    struct_type="atomic",
)
obj(
    P + "LocalObjectReference",
    "Lets you locate the referenced object inside the same namespace.",
    f("name", "string", "Name of the referent."),
    struct_type="atomic",
)
obj(
    P + "TypedLocalObjectReference",
    "A reference to a typed object inside the same namespace.",
    f("apiGroup", "string", "The group of the resource; empty for the core group."),
    f("kind", "string", "Kind of the referent.", required=True),
    f("name", "string", "Name of the referent.", required=True),
    struct_type="atomic",
)
obj(
    P + "ObjectFieldSelector",
    "Selects a field of the pod.",
    f("apiVersion", "string", "Version of the schema the fieldPath is written in (v1)."),
    f(
        "fieldPath",
        "string",
        "Path of the field to select in the specified API version.",
        required=True,
    ),
    struct_type="atomic",
)
obj(
    P + "ResourceFieldSelector",
    "Selects a resource of the container: only limits and requests (cpu, memory, "
    "ephemeral-storage) are supported.",
    f("containerName", "string", "Container name: required for volumes, optional for env."),
    f("resource", "string", "Required: resource to select.", required=True),
    f("divisor", "Quantity", "Output format of the exposed resources; defaults to 1."),
    struct_type="atomic",
)
obj(
    P + "ConfigMapKeySelector",
    "Selects a key from a ConfigMap.",
    f("name", "string", "Name of the ConfigMap."),
    f("key", "string", "The key to select.", required=True),
    f("optional", "boolean", "Whether the ConfigMap or its key must be defined."),
    struct_type="atomic",
)
obj(
    P + "SecretKeySelector",
    "Selects a key of a Secret.",
    f("name", "string", "Name of the Secret."),
    f("key", "string", "The key of the secret to select from.", required=True),
    f("optional", "boolean", "Whether the Secret or its key must be defined."),
    struct_type="atomic",
)

# ------------------------------------------------------------------ containers

obj(
    P + "ContainerPort",
    "A network port in a single container.",
    f(
        "name",
        "string",
        "If specified, an IANA_SVC_NAME unique within the pod; services can refer to it.",
    ),
    f("hostPort", "int32", "Number of the port to expose on the host (1..65535)."),
    f(
        "containerPort",
        "int32",
        "Number of the port to expose on the pod's IP address.",
        required=True,
    ),
    f(
        "protocol",
        "string",
        "Protocol for the port: UDP, TCP or SCTP. Defaults to TCP.",
        default="TCP",
        enum=("SCTP", "TCP", "UDP"),
    ),
    f("hostIP", "string", "What host IP to bind the external port to."),
)
obj(
    P + "EnvVarSource",
    "A source for the value of an EnvVar.",
    f(
        "fieldRef",
        "ObjectFieldSelector",
        "Selects a field of the pod: metadata.name, metadata.namespace, metadata.labels['<KEY>'], "
        "spec.nodeName, status.podIP, ...",
    ),
    f(
        "resourceFieldRef",
        "ResourceFieldSelector",
        "Selects a resource of the container: limits and requests.",
    ),
    f("configMapKeyRef", "ConfigMapKeySelector", "Selects a key of a ConfigMap."),
    f("secretKeyRef", "SecretKeySelector", "Selects a key of a secret in the pod's namespace."),
)
obj(
    P + "EnvVar",
    "An environment variable present in a container.",
    f("name", "string", "Name of the environment variable.", required=True),
    f(
        "value",
        "string",
        "Variable references $(VAR_NAME) are expanded using the previously defined environment "
        "variables in the container and any service environment variables.",
    ),
    f("valueFrom", "EnvVarSource", "Source for the variable's value; not with value."),
)
obj(
    P + "ConfigMapEnvSource",
    "Selects a ConfigMap to populate the environment variables with.",
    f("name", "string", "Name of the ConfigMap."),
    f("optional", "boolean", "Whether the ConfigMap must be defined."),
)
obj(
    P + "SecretEnvSource",
    "Selects a Secret to populate the environment variables with.",
    f("name", "string", "Name of the Secret."),
    f("optional", "boolean", "Whether the Secret must be defined."),
)
obj(
    P + "EnvFromSource",
    "A source of a set of ConfigMaps or Secrets.",
    f("prefix", "string", "An optional identifier to prepend to each key."),
    f("configMapRef", "ConfigMapEnvSource", "The ConfigMap to select from."),
    f("secretRef", "SecretEnvSource", "The Secret to select from."),
)
obj(
    P + "ResourceClaim",
    "References one entry in PodSpec.ResourceClaims.",
    f("name", "string", "Name of an entry of pod.spec.resourceClaims.", required=True),
    f("request", "string", "Name of a request of the referenced claim."),
)
obj(
    P + "ResourceRequirements",
    "Compute resource requirements.",
    f("limits", "map[Quantity]", "The maximum amount of compute resources allowed."),
    f(
        "requests",
        "map[Quantity]",
        "The minimum amount of compute resources required. If omitted for a container, it "
        "defaults to limits if that is explicitly specified.",
    ),
    f(
        "claims",
        "[]ResourceClaim",
        "Names of resources, defined in spec.resourceClaims, used by this container.",
        list_type="map",
        map_keys=("name",),
    ),
)
obj(
    P + "VolumeMount",
    "The mounting of a Volume within a container.",
    f("name", "string", "This must match the Name of a Volume.", required=True),
    f("readOnly", "boolean", "Mounted read-only if true, read-write otherwise."),
    f("recursiveReadOnly", "string", "Whether read-only mounts are recursively read-only."),
    f(
        "mountPath",
        "string",
        "Path within the container at which the volume should be mounted. Must not contain ':'.",
        required=True,
    ),
    f(
        "subPath",
        "string",
        "Path within the volume from which the container's volume should be mounted.",
    ),
    f(
        "mountPropagation",
        "string",
        "How mounts are propagated: None, HostToContainer or Bidirectional.",
        enum=("Bidirectional", "HostToContainer", "None"),
    ),
    f("subPathExpr", "string", "Like subPath, with $(VAR_NAME) expanded from the environment."),
)
obj(
    P + "VolumeDevice",
    "A mapping of a raw block device within a container.",
    f("name", "string", "Name of a persistentVolumeClaim in the pod.", required=True),
    f(
        "devicePath",
        "string",
        "The path inside the container the device is mapped to.",
        required=True,
    ),
)
obj(
    P + "ExecAction",
    'Describes a "run in container" action.',
    f(
        "command",
        "[]string",
        "Command line to execute inside the container; exit status 0 is healthy.",
        **ATOMIC,
    ),
)
obj(
    P + "HTTPHeader",
    "A custom header to be used in HTTP probes.",
    f("name", "string", "The header field name.", required=True),
    f("value", "string", "The header field value.", required=True),
)
obj(
    P + "HTTPGetAction",
    "An action based on HTTP Get requests.",
    f("path", "string", "Path to access on the HTTP server."),
    f(
        "port",
        "IntOrString",
        "Name or number of the port to access on the container.",
        required=True,
    ),
    f("host", "string", "Host name to connect to, defaults to the pod IP."),
    f(
        "scheme",
        "string",
        "Scheme to use for connecting to the host. Defaults to HTTP.",
        enum=("HTTP", "HTTPS"),
    ),
    f("httpHeaders", "[]HTTPHeader", "Custom headers to set in the request.", **ATOMIC),
)
obj(
    P + "TCPSocketAction",
    "An action based on opening a socket.",
    f(
        "port",
        "IntOrString",
        "Number or name of the port to access on the container.",
        required=True,
    ),
    f("host", "string", "Optional: host name to connect to, defaults to the pod IP."),
)
obj(
    P + "GRPCAction",
    "A gRPC health check.",
    f("port", "int32", "Port number of the gRPC service.", required=True),
    f("service", "string", "Name of the service to place in the gRPC HealthCheckRequest."),
)
obj(
    P + "Probe",
    "A health check to be performed against a container to determine whether it is alive or "
    "ready to receive traffic.",
    f("exec", "ExecAction", "Exec specifies a command to execute in the container."),
    f("httpGet", "HTTPGetAction", "HTTPGet specifies an HTTP GET request to perform."),
    f("tcpSocket", "TCPSocketAction", "TCPSocket specifies a connection to a TCP port."),
    f("grpc", "GRPCAction", "GRPC specifies a GRPC HealthCheckRequest."),
    f(
        "initialDelaySeconds",
        "int32",
        "Number of seconds after the container has started before probes are initiated.",
    ),
    f(
        "timeoutSeconds",
        "int32",
        "Number of seconds after which the probe times out. Defaults to 1 second.",
        default=1,
    ),
    f(
        "periodSeconds",
        "int32",
        "How often (in seconds) to perform the probe. Default to 10 seconds.",
        default=10,
    ),
    f(
        "successThreshold",
        "int32",
        "Minimum consecutive successes for the probe to be "
        "considered successful after having failed. Defaults to 1.",
        default=1,
    ),
    f(
        "failureThreshold",
        "int32",
        "Minimum consecutive failures for the probe to be "
        "considered failed after having succeeded. Defaults to 3.",
        default=3,
    ),
    f(
        "terminationGracePeriodSeconds",
        "int64",
        "Optional duration in seconds the pod needs to terminate gracefully upon probe failure.",
    ),
)
obj(
    P + "SleepAction",
    "A sleep action.",
    f("seconds", "int64", "Seconds to sleep.", required=True),
)
obj(
    P + "LifecycleHandler",
    "A specific action that should be taken in a lifecycle hook.",
    f("exec", "ExecAction", "Exec specifies a command to execute in the container."),
    f("httpGet", "HTTPGetAction", "HTTPGet specifies an HTTP GET request to perform."),
    f("tcpSocket", "TCPSocketAction", "Deprecated: not supported as a lifecycle handler."),
    f("sleep", "SleepAction", "Sleep represents a duration that the container should sleep."),
)
obj(
    P + "Lifecycle",
    "Actions that the management system should take in response to container lifecycle events.",
    f("postStart", "LifecycleHandler", "Called immediately after a container is created."),
    f("preStop", "LifecycleHandler", "Called immediately before a container is terminated."),
    f("stopSignal", "string", "The signal used to stop the container."),
)
obj(
    P + "Capabilities",
    "Adds and removes POSIX capabilities from running containers.",
    f("add", "[]string", "Added capabilities.", **ATOMIC),
    f("drop", "[]string", "Removed capabilities.", **ATOMIC),
)
obj(
    P + "SELinuxOptions",
    "The labels to be applied to the container.",
    f("user", "string", "SELinux user label."),
    f("role", "string", "SELinux role label."),
    f("type", "string", "SELinux type label."),
    f("level", "string", "SELinux level label."),
)
obj(
    P + "SeccompProfile",
    "A pod/container's seccomp profile settings. Only one profile source may be set.",
    f(
        "type",
        "string",
        "Which kind of seccomp profile will be applied: Localhost, RuntimeDefault or Unconfined.",
        required=True,
        enum=("Localhost", "RuntimeDefault", "Unconfined"),
    ),
    f("localhostProfile", "string", "A profile defined in a file on the node."),
)
obj(
    P + "AppArmorProfile",
    "A pod or container's AppArmor settings.",
    f(
        "type",
        "string",
        "Which kind of AppArmor profile will be applied.",
        required=True,
        enum=("Localhost", "RuntimeDefault", "Unconfined"),
    ),
    f("localhostProfile", "string", "A profile loaded on the node."),
)
obj(
    P + "WindowsSecurityContextOptions",
    "Windows-specific options and credentials.",
    f("gmsaCredentialSpecName", "string", "Name of the GMSA credential spec to use."),
    f("gmsaCredentialSpec", "string", "The GMSA credential spec contents."),
    f("runAsUserName", "string", "The UserName in Windows to run the entrypoint."),
    f("hostProcess", "boolean", "Whether the container runs as a 'Host Process' container."),
)
obj(
    P + "SecurityContext",
    "Security configuration applied to a container. Fields present in both SecurityContext "
    "and PodSecurityContext take precedence here.",
    f("capabilities", "Capabilities", "The capabilities to add/drop when running containers."),
    f("privileged", "boolean", "Run container in privileged mode."),
    f("seLinuxOptions", "SELinuxOptions", "The SELinux context to be applied."),
    f("windowsOptions", "WindowsSecurityContextOptions", "The Windows specific settings."),
    f("runAsUser", "int64", "The UID to run the entrypoint of the container process."),
    f("runAsGroup", "int64", "The GID to run the entrypoint of the container process."),
    f("runAsNonRoot", "boolean", "Indicates that the container must run as a non-root user."),
    f(
        "readOnlyRootFilesystem",
        "boolean",
        "Whether this container has a read-only root filesystem.",
    ),
    f(
        "allowPrivilegeEscalation",
        "boolean",
        "Whether a process can gain more privileges than its parent process.",
    ),
    f("procMount", "string", "The type of proc mount to use: Default or Unmasked."),
    f("seccompProfile", "SeccompProfile", "The seccomp options used by this container."),
    f("appArmorProfile", "AppArmorProfile", "The AppArmor options used by this container."),
)
obj(
    P + "ContainerResizePolicy",
    "Resource resize policy for the container.",
    f(
        "resourceName",
        "string",
        "Name of the resource to which this policy applies.",
        required=True,
    ),
    f(
        "restartPolicy",
        "string",
        "Restart policy to apply when the resource is resized: NotRequired or RestartContainer.",
        required=True,
    ),
)

_CONTAINER_FIELDS = (
    f(
        "name",
        "string",
        "Name of the container specified as a DNS_LABEL. Each container in a pod must have a "
        "unique name. Cannot be updated.",
        required=True,
    ),
    f("image", "string", "Container image name."),
    f(
        "command",
        "[]string",
        "Entrypoint array. Not executed within a shell. The image's ENTRYPOINT is used if this "
        "is not provided.",
        **ATOMIC,
    ),
    f(
        "args",
        "[]string",
        "Arguments to the entrypoint. The image's CMD is used if this is not provided.",
        **ATOMIC,
    ),
    f("workingDir", "string", "Container's working directory."),
    f(
        "ports",
        "[]ContainerPort",
        "List of ports to expose from the container.",
        list_type="map",
        map_keys=("containerPort", "protocol"),
        patch_strategy="merge",
        patch_merge_key="containerPort",
    ),
    f(
        "envFrom",
        "[]EnvFromSource",
        "Sources to populate environment variables in the container.",
        **ATOMIC,
    ),
    f(
        "env",
        "[]EnvVar",
        "List of environment variables to set in the container.",
        **merge_by("name"),
    ),
    f("resources", "ResourceRequirements", "Compute resources required by this container."),
    f(
        "resizePolicy",
        "[]ContainerResizePolicy",
        "Resources resize policy for the container.",
        **ATOMIC,
    ),
    f(
        "restartPolicy",
        "string",
        "Restart behavior of an individual init container (Always makes it a sidecar).",
    ),
    f(
        "volumeMounts",
        "[]VolumeMount",
        "Pod volumes to mount into the container's filesystem.",
        **merge_by("mountPath"),
    ),
    f(
        "volumeDevices",
        "[]VolumeDevice",
        "Block devices to be used by the container.",
        **merge_by("devicePath"),
    ),
    f(
        "livenessProbe",
        "Probe",
        "Periodic probe of container liveness. The container is restarted if the probe fails.",
    ),
    f(
        "readinessProbe",
        "Probe",
        "Periodic probe of container service readiness. The "
        "container is removed from service endpoints if the probe fails.",
    ),
    f(
        "startupProbe",
        "Probe",
        "Indicates that the Pod has successfully initialized; no other "
        "probe runs until it succeeds.",
    ),
    f(
        "lifecycle",
        "Lifecycle",
        "Actions that the management system should take in response to container lifecycle events.",
    ),
    f(
        "terminationMessagePath",
        "string",
        "Path at which the file to which the container's termination message will be written is "
        "mounted. Defaults to /dev/termination-log.",
        default="/dev/termination-log",
    ),
    f(
        "terminationMessagePolicy",
        "string",
        "How the termination message should be populated: File or FallbackToLogsOnError. "
        "Defaults to File.",
        default="File",
        enum=("FallbackToLogsOnError", "File"),
    ),
    f(
        "imagePullPolicy",
        "string",
        "Image pull policy: Always, Never or IfNotPresent. Defaults to Always if the :latest tag "
        "is specified, or IfNotPresent otherwise.",
        enum=("Always", "IfNotPresent", "Never"),
    ),
    f("securityContext", "SecurityContext", "Security options the container should be run with."),
    f("stdin", "boolean", "Whether this container should allocate a buffer for stdin."),
    f("stdinOnce", "boolean", "Whether the runtime closes stdin after the first attach."),
    f("tty", "boolean", "Whether this container should allocate a TTY for itself."),
)
obj(
    P + "Container",
    "A single application container that you want to run within a pod.",
    *_CONTAINER_FIELDS,
)
obj(
    P + "EphemeralContainer",
    "A temporary container added to an existing Pod for user-initiated activities such as "
    "debugging.",
    *_CONTAINER_FIELDS,
    f(
        "targetContainerName",
        "string",
        "The name of a container in the pod whose namespaces this ephemeral container targets.",
    ),
)

# ------------------------------------------------------------------ volumes

obj(
    P + "HostPathVolumeSource",
    "A host path mapped into a pod.",
    f("path", "string", "Path of the directory on the host.", required=True),
    f("type", "string", 'Type for HostPath Volume, defaults to "".'),
)
obj(
    P + "EmptyDirVolumeSource",
    "An empty directory for a pod.",
    f("medium", "string", 'What type of storage medium should back this directory ("" or Memory).'),
    f("sizeLimit", "Quantity", "Total amount of local storage required for this volume."),
)
obj(
    P + "KeyToPath",
    "Maps a string key to a path within a volume.",
    f("key", "string", "The key to project.", required=True),
    f("path", "string", "The relative path of the file to map the key to.", required=True),
    f("mode", "int32", "Mode bits used to set permissions on this file."),
)
obj(
    P + "SecretVolumeSource",
    "Adapts a Secret into a volume.",
    f("secretName", "string", "Name of the secret in the pod's namespace to use."),
    f("items", "[]KeyToPath", "Keys to project; all keys if unset.", **ATOMIC),
    f(
        "defaultMode",
        "int32",
        "Mode bits used to set permissions on created files by default. Defaults to 0644.",
        default=420,
    ),
    f("optional", "boolean", "Whether the Secret or its keys must be defined."),
)
obj(
    P + "ConfigMapVolumeSource",
    "Adapts a ConfigMap into a volume.",
    f("name", "string", "Name of the ConfigMap."),
    f("items", "[]KeyToPath", "Keys to project; all keys if unset.", **ATOMIC),
    f(
        "defaultMode",
        "int32",
        "Mode bits used to set permissions on created files by default. Defaults to 0644.",
        default=420,
    ),
    f("optional", "boolean", "Whether the ConfigMap or its keys must be defined."),
)
obj(
    P + "PersistentVolumeClaimVolumeSource",
    "References the user's PVC in the same namespace.",
    f(
        "claimName",
        "string",
        "Name of a PersistentVolumeClaim in the pod's namespace.",
        required=True,
    ),
    f("readOnly", "boolean", "Force the ReadOnly setting in VolumeMounts."),
)
obj(
    P + "DownwardAPIVolumeFile",
    "Information to create the file containing the pod field.",
    f("path", "string", "Relative path name of the file to be created.", required=True),
    f("fieldRef", "ObjectFieldSelector", "Selects a field of the pod."),
    f("resourceFieldRef", "ResourceFieldSelector", "Selects a resource of the container."),
    f("mode", "int32", "Mode bits used to set permissions on this file."),
)
obj(
    P + "DownwardAPIVolumeSource",
    "Downward API info as files.",
    f("items", "[]DownwardAPIVolumeFile", "The files to create.", **ATOMIC),
    f(
        "defaultMode",
        "int32",
        "Mode bits used to set permissions on created files by default. Defaults to 0644.",
        default=420,
    ),
)
obj(
    P + "ServiceAccountTokenProjection",
    "A projected service account token volume.",
    f("audience", "string", "Intended audience of the token."),
    f("expirationSeconds", "int64", "Requested duration of validity of the token.", default=3600),
    f(
        "path",
        "string",
        "Path relative to the mount point to project the token into.",
        required=True,
    ),
)
obj(
    P + "SecretProjection",
    "Adapts a Secret into a projected volume.",
    f("name", "string", "Name of the Secret."),
    f("items", "[]KeyToPath", "Keys to project; all keys if unset.", **ATOMIC),
    f("optional", "boolean", "Whether the Secret or its keys must be defined."),
)
obj(
    P + "ConfigMapProjection",
    "Adapts a ConfigMap into a projected volume.",
    f("name", "string", "Name of the ConfigMap."),
    f("items", "[]KeyToPath", "Keys to project; all keys if unset.", **ATOMIC),
    f("optional", "boolean", "Whether the ConfigMap or its keys must be defined."),
)
obj(
    P + "DownwardAPIProjection",
    "Downward API information to project into a projected volume.",
    f("items", "[]DownwardAPIVolumeFile", "The files to create.", **ATOMIC),
)
obj(
    P + "ClusterTrustBundleProjection",
    "ClusterTrustBundle objects to project into a file (alpha: ClusterTrustBundleProjection).",
    f("name", "string", "Select a single ClusterTrustBundle by object name."),
    f("signerName", "string", "Select all ClusterTrustBundles that match this signer name."),
    f("labelSelector", "LabelSelector", "Select the signer's ClusterTrustBundles by label."),
    f("optional", "boolean", "Whether a missing or empty bundle is tolerated."),
    f("path", "string", "Relative path from the volume root to write the bundle.", required=True),
)
obj(
    P + "VolumeProjection",
    "A projection that may be projected along with other supported volume types.",
    f("secret", "SecretProjection", "Secret to project."),
    f("downwardAPI", "DownwardAPIProjection", "Downward API information to project."),
    f("configMap", "ConfigMapProjection", "ConfigMap to project."),
    f("serviceAccountToken", "ServiceAccountTokenProjection", "A service account token."),
    f("clusterTrustBundle", "ClusterTrustBundleProjection", "ClusterTrustBundle objects."),
)
obj(
    P + "ProjectedVolumeSource",
    "A projected volume source.",
    f("sources", "[]VolumeProjection", "List of volume projections.", **ATOMIC),
    f(
        "defaultMode",
        "int32",
        "Mode bits used to set permissions on created files by default.",
        default=420,
    ),
)
obj(
    P + "NFSVolumeSource",
    "An NFS mount that lasts the lifetime of a pod.",
    f("server", "string", "Hostname or IP address of the NFS server.", required=True),
    f("path", "string", "Path that is exported by the NFS server.", required=True),
    f("readOnly", "boolean", "Force the NFS export to be mounted read-only."),
)
obj(
    P + "CSIVolumeSource",
    "A source location of a volume to mount, managed by an external CSI driver.",
    f("driver", "string", "Name of the CSI driver.", required=True),
    f("readOnly", "boolean", "Read-only configuration for the volume."),
    f("fsType", "string", "Filesystem type to mount."),
    f("volumeAttributes", "map[string]", "Driver-specific properties."),
    f("nodePublishSecretRef", "LocalObjectReference", "Secret with sensitive information."),
)
obj(
    P + "ImageVolumeSource",
    "An OCI object (a container image or artifact) as a volume.",
    f("reference", "string", "Image or artifact reference to be used."),
    f("pullPolicy", "string", "Policy for pulling the OCI object."),
)
# ------------------------------------------------------------------ in-tree volume sources

_FS_TYPE = f("fsType", "string", 'Filesystem type to mount, e.g. "ext4", "xfs" or "ntfs".')
_READ_ONLY = f("readOnly", "boolean", "Force the ReadOnly setting in VolumeMounts.")
_SECRET_REF = f("secretRef", "LocalObjectReference", "Secret with the authentication data.")
obj(
    P + "GCEPersistentDiskVolumeSource",
    "Deprecated: a Google Compute Engine persistent disk (use the CSI driver instead).",
    f("pdName", "string", "Unique name of the PD resource in GCE.", required=True),
    _FS_TYPE,
    f("partition", "int32", "The partition to mount; the whole disk when unset."),
    _READ_ONLY,
)
obj(
    P + "AWSElasticBlockStoreVolumeSource",
    "Deprecated: an AWS EBS disk (use the CSI driver instead).",
    f("volumeID", "string", "Unique ID of the EBS volume.", required=True),
    _FS_TYPE,
    f("partition", "int32", "The partition to mount; the whole disk when unset."),
    _READ_ONLY,
)
obj(
    P + "GitRepoVolumeSource",
    "Deprecated: a volume populated by cloning a git repository.",
    f("repository", "string", "Repository URL.", required=True),
    f("revision", "string", "Commit hash for the specified revision."),
    f("directory", "string", "Target directory name; '.' clones into the volume root."),
)
obj(
    P + "ISCSIVolumeSource",
    "An ISCSI disk, mounted read/write once.",
    f("targetPortal", "string", "iSCSI target portal (IP or ip_addr:port).", required=True),
    f("iqn", "string", "Target iSCSI Qualified Name.", required=True),
    f("lun", "int32", "iSCSI target LUN number.", required=True),
    f("iscsiInterface", "string", "iSCSI interface name that uses an iSCSI transport."),
    _FS_TYPE,
    _READ_ONLY,
    f("portals", "[]string", "Additional iSCSI target portals.", **ATOMIC),
    f("chapAuthDiscovery", "boolean", "Whether iSCSI discovery CHAP authentication is used."),
    f("chapAuthSession", "boolean", "Whether iSCSI session CHAP authentication is used."),
    f("secretRef", "LocalObjectReference", "CHAP secret for target and initiator."),
    f("initiatorName", "string", "Custom iSCSI initiator name."),
)
obj(
    P + "GlusterfsVolumeSource",
    "Deprecated: a Glusterfs mount that lasts the lifetime of a pod.",
    f("endpoints", "string", "Endpoints name with the Glusterfs topology.", required=True),
    f("path", "string", "The Glusterfs volume path.", required=True),
    _READ_ONLY,
)
obj(
    P + "RBDVolumeSource",
    "Deprecated: a Rados Block Device mount that lasts the lifetime of a pod.",
    f("monitors", "[]string", "Ceph monitors.", required=True, **ATOMIC),
    f("image", "string", "The rados image name.", required=True),
    _FS_TYPE,
    f("pool", "string", "The rados pool name; defaults to rbd.", default="rbd"),
    f("user", "string", "The rados user name; defaults to admin.", default="admin"),
    f(
        "keyring",
        "string",
        "Path to the key ring for the user.",
        default="/etc/ceph/keyring",
    ),
    _SECRET_REF,
    _READ_ONLY,
)
obj(
    P + "FlexVolumeSource",
    "Deprecated: a generic volume provisioned and attached by an exec-based plugin.",
    f("driver", "string", "Name of the driver for this volume.", required=True),
    _FS_TYPE,
    _SECRET_REF,
    _READ_ONLY,
    f("options", "map[string]", "Extra command options for the driver."),
)
obj(
    P + "CinderVolumeSource",
    "Deprecated: an OpenStack Cinder volume (use the CSI driver instead).",
    f("volumeID", "string", "Identifies the volume in Cinder.", required=True),
    _FS_TYPE,
    _READ_ONLY,
    _SECRET_REF,
)
obj(
    P + "CephFSVolumeSource",
    "Deprecated: a Ceph filesystem mount that lasts the lifetime of a pod.",
    f("monitors", "[]string", "Ceph monitors.", required=True, **ATOMIC),
    f("path", "string", "Root of the mount inside the Ceph tree; defaults to /."),
    f("user", "string", "The rados user name; defaults to admin."),
    f("secretFile", "string", "Path to the key ring for the user."),
    _SECRET_REF,
    _READ_ONLY,
)
obj(
    P + "FlockerVolumeSource",
    "Deprecated: a Flocker volume mounted by the Flocker agent.",
    f("datasetName", "string", "Name of the dataset (metadata)."),
    f("datasetUUID", "string", "UUID of the dataset."),
)
obj(
    P + "FCVolumeSource",
    "A Fibre Channel volume, mounted read/write once.",
    f("targetWWNs", "[]string", "Target worldwide names.", **ATOMIC),
    f("lun", "int32", "Target LUN number."),
    _FS_TYPE,
    _READ_ONLY,
    f("wwids", "[]string", "Volume worldwide identifiers.", **ATOMIC),
)
obj(
    P + "AzureFileVolumeSource",
    "Deprecated: an Azure File Service mount (use the CSI driver instead).",
    f("secretName", "string", "Secret with the storage account name and key.", required=True),
    f("shareName", "string", "The Azure share name.", required=True),
    _READ_ONLY,
)
obj(
    P + "VsphereVirtualDiskVolumeSource",
    "Deprecated: a vSphere volume (use the CSI driver instead).",
    f("volumePath", "string", "Path that identifies the vSphere volume vmdk.", required=True),
    _FS_TYPE,
    f("storagePolicyName", "string", "Storage Policy Based Management profile name."),
    f("storagePolicyID", "string", "Storage Policy Based Management profile ID."),
)
obj(
    P + "QuobyteVolumeSource",
    "Deprecated: a Quobyte mount that lasts the lifetime of a pod.",
    f("registry", "string", "Quobyte registries (host:port, comma separated).", required=True),
    f("volume", "string", "The already created Quobyte volume.", required=True),
    _READ_ONLY,
    f("user", "string", "User to map volume access to."),
    f("group", "string", "Group to map volume access to."),
    f("tenant", "string", "Tenant owning the Quobyte volume."),
)
obj(
    P + "AzureDiskVolumeSource",
    "Deprecated: an Azure data disk (use the CSI driver instead).",
    f("diskName", "string", "Name of the data disk in blob storage.", required=True),
    f("diskURI", "string", "URI of the data disk in blob storage.", required=True),
    f(
        "cachingMode",
        "string",
        "Host caching mode.",
        default="ReadWrite",
        enum=("None", "ReadOnly", "ReadWrite"),
    ),
    f("fsType", "string", "Filesystem type to mount.", default="ext4"),
    f("readOnly", "boolean", "Force the ReadOnly setting in VolumeMounts.", default=False),
    f(
        "kind",
        "string",
        "Shared (several blob disks per storage account), Dedicated or Managed.",
        default="Shared",
        enum=("Dedicated", "Managed", "Shared"),
    ),
)
obj(
    P + "PhotonPersistentDiskVolumeSource",
    "Deprecated: a Photon Controller persistent disk.",
    f("pdID", "string", "ID that identifies the Photon persistent disk.", required=True),
    _FS_TYPE,
)
obj(
    P + "PortworxVolumeSource",
    "Deprecated: a Portworx volume (use the CSI driver instead).",
    f("volumeID", "string", "Uniquely identifies the Portworx volume.", required=True),
    _FS_TYPE,
    _READ_ONLY,
)
obj(
    P + "ScaleIOVolumeSource",
    "Deprecated: a ScaleIO persistent volume.",
    f("gateway", "string", "Host address of the ScaleIO API gateway.", required=True),
    f("system", "string", "Name of the storage system as configured in ScaleIO.", required=True),
    f("secretRef", "LocalObjectReference", "Secret for the ScaleIO user.", required=True),
    f("sslEnabled", "boolean", "Whether SSL is used to talk to the gateway."),
    f("protectionDomain", "string", "Name of the ScaleIO protection domain."),
    f("storagePool", "string", "ScaleIO storage pool of the protection domain."),
    f(
        "storageMode",
        "string",
        "ThickProvisioned or ThinProvisioned.",
        default="ThinProvisioned",
    ),
    f("volumeName", "string", "Name of a volume already created in the ScaleIO system."),
    f("fsType", "string", "Filesystem type to mount.", default="xfs"),
    _READ_ONLY,
)
obj(
    P + "StorageOSVolumeSource",
    "Deprecated: a StorageOS persistent volume.",
    f("volumeName", "string", "Human-readable name of the StorageOS volume."),
    f("volumeNamespace", "string", "Scope of the volume name within StorageOS."),
    _FS_TYPE,
    _READ_ONLY,
    f("secretRef", "LocalObjectReference", "Secret with the StorageOS API credentials."),
)

# ------------------------------------------------------------------ claims and ephemeral volumes

obj(
    P + "TypedObjectReference",
    "A reference to a typed object, possibly in another namespace.",
    f("apiGroup", "string", "The group of the resource; empty for the core group."),
    f("kind", "string", "Kind of the referent.", required=True),
    f("name", "string", "Name of the referent.", required=True),
    f("namespace", "string", "Namespace of the referent (needs a ReferenceGrant)."),
)
obj(
    P + "VolumeResourceRequirements",
    "Storage resource requirements of a volume.",
    f("limits", "map[Quantity]", "Maximum amount of resources allowed."),
    f("requests", "map[Quantity]", "Minimum amount of resources required."),
)
obj(
    P + "PersistentVolumeClaimSpec",
    "The desired characteristics of a volume requested by a pod author.",
    f("accessModes", "[]string", "The desired access modes of the volume.", **ATOMIC),
    f("selector", "LabelSelector", "A label query over volumes to consider for binding."),
    f("resources", "VolumeResourceRequirements", "Minimum resources the volume should have."),
    f("volumeName", "string", "The binding reference to the PersistentVolume."),
    f(
        "storageClassName",
        "string",
        'Name of the StorageClass required by the claim ("" disables dynamic provisioning).',
    ),
    f(
        "volumeMode",
        "string",
        "What type of volume is required by the claim.",
        enum=("Block", "Filesystem"),
    ),
    f("dataSource", "TypedLocalObjectReference", "A VolumeSnapshot or claim to populate from."),
    f("dataSourceRef", "TypedObjectReference", "The object to populate the volume from."),
    f("volumeAttributesClassName", "string", "The VolumeAttributesClass used by the claim."),
)
obj(
    P + "PersistentVolumeClaimCondition",
    "Details about the state of a claim.",
    f("type", "string", "Type of the condition.", required=True),
    f("status", "string", "Status of the condition.", required=True),
    f("lastProbeTime", "Time", "Last time the condition was probed."),
    f("lastTransitionTime", "Time", "Last time the condition changed."),
    f("reason", "string", "Unique, short, machine-understandable reason for the change."),
    f("message", "string", "Human-readable details of the last transition."),
)
obj(
    P + "ModifyVolumeStatus",
    "Status of a ControllerModifyVolume operation.",
    f("targetVolumeAttributesClassName", "string", "The class the claim is being changed to."),
    f(
        "status",
        "string",
        "Pending, InProgress or Infeasible.",
        required=True,
        enum=("InProgress", "Infeasible", "Pending"),
    ),
)
obj(
    P + "PersistentVolumeClaimStatus",
    "The current status of a persistent volume claim.",
    f("phase", "string", "The current phase of the claim.", enum=("Bound", "Lost", "Pending")),
    f("accessModes", "[]string", "The actual access modes of the volume.", **ATOMIC),
    f("capacity", "map[Quantity]", "The actual resources of the underlying volume."),
    f(
        "conditions",
        "[]PersistentVolumeClaimCondition",
        "Current conditions of the claim.",
        **merge_by("type"),
    ),
    f("allocatedResources", "map[Quantity]", "Resources allocated to the claim."),
    f(
        "allocatedResourceStatuses",
        "map[string]",
        "Status of resize operations per resource.",
        map_type="granular",
    ),
    f("currentVolumeAttributesClassName", "string", "The class the volume currently uses."),
    f("modifyVolumeStatus", "ModifyVolumeStatus", "Status of a volume modification, if any."),
)
obj(
    P + "PersistentVolumeClaim",
    "A user's request for and claim to a persistent volume.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "PersistentVolumeClaimSpec", "The desired characteristics of the volume."),
    f("status", "PersistentVolumeClaimStatus", "The current status of the claim. Read-only."),
)
obj(
    P + "PersistentVolumeClaimTemplate",
    "The template of the claim created for an ephemeral volume.",
    f("metadata", "ObjectMeta", "Labels and annotations copied into the claim."),
    f(
        "spec",
        "PersistentVolumeClaimSpec",
        "The spec of the claim, copied unchanged into the claim.",
        required=True,
    ),
)
obj(
    P + "EphemeralVolumeSource",
    "A volume backed by a claim created with the pod and deleted with it.",
    f(
        "volumeClaimTemplate",
        "PersistentVolumeClaimTemplate",
        "Template of the claim created for the volume.",
    ),
)
obj(
    P + "Volume",
    "A named volume in a pod that may be accessed by any container in the pod. Exactly one "
    "volume source must be set.",
    f(
        "name",
        "string",
        "Volume's name. Must be a DNS_LABEL and unique within the pod.",
        required=True,
    ),
    f("hostPath", "HostPathVolumeSource", "A pre-existing file or directory on the host."),
    f("emptyDir", "EmptyDirVolumeSource", "A temporary directory that shares a pod's lifetime."),
    f("gcePersistentDisk", "GCEPersistentDiskVolumeSource", "Deprecated: a GCE disk."),
    f("awsElasticBlockStore", "AWSElasticBlockStoreVolumeSource", "Deprecated: an AWS EBS disk."),
    f("gitRepo", "GitRepoVolumeSource", "Deprecated: a git repository at a revision."),
    f("secret", "SecretVolumeSource", "A secret that should populate this volume."),
    f("nfs", "NFSVolumeSource", "An NFS mount on the host that shares a pod's lifetime."),
    f("iscsi", "ISCSIVolumeSource", "An ISCSI disk attached to the host."),
    f("glusterfs", "GlusterfsVolumeSource", "Deprecated: a Glusterfs mount on the host."),
    f(
        "persistentVolumeClaim",
        "PersistentVolumeClaimVolumeSource",
        "A reference to a PersistentVolumeClaim in the same namespace.",
    ),
    f("rbd", "RBDVolumeSource", "Deprecated: a Rados Block Device mount on the host."),
    f("flexVolume", "FlexVolumeSource", "Deprecated: a volume of an exec-based plugin."),
    f("cinder", "CinderVolumeSource", "Deprecated: an OpenStack Cinder volume."),
    f("cephfs", "CephFSVolumeSource", "Deprecated: a Ceph filesystem mount on the host."),
    f("flocker", "FlockerVolumeSource", "Deprecated: a Flocker volume."),
    f("downwardAPI", "DownwardAPIVolumeSource", "Downward API about the pod."),
    f("fc", "FCVolumeSource", "A Fibre Channel resource attached to the host."),
    f("azureFile", "AzureFileVolumeSource", "Deprecated: an Azure File Service mount."),
    f("configMap", "ConfigMapVolumeSource", "A configMap that should populate this volume."),
    f("vsphereVolume", "VsphereVirtualDiskVolumeSource", "Deprecated: a vSphere volume."),
    f("quobyte", "QuobyteVolumeSource", "Deprecated: a Quobyte mount on the host."),
    f("azureDisk", "AzureDiskVolumeSource", "Deprecated: an Azure data disk."),
    f(
        "photonPersistentDisk",
        "PhotonPersistentDiskVolumeSource",
        "Deprecated: a Photon Controller persistent disk.",
    ),
    f(
        "projected",
        "ProjectedVolumeSource",
        "Items for all in one resources secrets, configmaps, and downward API.",
    ),
    f("portworxVolume", "PortworxVolumeSource", "Deprecated: a Portworx volume."),
    f("scaleIO", "ScaleIOVolumeSource", "Deprecated: a ScaleIO persistent volume."),
    f("storageos", "StorageOSVolumeSource", "Deprecated: a StorageOS volume."),
    f("csi", "CSIVolumeSource", "Ephemeral storage handled by a CSI driver."),
    f(
        "ephemeral",
        "EphemeralVolumeSource",
        "A volume handled by a cluster storage driver, created and deleted with the pod.",
    ),
    f("image", "ImageVolumeSource", "An OCI object pulled and mounted on the host."),
)

# ------------------------------------------------------------------ scheduling

obj(
    P + "NodeSelectorRequirement",
    "A selector that contains values, a key, and an operator that relates the key and values.",
    f("key", "string", "The label key that the selector applies to.", required=True),
    f(
        "operator",
        "string",
        "A key's relationship to a set of values: In, NotIn, Exists, DoesNotExist, Gt and Lt.",
        required=True,
        enum=("DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"),
    ),
    f("values", "[]string", "An array of string values.", **ATOMIC),
)
obj(
    P + "NodeSelectorTerm",
    "Terms are ANDed; a null or empty term matches no objects.",
    f("matchExpressions", "[]NodeSelectorRequirement", "Requirements by node labels.", **ATOMIC),
    f("matchFields", "[]NodeSelectorRequirement", "Requirements by node fields.", **ATOMIC),
    struct_type="atomic",
)
obj(
    P + "NodeSelector",
    "A union of the results of one or more label queries over a set of nodes (the terms are ORed).",
    f(
        "nodeSelectorTerms",
        "[]NodeSelectorTerm",
        "Required. A list of node selector terms.",
        required=True,
        **ATOMIC,
    ),
    struct_type="atomic",
)
obj(
    P + "PreferredSchedulingTerm",
    "An empty preferred scheduling term matches all objects with implicit weight 0.",
    f(
        "weight",
        "int32",
        "Weight associated with matching the term, in the range 1-100.",
        required=True,
    ),
    f(
        "preference",
        "NodeSelectorTerm",
        "A node selector term, associated with the weight.",
        required=True,
    ),
)
obj(
    P + "NodeAffinity",
    "Node affinity scheduling rules for the pod.",
    f(
        "requiredDuringSchedulingIgnoredDuringExecution",
        "NodeSelector",
        "The pod is not scheduled onto a node that does not meet these requirements.",
    ),
    f(
        "preferredDuringSchedulingIgnoredDuringExecution",
        "[]PreferredSchedulingTerm",
        "The scheduler prefers nodes that satisfy these expressions.",
        **ATOMIC,
    ),
)
obj(
    P + "PodAffinityTerm",
    "A set of pods (selected by labelSelector in namespaces) that this pod should be co-located "
    "(affinity) or not co-located (anti-affinity) with, within a topology domain.",
    f("labelSelector", "LabelSelector", "A label query over a set of resources."),
    f("namespaces", "[]string", "Namespaces the labelSelector applies to.", **ATOMIC),
    f(
        "topologyKey",
        "string",
        "The node label key whose values define a topology domain.",
        required=True,
    ),
    f("namespaceSelector", "LabelSelector", "A label query over the set of namespaces."),
    f("matchLabelKeys", "[]string", "Pod label keys merged into labelSelector.", **ATOMIC),
    f(
        "mismatchLabelKeys",
        "[]string",
        "Pod label keys merged into labelSelector as NotIn.",
        **ATOMIC,
    ),
)
obj(
    P + "WeightedPodAffinityTerm",
    "The weights of all matched WeightedPodAffinityTerm fields are added per-node.",
    f(
        "weight",
        "int32",
        "Weight associated with matching the term, in the range 1-100.",
        required=True,
    ),
    f(
        "podAffinityTerm",
        "PodAffinityTerm",
        "A pod affinity term, associated with the weight.",
        required=True,
    ),
)
obj(
    P + "PodAffinity",
    "Inter-pod affinity scheduling rules.",
    f(
        "requiredDuringSchedulingIgnoredDuringExecution",
        "[]PodAffinityTerm",
        "Hard requirements.",
        **ATOMIC,
    ),
    f(
        "preferredDuringSchedulingIgnoredDuringExecution",
        "[]WeightedPodAffinityTerm",
        "Soft preferences.",
        **ATOMIC,
    ),
)
obj(
    P + "PodAntiAffinity",
    "Inter-pod anti-affinity scheduling rules.",
    f(
        "requiredDuringSchedulingIgnoredDuringExecution",
        "[]PodAffinityTerm",
        "Hard requirements.",
        **ATOMIC,
    ),
    f(
        "preferredDuringSchedulingIgnoredDuringExecution",
        "[]WeightedPodAffinityTerm",
        "Soft preferences.",
        **ATOMIC,
    ),
)
obj(
    P + "Affinity",
    "A group of affinity scheduling rules.",
    f("nodeAffinity", "NodeAffinity", "Node affinity scheduling rules for the pod."),
    f("podAffinity", "PodAffinity", "Pod affinity scheduling rules."),
    f("podAntiAffinity", "PodAntiAffinity", "Pod anti-affinity scheduling rules."),
)
obj(
    P + "Toleration",
    "The pod this Toleration is attached to tolerates any taint that matches the triple "
    "<key,value,effect> using the matching operator.",
    f("key", "string", "The taint key that the toleration applies to; empty means all keys."),
    f(
        "operator",
        "string",
        "A key's relationship to the value: Exists or Equal. Defaults to Equal.",
        enum=("Equal", "Exists"),
    ),
    f("value", "string", "The taint value the toleration matches to."),
    f(
        "effect",
        "string",
        "The taint effect to match; empty means all effects.",
        enum=("NoExecute", "NoSchedule", "PreferNoSchedule"),
    ),
    f("tolerationSeconds", "int64", "How long a NoExecute toleration tolerates the taint."),
)
obj(
    P + "TopologySpreadConstraint",
    "How to spread matching pods among the given topology.",
    f("maxSkew", "int32", "The degree to which pods may be unevenly distributed.", required=True),
    f("topologyKey", "string", "The key of node labels.", required=True),
    f(
        "whenUnsatisfiable",
        "string",
        "How to deal with a pod that does not satisfy the spread "
        "constraint: DoNotSchedule or ScheduleAnyway.",
        required=True,
        enum=("DoNotSchedule", "ScheduleAnyway"),
    ),
    f("labelSelector", "LabelSelector", "Finds matching pods."),
    f("minDomains", "int32", "Minimum number of eligible domains."),
    f(
        "nodeAffinityPolicy",
        "string",
        "How nodeAffinity/nodeSelector are treated when calculating skew: Honor or Ignore.",
        enum=("Honor", "Ignore"),
    ),
    f(
        "nodeTaintsPolicy",
        "string",
        "How node taints are treated when calculating skew: Honor or Ignore.",
        enum=("Honor", "Ignore"),
    ),
    f(
        "matchLabelKeys",
        "[]string",
        "Pod label keys to select the pods over which spreading is calculated.",
        **ATOMIC,
    ),
)

# ------------------------------------------------------------------ pod

obj(
    P + "PodDNSConfigOption",
    "A DNS resolver option of a pod.",
    f("name", "string", "Name of the option."),
    f("value", "string", "Value of the option."),
)
obj(
    P + "PodDNSConfig",
    "DNS parameters of a pod in addition to those generated from DNSPolicy.",
    f("nameservers", "[]string", "DNS name server IP addresses.", **ATOMIC),
    f("searches", "[]string", "DNS search domains for host-name lookup.", **ATOMIC),
    f("options", "[]PodDNSConfigOption", "DNS resolver options.", **ATOMIC),
)
obj(
    P + "HostAlias",
    "An entry injected into the pod's hosts file.",
    f("ip", "string", "IP address of the host file entry.", required=True),
    f("hostnames", "[]string", "Hostnames for the above IP address.", **ATOMIC),
)
obj(
    P + "PodReadinessGate",
    "A pod condition the pod readiness also depends on.",
    f(
        "conditionType",
        "string",
        "A condition in the pod's condition list with a matching type.",
        required=True,
    ),
)
obj(
    P + "Sysctl",
    "A kernel parameter to be set.",
    f("name", "string", "Name of a property to set.", required=True),
    f("value", "string", "Value of a property to set.", required=True),
)
obj(
    P + "PodSecurityContext",
    "Pod-level security attributes and common container settings.",
    f("seLinuxOptions", "SELinuxOptions", "The SELinux context applied to all containers."),
    f("windowsOptions", "WindowsSecurityContextOptions", "The Windows specific settings."),
    f("runAsUser", "int64", "The UID to run the entrypoint of the container process."),
    f("runAsGroup", "int64", "The GID to run the entrypoint of the container process."),
    f("runAsNonRoot", "boolean", "Indicates that the container must run as a non-root user."),
    f(
        "supplementalGroups",
        "[]int64",
        "Groups applied to the first process run in each container.",
        **ATOMIC,
    ),
    f(
        "supplementalGroupsPolicy",
        "string",
        "How supplemental groups of the first container processes are calculated.",
    ),
    f("fsGroup", "int64", "A special supplemental group that applies to all containers."),
    f("sysctls", "[]Sysctl", "Namespaced sysctls used for the pod.", **ATOMIC),
    f(
        "fsGroupChangePolicy",
        "string",
        "Behavior of changing ownership and permission of the "
        "volume before being exposed inside Pod.",
    ),
    f("seccompProfile", "SeccompProfile", "The seccomp options used by the containers."),
    f("appArmorProfile", "AppArmorProfile", "The AppArmor options used by the containers."),
    f("seLinuxChangePolicy", "string", "How the SELinux label is applied to all volumes."),
)
obj(
    P + "PodOS",
    "The OS parameters of a pod.",
    f("name", "string", "Name of the operating system: linux or windows.", required=True),
)
obj(
    P + "PodSchedulingGate",
    "A gate that must be removed before the pod is scheduled.",
    f("name", "string", "Name of the scheduling gate; unique among gates.", required=True),
)
obj(
    P + "PodResourceClaim",
    "References exactly one ResourceClaim.",
    f("name", "string", "Uniquely identifies this resource claim inside the pod.", required=True),
    f("resourceClaimName", "string", "Name of a ResourceClaim object in the same namespace."),
    f("resourceClaimTemplateName", "string", "Name of a ResourceClaimTemplate."),
)
obj(
    P + "PodSpec",
    "A description of a pod.",
    f(
        "volumes",
        "[]Volume",
        "List of volumes that can be mounted by containers belonging to the pod.",
        patch_strategy="merge,retainKeys",
        patch_merge_key="name",
        list_type="map",
        map_keys=("name",),
    ),
    f(
        "initContainers",
        "[]Container",
        "Initialization containers, run in order before the app containers start.",
        **merge_by("name"),
    ),
    f(
        "containers",
        "[]Container",
        "List of containers belonging to the pod. There must be at least one container in a "
        "Pod. Cannot be updated.",
        required=True,
        **merge_by("name"),
    ),
    f(
        "ephemeralContainers",
        "[]EphemeralContainer",
        "Ephemeral containers run in this pod for user-initiated actions such as debugging.",
        **merge_by("name"),
    ),
    f(
        "restartPolicy",
        "string",
        "Restart policy for all containers within the pod: Always, OnFailure or Never. Defaults "
        "to Always.",
        default="Always",
        enum=("Always", "Never", "OnFailure"),
    ),
    f(
        "terminationGracePeriodSeconds",
        "int64",
        "Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 "
        "seconds.",
        default=30,
    ),
    f(
        "activeDeadlineSeconds",
        "int64",
        "Duration in seconds the pod may be active on the node relative to StartTime before the "
        "system actively tries to mark it failed.",
    ),
    f(
        "dnsPolicy",
        "string",
        "DNS policy for the pod: ClusterFirstWithHostNet, ClusterFirst, Default or None. "
        "Defaults to ClusterFirst.",
        default="ClusterFirst",
        enum=("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
    ),
    f(
        "nodeSelector",
        "map[string]",
        "A selector which must be true for the pod to fit on a node: the node's labels must match.",
        map_type="atomic",
    ),
    f("serviceAccountName", "string", "Name of the ServiceAccount to use to run this pod."),
    f("serviceAccount", "string", "Deprecated alias for serviceAccountName."),
    f(
        "automountServiceAccountToken",
        "boolean",
        "Whether a service account token should be automatically mounted.",
    ),
    f(
        "nodeName",
        "string",
        "Indicates in which node this pod is scheduled. If empty, this pod is a candidate for "
        "scheduling by the scheduler defined in schedulerName.",
    ),
    f("hostNetwork", "boolean", "Host networking requested for this pod. Default to false."),
    f("hostPID", "boolean", "Use the host's pid namespace."),
    f("hostIPC", "boolean", "Use the host's ipc namespace."),
    f(
        "shareProcessNamespace",
        "boolean",
        "Share a single process namespace between all of the containers in a pod.",
    ),
    f(
        "securityContext",
        "PodSecurityContext",
        "Pod-level security attributes and common container settings.",
    ),
    f(
        "imagePullSecrets",
        "[]LocalObjectReference",
        "References to secrets in the same namespace to use for pulling any of the images.",
        **merge_by("name"),
    ),
    f("hostname", "string", "The hostname of the Pod; defaults to the pod name."),
    f("subdomain", "string", "The subdomain of the pod's fully qualified hostname."),
    f("affinity", "Affinity", "The pod's scheduling constraints."),
    f(
        "schedulerName",
        "string",
        "The pod is dispatched by the specified scheduler; the default scheduler if unset.",
        default="default-scheduler",
    ),
    f("tolerations", "[]Toleration", "The pod's tolerations.", **ATOMIC),
    f(
        "hostAliases",
        "[]HostAlias",
        "Entries injected into the pod's hosts file.",
        **merge_by("ip"),
    ),
    f(
        "priorityClassName",
        "string",
        "The pod's priority class; the default priority is used if empty.",
    ),
    f(
        "priority",
        "int32",
        "The priority value, populated from priorityClassName by the admission controller.",
    ),
    f("dnsConfig", "PodDNSConfig", "DNS parameters of a pod."),
    f("readinessGates", "[]PodReadinessGate", "Conditions evaluated for pod readiness.", **ATOMIC),
    f("runtimeClassName", "string", "The RuntimeClass object used to run this pod."),
    f(
        "enableServiceLinks",
        "boolean",
        "Whether information about services should be injected into the pod's environment "
        "variables. Defaults to true.",
        default=True,
    ),
    f(
        "preemptionPolicy",
        "string",
        "Policy for preempting pods with lower priority: Never or PreemptLowerPriority.",
        enum=("Never", "PreemptLowerPriority"),
    ),
    f(
        "overhead",
        "map[Quantity]",
        "The resource overhead associated with running a pod for a given RuntimeClass.",
    ),
    f(
        "topologySpreadConstraints",
        "[]TopologySpreadConstraint",
        "How a group of pods ought to spread across topology domains.",
        list_type="map",
        map_keys=("topologyKey", "whenUnsatisfiable"),
        patch_strategy="merge",
        patch_merge_key="topologyKey",
    ),
    f("setHostnameAsFQDN", "boolean", "The pod's hostname is configured as its FQDN."),
    f("os", "PodOS", "The OS of the containers in the pod."),
    f("hostUsers", "boolean", "Use the host's user namespace."),
    f(
        "schedulingGates",
        "[]PodSchedulingGate",
        "Gates that block scheduling while present.",
        **merge_by("name"),
    ),
    f(
        "resourceClaims",
        "[]PodResourceClaim",
        "ResourceClaims that must be allocated before the pod can start.",
        patch_strategy="merge,retainKeys",
        patch_merge_key="name",
        list_type="map",
        map_keys=("name",),
    ),
    f("resources", "ResourceRequirements", "The total resources of the pod (pod-level)."),
)
obj(
    P + "PodCondition",
    "The state of a pod with respect to one condition.",
    f(
        "type",
        "string",
        "Type of the condition: PodScheduled, Initialized, ContainersReady, Ready, ...",
        required=True,
    ),
    f("observedGeneration", "int64", "The pod generation the condition was set from."),
    f("status", "string", "Status of the condition: True, False or Unknown.", required=True),
    f("lastProbeTime", "Time", "Last time the condition was probed."),
    f("lastTransitionTime", "Time", "Last time the condition transitioned."),
    f("reason", "string", "A unique, one-word, CamelCase reason for the last transition."),
    f("message", "string", "A human-readable message about the last transition."),
)
obj(
    P + "ContainerStateWaiting",
    "A waiting state of a container.",
    f(
        "reason",
        "string",
        "Why the container is not yet running (ContainerCreating, "
        "CrashLoopBackOff, ErrImagePull, ...).",
    ),
    f("message", "string", "Details of why the container is not yet running."),
)
obj(
    P + "ContainerStateRunning",
    "A running state of a container.",
    f("startedAt", "Time", "Time at which the container was last (re-)started."),
)
obj(
    P + "ContainerStateTerminated",
    "A terminated state of a container.",
    f(
        "exitCode",
        "int32",
        "Exit status from the last termination of the container.",
        required=True,
    ),
    f("signal", "int32", "Signal from the last termination of the container."),
    f("reason", "string", "(brief) reason from the last termination of the container."),
    f("message", "string", "Message regarding the last termination of the container."),
    f("startedAt", "Time", "Time at which previous execution of the container started."),
    f("finishedAt", "Time", "Time at which the container last terminated."),
    f("containerID", "string", "Container's ID in the format '<type>://<container_id>'."),
)
obj(
    P + "ContainerState",
    "The state of a container: at most one of waiting, running and terminated is set.",
    f("waiting", "ContainerStateWaiting", "Details about a waiting container."),
    f("running", "ContainerStateRunning", "Details about a running container."),
    f("terminated", "ContainerStateTerminated", "Details about a terminated container."),
)
obj(
    P + "VolumeMountStatus",
    "Status of a volume mount.",
    f("name", "string", "Name of the volume mount.", required=True),
    f(
        "mountPath",
        "string",
        "Path within the container where the volume is mounted.",
        required=True,
    ),
    f("readOnly", "boolean", "Whether the volume is mounted read-only."),
    f("recursiveReadOnly", "string", "Recursive read-only state: Disabled or Enabled."),
)
obj(
    P + "LinuxContainerUser",
    "Identity of the first process of a Linux container.",
    f("uid", "int64", "The primary user id.", required=True),
    f("gid", "int64", "The primary group id.", required=True),
    f("supplementalGroups", "[]int64", "Supplemental group ids.", **ATOMIC),
)
obj(
    P + "ContainerUser",
    "Identity of the first process of a container.",
    f("linux", "LinuxContainerUser", "Identity on Linux."),
)
obj(
    P + "ResourceHealth",
    "Health of one allocated device.",
    f("resourceID", "string", "Unique identifier of the resource.", required=True),
    f("health", "string", "Healthy, Unhealthy or Unknown."),
)
obj(
    P + "ResourceStatus",
    "Health of the devices of one allocated resource.",
    f("name", "string", "Name of the resource (or claim:<claim>/<request>).", required=True),
    f("resources", "[]ResourceHealth", "Health per device.", **merge_by("resourceID")),
)
obj(
    P + "PodResourceClaimStatus",
    "The ResourceClaim generated for a pod's resource claim.",
    f("name", "string", "Name of the entry in pod.spec.resourceClaims.", required=True),
    f("resourceClaimName", "string", "Name of the generated ResourceClaim, if any."),
)
obj(
    P + "ContainerStatus",
    "Details of a container's current condition.",
    f("name", "string", "The name of the container.", required=True),
    f("state", "ContainerState", "Details about the container's current condition."),
    f("lastState", "ContainerState", "Details about the container's last termination."),
    f("ready", "boolean", "Whether the container passed its readiness probe.", required=True),
    f(
        "restartCount",
        "int32",
        "The number of times the container has been restarted.",
        required=True,
    ),
    f(
        "image",
        "string",
        "The name of the container image the container is running.",
        required=True,
    ),
    f("imageID", "string", "The image ID of the container's image.", required=True),
    f("containerID", "string", "The ID of the container, '<type>://<container_id>'."),
    f(
        "started",
        "boolean",
        "Whether the container finished its postStart hook and passed the startup probe.",
    ),
    f("allocatedResources", "map[Quantity]", "Compute resources allocated for this container."),
    f("resources", "ResourceRequirements", "Compute resources actually configured."),
    f(
        "volumeMounts",
        "[]VolumeMountStatus",
        "Status of the volume mounts.",
        **merge_by("mountPath"),
    ),
    f("user", "ContainerUser", "Identity information of the first process of the container."),
    f(
        "allocatedResourcesStatus",
        "[]ResourceStatus",
        "Health of the resources allocated to the container.",
        **merge_by("name"),
    ),
    f("stopSignal", "string", "The stop signal of the container."),
)
obj(
    P + "PodIP",
    "An IP address allocated to the pod.",
    f("ip", "string", "The IP address assigned to the pod.", required=True),
)
obj(
    P + "HostIP",
    "An IP address allocated to the host.",
    f("ip", "string", "The IP address assigned to the host.", required=True),
)
obj(
    P + "PodStatus",
    "Information about the status of a pod; may trail the actual state of a system.",
    f("observedGeneration", "int64", "The pod generation observed by the kubelet."),
    f(
        "phase",
        "string",
        "A simple, high-level summary of where the Pod is in its lifecycle: Pending, Running, "
        "Succeeded, Failed or Unknown.",
        enum=("Failed", "Pending", "Running", "Succeeded", "Unknown"),
    ),
    f("conditions", "[]PodCondition", "Current service state of the pod.", **merge_by("type")),
    f("message", "string", "A human readable message about why the pod is in this condition."),
    f("reason", "string", "A brief CamelCase message about why the pod is in this state."),
    f(
        "nominatedNodeName",
        "string",
        "Set when this pod preempts other pods on the node; it may not be scheduled there.",
    ),
    f("hostIP", "string", "The IP address of the host to which the pod is assigned."),
    f("hostIPs", "[]HostIP", "The IP addresses allocated to the host.", **ATOMIC),
    f("podIP", "string", "The IP address allocated to the pod."),
    f(
        "podIPs",
        "[]PodIP",
        "The IP addresses allocated to the pod; podIPs[0] is podIP.",
        **merge_by("ip"),
    ),
    f("startTime", "Time", "When the object was acknowledged by the kubelet."),
    f("initContainerStatuses", "[]ContainerStatus", "Statuses of the init containers.", **ATOMIC),
    f("containerStatuses", "[]ContainerStatus", "Statuses of the containers.", **ATOMIC),
    f(
        "qosClass",
        "string",
        "The Quality of Service class: Guaranteed, Burstable or BestEffort.",
        enum=("BestEffort", "Burstable", "Guaranteed"),
    ),
    f(
        "ephemeralContainerStatuses",
        "[]ContainerStatus",
        "Statuses of ephemeral containers.",
        **ATOMIC,
    ),
    f("resize", "string", "Status of a desired resize of the pod's containers."),
    f(
        "resourceClaimStatuses",
        "[]PodResourceClaimStatus",
        "Status of resource claims.",
        **{**merge_by("name"), "patch_strategy": "merge,retainKeys"},
    ),
)
obj(
    P + "Pod",
    "A collection of containers that can run on a host. Created by clients and scheduled onto "
    "hosts.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "PodSpec", "Specification of the desired behavior of the pod."),
    f("status", "PodStatus", "Most recently observed status of the pod. Read-only."),
    gvk=("", "v1", "Pod"),
)
list_kind("Pod")
obj(
    P + "PodTemplateSpec",
    "The data a pod should have when created from a template.",
    f("metadata", "ObjectMeta", "Standard object's metadata."),
    f("spec", "PodSpec", "Specification of the desired behavior of the pod."),
)
obj(
    P + "Binding",
    "Ties one object to another, for example a pod is bound to a node by a scheduler.",
    API_VERSION,
    KIND,
    metadata(),
    f("target", "ObjectReference", "The target object that you want to bind to.", required=True),
    gvk=("", "v1", "Binding"),
)

# ------------------------------------------------------------------ namespace

obj(
    P + "NamespaceSpec",
    "The attributes on a Namespace.",
    f(
        "finalizers",
        "[]string",
        "An opaque list of values that must be empty to permanently remove the object from "
        "storage.",
        **ATOMIC,
    ),
)
obj(
    P + "NamespaceCondition",
    "The state of a namespace at a point in time.",
    f("type", "string", "Type of namespace controller condition.", required=True),
    f("status", "string", "Status of the condition: True, False or Unknown.", required=True),
    f("lastTransitionTime", "Time", "Last time the condition transitioned."),
    f("reason", "string", "Unique, one-word, CamelCase reason for the condition."),
    f("message", "string", "Human-readable message about the condition."),
)
obj(
    P + "NamespaceStatus",
    "Information about the current status of a Namespace.",
    f(
        "phase",
        "string",
        "The current lifecycle phase of the namespace: Active or Terminating.",
        enum=("Active", "Terminating"),
    ),
    f(
        "conditions",
        "[]NamespaceCondition",
        "The latest observations of the namespace's state.",
        **merge_by("type"),
    ),
)
obj(
    P + "Namespace",
    "Provides a scope for Names. Use of multiple namespaces is optional.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "NamespaceSpec", "The behavior of the Namespace."),
    f("status", "NamespaceStatus", "The current status of the Namespace."),
    gvk=("", "v1", "Namespace"),
)
list_kind("Namespace")

# ------------------------------------------------------------------ node

obj(
    P + "Taint",
    'A node this taint is attached to has the "effect" on any pod that does not tolerate the '
    "taint.",
    f("key", "string", "The taint key to be applied to a node.", required=True),
    f("value", "string", "The taint value corresponding to the taint key."),
    f(
        "effect",
        "string",
        "The effect of the taint on pods that do not tolerate it: "
        "NoSchedule, PreferNoSchedule or NoExecute.",
        required=True,
        enum=("NoExecute", "NoSchedule", "PreferNoSchedule"),
    ),
    f("timeAdded", "Time", "When the taint was added (NoExecute taints only)."),
)
obj(
    P + "ConfigMapNodeConfigSource",
    "A ConfigMap reference as a config source for the node.",
    f("namespace", "string", "Namespace of the ConfigMap.", required=True),
    f("name", "string", "Name of the ConfigMap.", required=True),
    f("uid", "string", "UID of the ConfigMap."),
    f("resourceVersion", "string", "ResourceVersion of the ConfigMap."),
    f("kubeletConfigKey", "string", "The key of the kubelet configuration.", required=True),
)
obj(
    P + "NodeConfigSource",
    "A source of node configuration.",
    f("configMap", "ConfigMapNodeConfigSource", "A ConfigMap as the config source."),
)
obj(
    P + "NodeSpec",
    "The attributes a node is created with.",
    f("podCIDR", "string", "The pod IP range assigned to the node."),
    f(
        "podCIDRs",
        "[]string",
        "The IP ranges assigned to the node for use by pods.",
        list_type="set",
        patch_strategy="merge",
    ),
    f("providerID", "string", "ID of the node assigned by the cloud provider."),
    f(
        "unschedulable",
        "boolean",
        "Controls node schedulability of new pods. By default, node is schedulable.",
    ),
    f("taints", "[]Taint", "If specified, the node's taints.", **ATOMIC),
    f("configSource", "NodeConfigSource", "Deprecated."),
    f("externalID", "string", "Deprecated."),
)
obj(
    P + "NodeCondition",
    "Condition information for a node.",
    f(
        "type",
        "string",
        "Type of node condition: Ready, MemoryPressure, DiskPressure, "
        "PIDPressure, NetworkUnavailable.",
        required=True,
    ),
    f("status", "string", "Status of the condition: True, False or Unknown.", required=True),
    f("lastHeartbeatTime", "Time", "Last time we got an update on a given condition."),
    f("lastTransitionTime", "Time", "Last time the condition transitioned."),
    f("reason", "string", "(brief) reason for the condition's last transition."),
    f("message", "string", "Human readable message about the last transition."),
)
obj(
    P + "NodeAddress",
    "Information for the node's address.",
    f(
        "type",
        "string",
        "Node address type: Hostname, ExternalIP, InternalIP, ExternalDNS or InternalDNS.",
        required=True,
    ),
    f("address", "string", "The node address.", required=True),
)
obj(
    P + "DaemonEndpoint",
    "A port on which a daemon is listening.",
    f("Port", "int32", "Port number of the given endpoint.", required=True),
)
obj(
    P + "NodeDaemonEndpoints",
    "Ports opened by daemons running on the node.",
    f("kubeletEndpoint", "DaemonEndpoint", "Endpoint on which the kubelet is listening."),
)
obj(
    P + "NodeSwapStatus",
    "Swap memory of a node.",
    f("capacity", "int64", "Total amount of swap memory in bytes."),
)
obj(
    P + "NodeConfigStatus",
    "Status of the config assigned by Node.spec.configSource.",
    f("assigned", "NodeConfigSource", "The config the node will try to use."),
    f("active", "NodeConfigSource", "The config the node is actively using."),
    f("lastKnownGood", "NodeConfigSource", "The config the node falls back to on errors."),
    f("error", "string", "Problems reconciling the config."),
)
obj(
    P + "NodeRuntimeHandlerFeatures",
    "Features of a runtime handler.",
    f("recursiveReadOnlyMounts", "boolean", "Whether recursive read-only mounts are supported."),
    f("userNamespaces", "boolean", "Whether user namespaces are supported."),
)
obj(
    P + "NodeRuntimeHandler",
    "A runtime handler of the node.",
    f("name", "string", "Runtime handler name; empty for the default handler."),
    f("features", "NodeRuntimeHandlerFeatures", "Supported features."),
)
obj(
    P + "NodeFeatures",
    "Features the node supports.",
    f("supplementalGroupsPolicy", "boolean", "Whether SupplementalGroupsPolicy is supported."),
)
obj(
    P + "NodeSystemInfo",
    "A set of ids/uuids to uniquely identify the node.",
    f("machineID", "string", "MachineID reported by the node.", required=True),
    f("systemUUID", "string", "SystemUUID reported by the node.", required=True),
    f("bootID", "string", "Boot ID reported by the node.", required=True),
    f("kernelVersion", "string", "Kernel version reported by 'uname -r'.", required=True),
    f("osImage", "string", "OS image reported by the node from /etc/os-release.", required=True),
    f(
        "containerRuntimeVersion",
        "string",
        "ContainerRuntime version reported by the node.",
        required=True,
    ),
    f("kubeletVersion", "string", "Kubelet version reported by the node.", required=True),
    f(
        "kubeProxyVersion",
        "string",
        "Deprecated: KubeProxy version reported by the node.",
        required=True,
    ),
    f("operatingSystem", "string", "The operating system reported by the node.", required=True),
    f("architecture", "string", "The architecture reported by the node.", required=True),
    f("swap", "NodeSwapStatus", "Swap info reported by the node."),
)
obj(
    P + "ContainerImage",
    "A container image.",
    f("names", "[]string", "Names by which this image is known.", **ATOMIC),
    f("sizeBytes", "int64", "The size of the image in bytes."),
)
obj(
    P + "AttachedVolume",
    "A volume attached to a node.",
    f("name", "string", "Name of the attached volume.", required=True),
    f("devicePath", "string", "Where the volume should be available.", required=True),
)
obj(
    P + "NodeStatus",
    "Information about the current status of a node.",
    f("capacity", "map[Quantity]", "The total resources of the node."),
    f(
        "allocatable",
        "map[Quantity]",
        "The resources of a node that are available for scheduling. Defaults to Capacity.",
    ),
    f("phase", "string", "Deprecated: the recently observed lifecycle phase of the node."),
    f(
        "conditions",
        "[]NodeCondition",
        "Conditions is an array of current observed node conditions.",
        **merge_by("type"),
    ),
    f("addresses", "[]NodeAddress", "List of addresses reachable to the node.", **merge_by("type")),
    f("daemonEndpoints", "NodeDaemonEndpoints", "Endpoints of daemons running on the Node."),
    f("nodeInfo", "NodeSystemInfo", "Set of ids/uuids to uniquely identify the node."),
    f("images", "[]ContainerImage", "List of container images on this node.", **ATOMIC),
    f("volumesInUse", "[]string", "List of attachable volumes in use by the node.", **ATOMIC),
    f("volumesAttached", "[]AttachedVolume", "List of volumes attached to the node.", **ATOMIC),
    f("config", "NodeConfigStatus", "Status of the config assigned to the node."),
    f("runtimeHandlers", "[]NodeRuntimeHandler", "The available runtime handlers.", **ATOMIC),
    f("features", "NodeFeatures", "Features supported by the node."),
)
obj(
    P + "Node",
    "A worker node in Kubernetes. Each node has a unique identifier in the cache (etcd).",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "NodeSpec", "The behavior of a node."),
    f("status", "NodeStatus", "Most recently observed status of the node."),
    gvk=("", "v1", "Node"),
)
list_kind("Node")

# ------------------------------------------------------------------ service and endpoints

obj(
    P + "ServicePort",
    "Information on a service's port.",
    f(
        "name",
        "string",
        "The name of this port within the service. Must be a DNS_LABEL and "
        "unique within the ServiceSpec; optional if only one port is defined.",
    ),
    f(
        "protocol",
        "string",
        "The IP protocol for this port: TCP, UDP or SCTP. Default is TCP.",
        default="TCP",
        enum=("SCTP", "TCP", "UDP"),
    ),
    f("appProtocol", "string", "The application protocol for this port."),
    f("port", "int32", "The port that will be exposed by this service.", required=True),
    f(
        "targetPort",
        "IntOrString",
        "Number or name of the port to access on the pods targeted by the service. Defaults to "
        "the value of the 'port' field.",
    ),
    f(
        "nodePort",
        "int32",
        "The port on each node on which this service is exposed when type "
        "is NodePort or LoadBalancer.",
    ),
)
obj(
    P + "ClientIPConfig",
    "The configurations of Client IP based session affinity.",
    f(
        "timeoutSeconds",
        "int32",
        "Seconds of ClientIP type session sticky time (1..86400). Default 10800.",
        default=10800,
    ),
)
obj(
    P + "SessionAffinityConfig",
    "The configurations of session affinity.",
    f("clientIP", "ClientIPConfig", "The configurations of Client IP based session affinity."),
)
obj(
    P + "ServiceSpec",
    "The attributes a user creates on a service.",
    f(
        "ports",
        "[]ServicePort",
        "The list of ports that are exposed by this service.",
        list_type="map",
        map_keys=("port", "protocol"),
        patch_strategy="merge",
        patch_merge_key="port",
    ),
    f(
        "selector",
        "map[string]",
        "Route service traffic to pods with label keys and values matching this selector.",
        map_type="atomic",
    ),
    f(
        "clusterIP",
        "string",
        "The IP address of the service, usually assigned randomly; "
        '"None" makes a headless service.',
    ),
    f(
        "clusterIPs",
        "[]string",
        "IP addresses assigned to this service; clusterIPs[0] is clusterIP.",
        **ATOMIC,
    ),
    f(
        "type",
        "string",
        "How the Service is exposed: ClusterIP, ExternalName, NodePort or "
        "LoadBalancer. Defaults to ClusterIP.",
        default="ClusterIP",
        enum=("ClusterIP", "ExternalName", "LoadBalancer", "NodePort"),
    ),
    f(
        "externalIPs",
        "[]string",
        "IP addresses for which nodes also accept traffic for this service.",
        **ATOMIC,
    ),
    f(
        "sessionAffinity",
        "string",
        "Session affinity: ClientIP or None. Defaults to None.",
        default="None",
        enum=("ClientIP", "None"),
    ),
    f("loadBalancerIP", "string", "Deprecated: the load balancer IP."),
    f(
        "loadBalancerSourceRanges",
        "[]string",
        "Client IPs allowed through the load balancer.",
        **ATOMIC,
    ),
    f(
        "externalName",
        "string",
        "The external reference returned as a CNAME record (type ExternalName).",
    ),
    f(
        "externalTrafficPolicy",
        "string",
        "How nodes distribute service traffic received on an "
        "externally-facing address: Cluster or Local.",
        enum=("Cluster", "Local"),
    ),
    f("healthCheckNodePort", "int32", "The healthcheck nodePort for the service."),
    f("publishNotReadyAddresses", "boolean", "Whether endpoints include not-ready addresses."),
    f("sessionAffinityConfig", "SessionAffinityConfig", "Session affinity configuration."),
    f("ipFamilies", "[]string", "IP families (IPv4, IPv6) assigned to this service.", **ATOMIC),
    f(
        "ipFamilyPolicy",
        "string",
        "Dual-stackness: SingleStack, PreferDualStack or RequireDualStack.",
        enum=("PreferDualStack", "RequireDualStack", "SingleStack"),
    ),
    f(
        "allocateLoadBalancerNodePorts",
        "boolean",
        "Whether NodePorts are allocated for services of type LoadBalancer. Defaults to true.",
    ),
    f("loadBalancerClass", "string", "The class of the load balancer implementation."),
    f(
        "internalTrafficPolicy",
        "string",
        "How nodes distribute service traffic received on the ClusterIP: Cluster or Local.",
        enum=("Cluster", "Local"),
    ),
    f("trafficDistribution", "string", "How to distribute traffic to service endpoints."),
)
obj(
    P + "PortStatus",
    "The status of a service port.",
    f("port", "int32", "Port number.", required=True),
    f("protocol", "string", "Protocol of the port.", required=True),
    f("error", "string", "Error of the port, if any."),
)
obj(
    P + "LoadBalancerIngress",
    "An ingress point for the load balancer.",
    f("ip", "string", "IP of the ingress point."),
    f("hostname", "string", "Hostname of the ingress point."),
    f("ipMode", "string", "How the load balancer IP behaves: VIP or Proxy."),
    f("ports", "[]PortStatus", "Ports of the service.", **ATOMIC),
)
obj(
    P + "LoadBalancerStatus",
    "The status of a load balancer.",
    f("ingress", "[]LoadBalancerIngress", "Ingress points for the load balancer.", **ATOMIC),
)
obj(
    P + "ServiceStatus",
    "The current status of a service.",
    f(
        "loadBalancer",
        "LoadBalancerStatus",
        "The current status of the load-balancer, if one is present.",
    ),
    f("conditions", "[]Condition", "Current service state.", **merge_by("type")),
)
obj(
    P + "Service",
    "A named abstraction of a software service: a local port that the proxy listens on, and "
    "the selector that determines which pods answer requests sent through the proxy.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "ServiceSpec", "The behavior of a service."),
    f("status", "ServiceStatus", "The most recently observed status of the service."),
    gvk=("", "v1", "Service"),
)
list_kind("Service")
obj(
    P + "EndpointAddress",
    "A single IP address of an endpoint.",
    f("ip", "string", "The IP of this endpoint.", required=True),
    f("hostname", "string", "The Hostname of this endpoint."),
    f("nodeName", "string", "The node hosting this endpoint."),
    f("targetRef", "ObjectReference", "Reference to the object providing the endpoint."),
    struct_type="atomic",
)
obj(
    P + "EndpointPort",
    "A port of an endpoint.",
    f("name", "string", "The name of this port; must match a ServicePort name."),
    f("port", "int32", "The port number of the endpoint.", required=True),
    f(
        "protocol",
        "string",
        "The IP protocol for this port. Defaults to TCP.",
        enum=("SCTP", "TCP", "UDP"),
    ),
    f("appProtocol", "string", "The application protocol for this port."),
    struct_type="atomic",
)
obj(
    P + "EndpointSubset",
    "A group of addresses with a common set of ports.",
    f(
        "addresses",
        "[]EndpointAddress",
        "IP addresses which offer the related ports that are marked as ready.",
        **ATOMIC,
    ),
    f(
        "notReadyAddresses",
        "[]EndpointAddress",
        "IP addresses which offer the related ports but are not currently marked as ready.",
        **ATOMIC,
    ),
    f("ports", "[]EndpointPort", "Port numbers available on the related IP addresses.", **ATOMIC),
)
obj(
    P + "Endpoints",
    "The set of endpoints that implement the actual service.",
    API_VERSION,
    KIND,
    metadata(),
    f(
        "subsets",
        "[]EndpointSubset",
        "The set of all endpoints is the union of all subsets.",
        **ATOMIC,
    ),
    gvk=("", "v1", "Endpoints"),
)
list_kind("Endpoints")

# ------------------------------------------------------------------ replication controller

obj(
    P + "ReplicationControllerSpec",
    "The specification of a replication controller.",
    f("replicas", "int32", "The number of desired replicas. Defaults to 1.", default=1),
    f(
        "minReadySeconds",
        "int32",
        "Minimum seconds a new pod must be ready to be considered available.",
    ),
    f(
        "selector",
        "map[string]",
        "A label query over pods that should match the Replicas "
        "count; defaults to the template's labels.",
        map_type="atomic",
    ),
    f(
        "template",
        "PodTemplateSpec",
        "The object that describes the pod that will be created "
        "if insufficient replicas are detected.",
    ),
)
obj(
    P + "ReplicationControllerCondition",
    "The state of a replication controller at a certain point.",
    f("type", "string", "Type of replication controller condition.", required=True),
    f("status", "string", "Status of the condition: True, False or Unknown.", required=True),
    f("lastTransitionTime", "Time", "The last time the condition transitioned."),
    f("reason", "string", "The reason for the condition's last transition."),
    f("message", "string", "A human readable message about the transition."),
)
obj(
    P + "ReplicationControllerStatus",
    "The current status of a replication controller.",
    f("replicas", "int32", "The most recently observed number of replicas.", required=True),
    f(
        "fullyLabeledReplicas",
        "int32",
        "The number of pods that have labels matching the pod template labels.",
    ),
    f("readyReplicas", "int32", "The number of ready replicas."),
    f("availableReplicas", "int32", "The number of available replicas."),
    f("observedGeneration", "int64", "The generation of the most recently observed controller."),
    f(
        "conditions",
        "[]ReplicationControllerCondition",
        "The latest available observations.",
        **merge_by("type"),
    ),
)
obj(
    P + "ReplicationController",
    "The configuration of a replication controller.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "ReplicationControllerSpec", "The desired behavior of the controller."),
    f("status", "ReplicationControllerStatus", "The most recently observed status."),
    gvk=("", "v1", "ReplicationController"),
)
list_kind("ReplicationController")

# ------------------------------------------------------------------ config

obj(
    P + "ConfigMap",
    "Holds configuration data for pods to consume.",
    API_VERSION,
    KIND,
    metadata(),
    f("immutable", "boolean", "If true, the data cannot be updated (only metadata can)."),
    f("data", "map[string]", "The configuration data, UTF-8 values."),
    f("binaryData", "map[byte]", "Binary configuration data, base64 in JSON."),
    gvk=("", "v1", "ConfigMap"),
)
list_kind("ConfigMap")
obj(
    P + "Secret",
    "Holds secret data of a certain type. The total bytes of the values in the data field "
    "must be less than 1 MiB.",
    API_VERSION,
    KIND,
    metadata(),
    f("immutable", "boolean", "If true, the data cannot be updated (only metadata can)."),
    f("data", "map[byte]", "The secret data, base64 encoded in JSON."),
    f(
        "stringData",
        "map[string]",
        "Write-only convenience: non-binary data merged into data on write; never output.",
    ),
    f(
        "type",
        "string",
        "Used to facilitate programmatic handling of secret data. Defaults to Opaque.",
        default="Opaque",
    ),
    gvk=("", "v1", "Secret"),
)
list_kind("Secret")
obj(
    P + "ServiceAccount",
    "Binds together a name understood by users and by peripheral systems, a principal that "
    "can be authenticated and authorized, and a set of secrets.",
    API_VERSION,
    KIND,
    metadata(),
    f(
        "secrets",
        "[]ObjectReference",
        "Deprecated: secrets pods of this account may use.",
        **merge_by("name"),
    ),
    f(
        "imagePullSecrets",
        "[]LocalObjectReference",
        "Secrets used to pull images of pods referencing this account.",
        **ATOMIC,
    ),
    f(
        "automountServiceAccountToken",
        "boolean",
        "Whether pods running as this service account get an API token mounted.",
    ),
    gvk=("", "v1", "ServiceAccount"),
)
list_kind("ServiceAccount")

# ------------------------------------------------------------------ events (core)

obj(
    P + "EventSource",
    "The source from which an event is generated.",
    f("component", "string", "Component from which the event is generated."),
    f("host", "string", "Node name on which the event is generated."),
)
obj(
    P + "EventSeries",
    "A series of events; the first event is used to create it.",
    f("count", "int32", "Number of occurrences in this series up to the last heartbeat time."),
    f("lastObservedTime", "MicroTime", "Time of the last occurrence observed."),
)
obj(
    P + "Event",
    "A report of an event somewhere in the cluster.",
    API_VERSION,
    KIND,
    metadata(),
    f("involvedObject", "ObjectReference", "The object that this event is about.", required=True),
    f(
        "reason",
        "string",
        "A short, machine understandable string that gives the reason for "
        "the transition into the object's current status.",
    ),
    f("message", "string", "A human-readable description of the status of this operation."),
    f("source", "EventSource", "The component reporting this event."),
    f("firstTimestamp", "Time", "The time at which the event was first recorded."),
    f("lastTimestamp", "Time", "The time at which the most recent occurrence was recorded."),
    f("count", "int32", "The number of times this event has occurred."),
    f("type", "string", "Type of this event (Normal, Warning)."),
    f("eventTime", "MicroTime", "Time when this Event was first observed."),
    f("series", "EventSeries", "Data about the Event series this event represents."),
    f("action", "string", "What action was taken/failed regarding the Regarding object."),
    f("related", "ObjectReference", "Optional secondary object for more complex actions."),
    f("reportingComponent", "string", "Name of the controller that emitted this Event."),
    f("reportingInstance", "string", "ID of the controller instance."),
    gvk=("", "v1", "Event"),
)
list_kind("Event")

# ------------------------------------------------------------------ quota and limits

obj(
    P + "ScopedResourceSelectorRequirement",
    "A selector that contains values, a scope name, and an operator.",
    f("scopeName", "string", "The name of the scope that the selector applies to.", required=True),
    f(
        "operator",
        "string",
        "A scope's relationship to a set of values: In, NotIn, Exists, DoesNotExist.",
        required=True,
    ),
    f("values", "[]string", "An array of string values.", **ATOMIC),
)
obj(
    P + "ScopeSelector",
    "A collection of filters ANDed with the scopes.",
    f(
        "matchExpressions",
        "[]ScopedResourceSelectorRequirement",
        "A list of scope selector requirements by scope of the resources.",
        **ATOMIC,
    ),
    struct_type="atomic",
)
obj(
    P + "ResourceQuotaSpec",
    "The desired hard limits to enforce for Quota.",
    f("hard", "map[Quantity]", "The set of desired hard limits for each named resource."),
    f("scopes", "[]string", "Filters that must match each object tracked by a quota.", **ATOMIC),
    f("scopeSelector", "ScopeSelector", "A collection of filters like scopes."),
)
obj(
    P + "ResourceQuotaStatus",
    "The enforced hard limits and observed use.",
    f("hard", "map[Quantity]", "The set of enforced hard limits for each named resource."),
    f(
        "used",
        "map[Quantity]",
        "The current observed total usage of the resource in the namespace.",
    ),
)
obj(
    P + "ResourceQuota",
    "Sets aggregate quota restrictions enforced per namespace.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "ResourceQuotaSpec", "The desired quota."),
    f("status", "ResourceQuotaStatus", "The actual enforced quota and its current usage."),
    gvk=("", "v1", "ResourceQuota"),
)
list_kind("ResourceQuota")
obj(
    P + "LimitRangeItem",
    "A min/max usage limit for any resource that matches on kind.",
    f(
        "type",
        "string",
        "Type of resource that this limit applies to: Pod, Container or PersistentVolumeClaim.",
        required=True,
    ),
    f("max", "map[Quantity]", "Max usage constraints on this kind by resource name."),
    f("min", "map[Quantity]", "Min usage constraints on this kind by resource name."),
    f("default", "map[Quantity]", "Default resource limits by resource name."),
    f("defaultRequest", "map[Quantity]", "Default resource requests by resource name."),
    f("maxLimitRequestRatio", "map[Quantity]", "Max burst for the named resource."),
)
obj(
    P + "LimitRangeSpec",
    "Limits enforced for a kind of resource.",
    f(
        "limits",
        "[]LimitRangeItem",
        "Limits is the list of LimitRangeItem objects that are enforced.",
        required=True,
        **ATOMIC,
    ),
)
obj(
    P + "LimitRange",
    "Sets resource usage limits for each kind of resource in a Namespace.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "LimitRangeSpec", "The limits enforced."),
    gvk=("", "v1", "LimitRange"),
)
list_kind("LimitRange")
