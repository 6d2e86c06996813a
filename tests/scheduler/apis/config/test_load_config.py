"""load_config: defaulting as v1's defaults.go, multiPoint expansion as NewFramework, strict
decoding, validation errors with field paths, and the round trip of a full document.

Not covered here: how the native core uses the resolved profile (tests/scheduler/)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest
import yaml

from kcore.scheduler.apis.config import (
    ConfigError,
    DefaultPreemptionArgs,
    DynamicResourcesArgs,
    InterPodAffinityArgs,
    NodeAffinityArgs,
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
    PodTopologySpreadArgs,
    RawPluginArgs,
    ResourceSpec,
    TopologySpreadConstraintSpec,
    UtilizationShapePoint,
    VolumeBindingArgs,
    default_profile,
    load_config,
)
from kcore.scheduler.apis.config.registry import register_plugin_info, unregister_plugin_info

if TYPE_CHECKING:
    from pathlib import Path

HEAD = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"

# The fidelity corpus README §1 table (kube-scheduler v1.35.4 default profile).
FIDELITY_FILTER = [
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeRestrictions",
    "NodeVolumeLimits",
    "VolumeBinding",
    "VolumeZone",
    "PodTopologySpread",
    "InterPodAffinity",
    "DynamicResources",
]
FIDELITY_PREFILTER = [
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeRestrictions",
    "NodeVolumeLimits",
    "VolumeBinding",
    "VolumeZone",
    "PodTopologySpread",
    "InterPodAffinity",
    "DynamicResources",
]
FIDELITY_PRESCORE = [
    "TaintToleration",
    "NodeAffinity",
    "NodeResourcesFit",
    "VolumeBinding",
    "PodTopologySpread",
    "InterPodAffinity",
    "NodeResourcesBalancedAllocation",
]
FIDELITY_SCORE = (
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodeResourcesFit", 1),
    ("VolumeBinding", 1),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DynamicResources", 2),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
)


def load(body: str):
    return load_config(HEAD + textwrap.dedent(body))


def errors_of(body: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(body)
    return [str(e) for e in info.value.errors]


def test_default_profile_equals_fidelity_table() -> None:
    p = default_profile()
    assert p.scheduler_name == "default-scheduler"
    assert list(p.filters) == FIDELITY_FILTER
    assert p.scores == FIDELITY_SCORE
    assert p.post_filters == ("DynamicResources", "DefaultPreemption")
    assert list(p.extension_points["preFilter"]) == FIDELITY_PREFILTER
    assert list(p.extension_points["preScore"]) == FIDELITY_PRESCORE
    assert p.extension_points["queueSort"] == ("PrioritySort",)
    assert p.extension_points["bind"] == ("DefaultBinder",)
    assert p.extension_points["preEnqueue"] == (
        "SchedulingGates",
        "DynamicResources",
        "DefaultPreemption",
    )
    assert p.percentage_of_nodes_to_score is None
    # Plugin arguments are v1 defaults.
    assert p.plugin_args["NodeResourcesFit"] == NodeResourcesFitArgs()
    assert p.plugin_args["NodeResourcesFit"].scoring_strategy.type == "LeastAllocated"
    assert p.plugin_args["InterPodAffinity"] == InterPodAffinityArgs(1, False)
    assert p.plugin_args["DefaultPreemption"] == DefaultPreemptionArgs(10, 100)
    assert p.plugin_args["PodTopologySpread"].defaulting_type == "System"
    assert p.plugin_args["VolumeBinding"] == VolumeBindingArgs(600)
    assert p.plugin_args["DynamicResources"] == DynamicResourcesArgs(10.0, 600.0)


def test_empty_document_defaults_like_upstream() -> None:
    cfg = load("")
    assert cfg.parallelism == 16
    assert cfg.pod_initial_backoff_seconds == 1
    assert cfg.pod_max_backoff_seconds == 10
    assert cfg.client_connection.qps == 50.0
    assert cfg.client_connection.burst == 100
    assert cfg.client_connection.content_type == "application/vnd.kubernetes.protobuf"
    le = cfg.leader_election
    assert (le.leader_elect, le.lease_duration, le.renew_deadline, le.retry_period) == (
        True,
        15.0,
        10.0,
        2.0,
    )
    assert (le.resource_lock, le.resource_name, le.resource_namespace) == (
        "leases",
        "kube-scheduler",
        "kube-system",
    )
    assert cfg.enable_profiling
    assert cfg.enable_contention_profiling
    assert [p.scheduler_name for p in cfg.profiles] == ["default-scheduler"]
    assert cfg.profile() == default_profile()
    # Default args were appended for every enabled plugin with an args kind, sorted by name.
    assert [c.name for c in cfg.profiles[0].plugin_config] == [
        "DefaultPreemption",
        "DynamicResources",
        "InterPodAffinity",
        "NodeAffinity",
        "NodeResourcesBalancedAllocation",
        "NodeResourcesFit",
        "PodTopologySpread",
        "VolumeBinding",
    ]


def test_percentage_of_nodes_to_score_profile_wins_over_global() -> None:
    cfg = load(
        """
        percentageOfNodesToScore: 30
        profiles:
        - schedulerName: a
        - schedulerName: b
          percentageOfNodesToScore: 0
        """
    )
    assert cfg.profile("a").percentage_of_nodes_to_score == 30
    assert cfg.profile("b").percentage_of_nodes_to_score == 0
    with pytest.raises(KeyError, match="no profile with schedulerName 'c'"):
        cfg.profile("c")


@pytest.mark.parametrize(
    ("plugins", "point", "expected"),
    [
        pytest.param(
            "filter: {disabled: [{name: NodePorts}, {name: VolumeZone}]}",
            "filter",
            [n for n in FIDELITY_FILTER if n not in ("NodePorts", "VolumeZone")],
            id="disable-two-at-one-point",
        ),
        pytest.param(
            "filter: {enabled: [{name: NodeResourcesFit}, {name: NodeName}]}",
            "filter",
            ["NodeResourcesFit", "NodeName"]
            + [n for n in FIDELITY_FILTER if n not in ("NodeResourcesFit", "NodeName")],
            id="explicit-points-override-first-in-their-order",
        ),
        pytest.param(
            "filter: {disabled: [{name: '*'}], "
            "enabled: [{name: NodeName}, {name: TaintToleration}]}",
            "filter",
            ["NodeName", "TaintToleration"],
            id="star-disables-multipoint-expansion",
        ),
        pytest.param(
            "multiPoint: {disabled: [{name: InterPodAffinity}]}",
            "preFilter",
            [n for n in FIDELITY_PREFILTER if n != "InterPodAffinity"],
            id="multipoint-disable-removes-everywhere",
        ),
        pytest.param(
            "preScore: {disabled: [{name: '*'}]}",
            "preScore",
            [],
            id="star-at-prescore",
        ),
    ],
)
def test_multipoint_expansion(plugins: str, point: str, expected: list[str]) -> None:
    cfg = load(f"profiles:\n- plugins:\n    {plugins}\n")
    assert list(cfg.profile().extension_points[point]) == expected


def test_multipoint_custom_plugins_and_weights() -> None:
    cfg = load(
        """
        profiles:
        - plugins:
            multiPoint:
              enabled:
              - {name: NodeResourcesFit, weight: 5}
              - {name: ImageLocality}
            score:
              enabled:
              - {name: ImageLocality, weight: 7}
        """
    )
    p = cfg.profile()
    weights = dict(p.scores)
    # multiPoint re-configuration replaces the default entry in place (order kept).
    assert weights["NodeResourcesFit"] == 5
    # The score list's weight wins over multiPoint's, and the override comes first.
    assert weights["ImageLocality"] == 7
    assert p.scores[0] == ("ImageLocality", 7)
    assert [n for n, _ in p.scores][1:] == [n for n, _ in FIDELITY_SCORE if n != "ImageLocality"]


def test_multipoint_star_builds_minimal_profile() -> None:
    cfg = load(
        """
        profiles:
        - plugins:
            multiPoint:
              disabled: [{name: '*'}]
              enabled:
              - {name: PrioritySort}
              - {name: NodeResourcesFit, weight: 0}
              - {name: DefaultBinder}
        """
    )
    p = cfg.profile()
    assert p.filters == ("NodeResourcesFit",)
    assert p.scores == (("NodeResourcesFit", 1),)  # weight 0 means 1
    assert p.post_filters == ()
    assert p.extension_points["preEnqueue"] == ()


def test_python_plugin_through_registry() -> None:
    register_plugin_info("PackTight", ["filter", "score"])
    try:
        cfg = load(
            """
            profiles:
            - plugins:
                multiPoint:
                  enabled: [{name: PackTight, weight: 4}]
              pluginConfig:
              - name: PackTight
                args: {alpha: 0.5}
            """
        )
    finally:
        unregister_plugin_info("PackTight")
    p = cfg.profile()
    assert p.filters[-1] == "PackTight"
    assert p.scores[-1] == ("PackTight", 4)
    assert p.plugin_args["PackTight"] == RawPluginArgs({"alpha": 0.5})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n"
            "    args: {hardPodAffinityWeight: 101}",
            "profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: "
            "not in valid range [0, 100]",
            id="hard-pod-affinity-weight",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n  - name: NodeResourcesFit\n"
            "    args:\n      scoringStrategy:\n        type: LeastAllocated\n"
            "        resources: [{name: cpu, weight: 101}]",
            "profiles[0].pluginConfig[1].args.scoringStrategy.resources[0].weight: Invalid value: "
            "101: resource weight of cpu not in valid range (0, 100]",
            id="fit-resource-weight",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n"
            "    args: {scoringStrategy: {type: Fancy}}",
            'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Fancy": '
            'supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
            id="fit-strategy-type",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n"
            "    args: {scoringStrategy: {type: RequestedToCapacityRatio}}",
            "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio: "
            "Required value: must be specified when type is RequestedToCapacityRatio",
            id="rtcr-required",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n"
            "    args: {scoringStrategy: {type: MostAllocated, "
            "requestedToCapacityRatio: {shape: []}}}",
            "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio: "
            "Forbidden: must be nil when type is not RequestedToCapacityRatio",
            id="rtcr-forbidden",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n"
            "    args: {scoringStrategy: {type: RequestedToCapacityRatio, "
            "requestedToCapacityRatio: {shape: [{utilization: 50, score: 11}, "
            "{utilization: 40, score: 1}]}}}",
            "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1]"
            ".utilization: Invalid value: 40: values must be sorted in increasing order",
            id="rtcr-shape-order",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeResourcesBalancedAllocation\n"
            "    args: {resources: [{name: cpu, weight: 2}]}",
            "profiles[0].pluginConfig[0].args.resources[0].weight: Invalid value: 2: must be 1",
            id="balanced-weight",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n"
            "    args: {defaultConstraints: [{maxSkew: 1, topologyKey: zone, "
            "whenUnsatisfiable: ScheduleAnyway}]}",
            'profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": '
            "when .defaultConstraints are not empty",
            id="pts-system-with-constraints",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n"
            "    args: {defaultingType: List, defaultConstraints: [{maxSkew: 0, topologyKey: zone, "
            "whenUnsatisfiable: ScheduleAnyway}]}",
            "profiles[0].pluginConfig[0].args.defaultConstraints[0].maxSkew: Invalid value: 0: "
            "not in valid range (0, inf)",
            id="pts-max-skew",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: DefaultPreemption\n"
            "    args: {minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0}",
            "profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Invalid value: 0: "
            "cannot be zero at the same time as minCandidateNodesAbsolute",
            id="preemption-both-zero",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeAffinity\n    args:\n      addedAffinity:\n"
            "        requiredDuringSchedulingIgnoredDuringExecution:\n"
            "          nodeSelectorTerms:\n"
            "          - matchExpressions: [{key: zone, operator: In}]",
            "profiles[0].pluginConfig[0].args.addedAffinity.requiredDuringSchedulingIgnoredDuring"
            "Execution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be "
            "specified when `operator` is 'In' or 'NotIn'",
            id="node-affinity-added",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: VolumeBinding\n"
            "    args: {bindTimeoutSeconds: -1}",
            "profiles[0].pluginConfig[0].args.bindTimeoutSeconds: Invalid value: -1: "
            "invalid BindTimeoutSeconds, should not be a negative value",
            id="volume-binding",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeAffinity\n  - name: NodeAffinity",
            'profiles[0].pluginConfig[1]: Duplicate value: "NodeAffinity"',
            id="duplicate-plugin-config",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: EBSLimits",
            'profiles[0].pluginConfig[0]: Invalid value: "EBSLimits": was invalid in version '
            '"kubescheduler.config.k8s.io/v1" (KubeSchedulerConfiguration is version '
            '"kubescheduler.config.k8s.io/v1")',
            id="removed-plugin-args",
        ),
        pytest.param(
            "profiles:\n- plugins:\n    filter:\n"
            "      enabled: [{name: NodeName}, {name: NodeName}]",
            'profiles[0].plugins.filter.enabled[1]: Duplicate value: "NodeName"',
            id="duplicate-plugin",
        ),
        pytest.param(
            "profiles:\n- plugins:\n    filter:\n      enabled: [{name: NoSuchPlugin}]",
            'profiles[0].plugins.filter.enabled[0]: Not found: "NoSuchPlugin": no such plugin',
            id="unknown-plugin",
        ),
        pytest.param(
            "profiles:\n- plugins:\n    multiPoint:\n      enabled: [{name: NoSuchPlugin}]",
            'profiles[0].plugins.multiPoint.enabled[0]: Not found: "NoSuchPlugin": no such plugin',
            id="unknown-multipoint-plugin",
        ),
        pytest.param(
            "profiles:\n- plugins:\n    score:\n      enabled: [{name: NodeName, weight: 1}]",
            'profiles[0].plugins.score.enabled[0]: Invalid value: "NodeName": plugin does not '
            "extend the score extension point",
            id="wrong-extension-point",
        ),
        pytest.param(
            "profiles:\n- plugins:\n    score:\n      enabled: [{name: ImageLocality, weight: -2}]",
            "profiles[0].plugins.score.enabled[0].weight: Invalid value: -2: score plugin weight "
            "must be positive",
            id="negative-weight",
        ),
        pytest.param(
            "profiles:\n- plugins:\n    queueSort:\n      disabled: [{name: '*'}]",
            "profiles[0].plugins.queueSort: Invalid value: 0: only one queue sort plugin required "
            "for profile with scheduler name 'default-scheduler', but got 0",
            id="no-queue-sort",
        ),
        pytest.param(
            "profiles:\n- plugins:\n    bind:\n      disabled: [{name: DefaultBinder}]",
            "profiles[0].plugins.bind: Required value: at least one bind plugin is needed",
            id="no-binder",
        ),
        pytest.param(
            "profiles:\n- schedulerName: a\n- schedulerName: a",
            'profiles[1].schedulerName: Duplicate value: "profiles[0].schedulerName"',
            id="duplicate-scheduler-name",
        ),
        pytest.param(
            "profiles:\n- schedulerName: a\n- {}",
            "profiles[1].schedulerName: Required value",
            id="scheduler-name-required-with-several-profiles",
        ),
        pytest.param(
            "profiles:\n- schedulerName: a\n- schedulerName: b\n  plugins:\n    queueSort:\n"
            "      disabled: [{name: '*'}]\n      enabled: [{name: PrioritySort}]",
            "profiles[1].plugins.queueSort: Invalid value:",
            id="queue-sort-differs",
        ),
        pytest.param(
            "percentageOfNodesToScore: 101",
            "percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]",
            id="global-percentage",
        ),
        pytest.param(
            "profiles:\n- percentageOfNodesToScore: -1",
            "profiles[0].percentageOfNodesToScore: Invalid value: -1: not in valid range [0-100]",
            id="profile-percentage",
        ),
        pytest.param(
            "parallelism: 0",
            "parallelism: Invalid value: 0: should be an integer value greater than zero",
            id="parallelism",
        ),
        pytest.param(
            "podInitialBackoffSeconds: 0",
            "podInitialBackoffSeconds: Invalid value: 0: must be greater than 0",
            id="initial-backoff",
        ),
        pytest.param(
            "podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2",
            "podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to "
            "PodInitialBackoffSeconds",
            id="max-backoff",
        ),
        pytest.param(
            "clientConnection: {burst: -1}",
            "clientConnection.burst: Invalid value: -1: must be non-negative",
            id="burst",
        ),
        pytest.param(
            "leaderElection: {resourceLock: endpoints}",
            'leaderElection.resourceLock: Invalid value: "endpoints": resourceLock value '
            'must be "leases"',
            id="resource-lock",
        ),
        pytest.param(
            "leaderElection: {leaseDuration: 5s, renewDeadline: 10s}",
            'leaderElection.leaseDuration: Invalid value: "10s": LeaseDuration must be '
            "greater than RenewDeadline",
            id="lease-duration",
        ),
        pytest.param(
            "extenders:\n- {urlPrefix: 'http://127.0.0.1', prioritizeVerb: p}",
            "extenders[0].weight: Invalid value: 0: must have a positive weight applied to it",
            id="extender-weight",
        ),
    ],
)
def test_validation_errors_name_their_path(body: str, expected: str) -> None:
    errs = errors_of(body)
    assert any(e.startswith(expected) for e in errs), errs


def test_all_errors_reported_together() -> None:
    with pytest.raises(ConfigError) as info:
        load("parallelism: -1\npodInitialBackoffSeconds: 0\n")
    msg = str(info.value)
    assert msg.startswith("<string>: [")
    assert "parallelism: Invalid value: -1" in msg
    assert "podInitialBackoffSeconds: Invalid value: 0" in msg
    assert len(info.value.errors) == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("parallelsm: 3", 'unknown field "parallelsm"', id="top-level"),
        pytest.param(
            "profiles:\n- plugins:\n    filter:\n      enabeld: []",
            'unknown field "profiles[0].plugins.filter.enabeld"',
            id="nested",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n"
            "    args: {hardPodAffinityWieght: 2}",
            'unknown field "profiles[0].pluginConfig[0].args.hardPodAffinityWieght"',
            id="in-args",
        ),
        pytest.param("Parallelism: 3", 'unknown field "Parallelism"', id="case-sensitive"),
        pytest.param(
            "parallelism: many",
            'parallelism: Invalid value: "many": must be an integer',
            id="wrong-type",
        ),
        pytest.param(
            "profiles:\n- pluginConfig:\n  - name: NodeAffinity\n"
            "    args: {kind: InterPodAffinityArgs}",
            'profiles[0].pluginConfig[0].args: Invalid value: "InterPodAffinityArgs": has to '
            "match plugin args",
            id="args-kind-mismatch",
        ),
        pytest.param(
            "leaderElection: {leaseDuration: 15}",
            "leaderElection.leaseDuration: Invalid value: 15: must be a duration string",
            id="duration-type",
        ),
    ],
)
def test_strict_decoding_errors(body: str, expected: str) -> None:
    errs = errors_of(body)
    assert any(e.startswith(expected) for e in errs), errs


def test_duplicate_key_is_an_error() -> None:
    with pytest.raises(
        ConfigError, match=r"line 4: duplicate key 'parallelism' \(first at line 3\)"
    ):
        load("parallelism: 3\nparallelism: 4\n")


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(
            "apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n",
            id="old-version",
        ),
        pytest.param("apiVersion: v1\nkind: Pod\n", id="other-kind"),
        pytest.param("parallelism: 4\n", id="missing-type-meta"),
    ],
)
def test_type_meta_required_for_documents(doc: str) -> None:
    with pytest.raises(ConfigError, match="apiVersion"):
        load_config(doc)


def test_mapping_source_may_omit_type_meta() -> None:
    assert load_config({"parallelism": 4}).parallelism == 4


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        load_config(tmp_path / "nope.yaml")


FULL = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
parallelism: 8
percentageOfNodesToScore: 50
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 20
leaderElection:
  leaderElect: false
  leaseDuration: 30s
  renewDeadline: 20s
  retryPeriod: 4s
  resourceLock: leases
  resourceName: my-scheduler
  resourceNamespace: sched
clientConnection:
  kubeconfig: /etc/kubernetes/scheduler.conf
  qps: 5000
  burst: 5000
profiles:
- schedulerName: default-scheduler
  percentageOfNodesToScore: 100
  plugins:
    multiPoint:
      enabled:
      - name: NodeResourcesFit
        weight: 3
    score:
      disabled:
      - name: ImageLocality
  pluginConfig:
  - name: NodeResourcesFit
    args:
      apiVersion: kubescheduler.config.k8s.io/v1
      kind: NodeResourcesFitArgs
      ignoredResources: [example.com/foo]
      ignoredResourceGroups: [example.org]
      scoringStrategy:
        type: RequestedToCapacityRatio
        resources:
        - {name: cpu, weight: 3}
        - {name: memory}
        requestedToCapacityRatio:
          shape:
          - {utilization: 0, score: 0}
          - {utilization: 100, score: 10}
  - name: NodeResourcesBalancedAllocation
    args:
      resources:
      - {name: cpu, weight: 1}
      - {name: memory, weight: 1}
      - {name: nvidia.com/gpu, weight: 1}
  - name: PodTopologySpread
    args:
      defaultingType: List
      defaultConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
      - {maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
         minDomains: 2, nodeAffinityPolicy: Ignore, nodeTaintsPolicy: Honor}
  - name: InterPodAffinity
    args: {hardPodAffinityWeight: 5, ignorePreferredTermsOfExistingPods: true}
  - name: NodeAffinity
    args:
      addedAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          nodeSelectorTerms:
          - matchExpressions: [{key: pool, operator: In, values: [batch]}]
  - name: DefaultPreemption
    args: {minCandidateNodesPercentage: 20, minCandidateNodesAbsolute: 50}
  - name: VolumeBinding
    args: {bindTimeoutSeconds: 300}
  - name: DynamicResources
    args: {filterTimeout: 5s, bindingTimeout: 2m}
- schedulerName: packer
  plugins:
    multiPoint:
      enabled:
      - {name: NodeResourcesFit, weight: 10}
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy: {type: MostAllocated}
"""


def test_round_trip_of_full_document(tmp_path: Path) -> None:
    path = tmp_path / "sched.yaml"
    path.write_text(FULL)
    cfg = load_config(path)
    assert cfg.parallelism == 8
    assert cfg.client_connection.qps == 5000.0
    assert cfg.leader_election.leader_elect is False
    assert cfg.leader_election.lease_duration == 30.0

    p = cfg.profile()
    assert p.percentage_of_nodes_to_score == 100
    assert dict(p.scores)["NodeResourcesFit"] == 3
    assert "ImageLocality" not in dict(p.scores)
    fit = p.plugin_args["NodeResourcesFit"]
    assert isinstance(fit, NodeResourcesFitArgs)
    assert fit.ignored_resources == ("example.com/foo",)
    assert fit.scoring_strategy.type == "RequestedToCapacityRatio"
    assert fit.scoring_strategy.resources == (ResourceSpec("cpu", 3), ResourceSpec("memory", 1))
    assert fit.scoring_strategy.shape == (
        UtilizationShapePoint(0, 0),
        UtilizationShapePoint(100, 10),
    )
    bal = p.plugin_args["NodeResourcesBalancedAllocation"]
    assert isinstance(bal, NodeResourcesBalancedAllocationArgs)
    assert [r.name for r in bal.resources] == ["cpu", "memory", "nvidia.com/gpu"]
    pts = p.plugin_args["PodTopologySpread"]
    assert isinstance(pts, PodTopologySpreadArgs)
    assert pts.effective_default_constraints()[1] == TopologySpreadConstraintSpec(
        2, "kubernetes.io/hostname", "DoNotSchedule", 2, "Ignore", "Honor"
    )
    assert p.plugin_args["InterPodAffinity"] == InterPodAffinityArgs(5, True)
    na = p.plugin_args["NodeAffinity"]
    assert isinstance(na, NodeAffinityArgs)
    assert na.added_affinity is not None
    assert p.plugin_args["DefaultPreemption"] == DefaultPreemptionArgs(20, 50)
    assert p.plugin_args["VolumeBinding"] == VolumeBindingArgs(300)
    assert p.plugin_args["DynamicResources"] == DynamicResourcesArgs(5.0, 120.0)

    packer = cfg.profile("packer")
    assert packer.percentage_of_nodes_to_score == 50  # the global value
    assert dict(packer.scores)["NodeResourcesFit"] == 10
    assert packer.plugin_args["NodeResourcesFit"].scoring_strategy.type == "MostAllocated"

    # The defaulted document loads again to the same configuration.
    again = load_config(yaml.safe_dump(cfg.to_dict()))
    assert again == cfg
    assert again.resolved_profiles() == cfg.resolved_profiles()


def test_weight_zero_is_defaulted_not_rejected() -> None:
    cfg = load(
        "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n"
        "      scoringStrategy: {type: MostAllocated, resources: [{name: cpu, weight: 0}]}\n"
    )
    fit = cfg.profile().plugin_args["NodeResourcesFit"]
    assert fit.scoring_strategy.resources == (ResourceSpec("cpu", 1),)
