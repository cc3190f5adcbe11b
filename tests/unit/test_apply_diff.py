"""The writer's comparison: what counts as a difference worth an apply."""

from __future__ import annotations

from temps_operator.direct.apply import FINGERPRINT_ANNOTATION, fingerprint, first_difference, with_fingerprint


def test_fields_only_the_live_object_has_are_not_differences() -> None:
    desired = {"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "a:1"}]}}}}
    live = {"spec": {"replicas": 2, "progressDeadlineSeconds": 600, "template": {"spec": {
        "containers": [{"name": "app", "image": "a:1", "imagePullPolicy": "IfNotPresent"},
                       {"name": "sidecar", "image": "proxy:1"}]}}}, "status": {"replicas": 2}}
    assert first_difference(desired, live) is None


def test_changed_field_is_named() -> None:
    desired = {"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "a:1"}]}}}}
    assert first_difference(desired, {"spec": {"replicas": 5}}) == "spec.replicas"
    live = {"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "a:2"}]}}}}
    assert first_difference(desired, live) == "spec.template.spec.containers[name=app].image"


def test_unnamed_lists_compare_by_position_and_length() -> None:
    desired = {"rules": [{"host": "a"}, {"host": "b"}]}
    assert first_difference(desired, {"rules": [{"host": "a"}, {"host": "b"}]}) is None
    assert first_difference(desired, {"rules": [{"host": "a"}, {"host": "b"}, {"host": "c"}]}) == "rules"
    assert first_difference(desired, {"rules": [{"host": "b"}, {"host": "a"}]}) == "rules[0].host"


def test_fingerprint_changes_with_content_and_is_stamped() -> None:
    manifest = {"kind": "Service", "metadata": {"name": "a", "namespace": "n"}, "spec": {"type": "ClusterIP"}}
    stamped = with_fingerprint(manifest)
    assert stamped["metadata"]["annotations"][FINGERPRINT_ANNOTATION] == fingerprint(manifest)
    changed = {**manifest, "spec": {"type": "NodePort"}}
    assert fingerprint(changed) != fingerprint(manifest)
    assert "annotations" not in manifest["metadata"], "the input manifest must not be mutated"
