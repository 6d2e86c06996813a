"""Loading ``KubeSchedulerConfiguration`` files.

Guards the cost of ``load_config`` (decode, default, validate, expand multiPoint), paid by
every scheduler start and by tools that compare many profiles (docs/configuration.md).
"""

from __future__ import annotations

from kcore.scheduler.apis.config import default_profile, load_config

FULL = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    multiPoint:
      enabled:
      - {name: NodeResourcesFit, weight: 3}
    score:
      disabled:
      - {name: ImageLocality}
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: RequestedToCapacityRatio
        resources: [{name: cpu, weight: 3}, {name: memory, weight: 1}]
        requestedToCapacityRatio:
          shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]
  - name: PodTopologySpread
    args:
      defaultingType: List
      defaultConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
- schedulerName: packer
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
"""


class TimeLoadConfig:
    def time_default_profile(self) -> None:
        default_profile()

    def time_two_profiles_with_args(self) -> None:
        load_config(FULL)
