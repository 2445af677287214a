"""The build side: data in → validate → build a release (store, dumps, lists, catalogue) → switch.

``pipeline`` runs the steps; ``sources`` loads the files with their provenance, ``validation`` runs
SHACL, ``derive`` adds the shortcut triples, ``dumps`` and ``catalog`` are the artifact steps, and
``push`` copies a release into an external store. Nothing on the serve side imports this package.
"""

from publisher.build.pipeline import (
    ARTIFACT_STEPS,
    ArtifactStep,
    BuildBusy,
    BuildContext,
    BuildRefused,
    RollbackError,
    build,
    load_and_derive,
    load_and_validate,
    publish,
    rollback,
)

__all__ = ["ARTIFACT_STEPS", "ArtifactStep", "BuildBusy", "BuildContext", "BuildRefused", "RollbackError", "build",
           "load_and_derive", "load_and_validate", "publish", "rollback"]
