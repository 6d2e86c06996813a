"""``ServiceAccount``: pods run as ``default`` unless they name an account, which must exist.

The ``default`` account of a namespace is created with the namespace (what kube-controller-
manager's serviceaccounts controller does); if it was deleted, admission recreates it rather
than refusing pods. Token volume projection is not done (nothing in kcore reads the token).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kcore.api.errors import Forbidden, StatusDetails

if TYPE_CHECKING:
    from kcore.api.resources import ResourceInfo
    from kcore.apiserver.admission import AdmissionHost, Attributes

DEFAULT_SERVICE_ACCOUNT = "default"


class ServiceAccountAdmission:
    """Defaults ``spec.serviceAccountName`` of new pods and checks that the account exists."""

    name = "ServiceAccount"

    def __init__(self, host: AdmissionHost) -> None:
        self.host = host

    def handles(self, info: ResourceInfo) -> bool:
        """Only core pods."""
        return info.group == "" and info.resource == "pods"

    def admit(self, attrs: Attributes) -> None:
        spec = attrs.created_pod_spec()
        if spec is None or attrs.obj is None:
            return
        # Mirror pods (static pods a kubelet reports) are exempt, as upstream.
        annotations = (attrs.obj.get("metadata") or {}).get("annotations") or {}
        if "kubernetes.io/config.mirror" in annotations:
            return
        sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or ""
        if not isinstance(sa, str):
            return
        if not sa:
            sa = DEFAULT_SERVICE_ACCOUNT
        spec["serviceAccountName"] = sa
        spec.setdefault("serviceAccount", sa)
        ns = attrs.namespace or ""
        if self.host.lookup("serviceaccounts", ns, sa) is not None:
            return
        if sa == DEFAULT_SERVICE_ACCOUNT and not attrs.dry_run:
            self.host.ensure(
                "serviceaccounts",
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": sa, "namespace": ns},
                },
            )
            return
        if sa == DEFAULT_SERVICE_ACCOUNT:
            return
        raise Forbidden(
            f'pods "{attrs.name}" is forbidden: error looking up service account {ns}/{sa}: '
            f'serviceaccount "{sa}" not found',
            details=StatusDetails(name=attrs.name, kind="pods"),
        )

    def validate(self, attrs: Attributes) -> None:  # noqa: ARG002 - mutating only
        return
