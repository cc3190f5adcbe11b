"""Direct-mode rendering: what an environment becomes, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from temps_operator.direct.render import (
    cpu_quantity,
    deployment,
    environment_url,
    ingress,
    memory_quantity,
    render_environment,
    service,
)
from temps_operator.effective import EffectiveEnvironment, resolve
from temps_operator.models import Domain
from temps_operator.settings import Settings


def effective(**spec: Any) -> EffectiveEnvironment:
    project = {"metadata": {"name": "shop", "namespace": "prod"},
               "spec": {"image": "registry.example/shop:1", "defaults": {"port": 8080}}}
    env = {"metadata": {"name": "shop-prod", "namespace": "prod", "uid": "uid-7", "generation": 1},
           "spec": {"projectRef": {"name": "shop"}, **spec}}
    return resolve(env, project)


def test_quantities_are_canonical() -> None:
    assert [cpu_quantity(m) for m in (250, 1000, 1500, 64000)] == ["250m", "1", "1500m", "64"]
    assert [memory_quantity(m) for m in (128, 1024, 1536, 1048576)] == ["128Mi", "1Gi", "1536Mi", "1Ti"]


def test_deployment_carries_image_port_env_resources_probe_and_owner() -> None:
    env = effective(replicas=3, healthPath="/healthz",
                    resources={"cpu": {"request": 100}, "memory": {"limit": 512}},
                    env=[{"name": "PLAIN", "value": "1"},
                         {"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
                         {"name": "CONF", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}])
    manifest = deployment(env, config_hash="abc")
    meta = manifest["metadata"]
    assert meta["ownerReferences"] == [{"apiVersion": "temps.sh/v1alpha1", "kind": "TempsEnvironment",
                                        "name": "shop-prod", "uid": "uid-7", "controller": True,
                                        "blockOwnerDeletion": True}]
    assert meta["labels"]["app.kubernetes.io/managed-by"] == "temps-operator"
    assert meta["labels"]["app.kubernetes.io/instance"] == "shop-prod"
    spec = manifest["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"] == {"matchLabels": {"temps.sh/environment": "shop-prod"}}
    assert spec["template"]["metadata"]["annotations"] == {"temps.sh/config-hash": "abc"}
    container = spec["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.example/shop:1"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["resources"] == {"requests": {"cpu": "100m"}, "limits": {"memory": "512Mi"}}
    assert container["readinessProbe"] == {"httpGet": {"path": "/healthz", "port": "http"}}
    assert container["env"] == [
        {"name": "PLAIN", "value": "1"},
        {"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        {"name": "CONF", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
    ]


def test_no_probe_resources_or_hash_when_not_asked_for() -> None:
    container = deployment(effective())["spec"]["template"]["spec"]["containers"][0]
    assert "readinessProbe" not in container and "resources" not in container and "env" not in container
    assert "annotations" not in deployment(effective())["spec"]["template"]["metadata"]


def test_service_targets_the_named_port() -> None:
    spec = service(effective())["spec"]
    assert spec["selector"] == {"temps.sh/environment": "shop-prod"}
    assert spec["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]


def test_ingress_one_rule_per_domain_with_class_and_tls() -> None:
    env = effective(domains=[{"name": "shop.example.com", "primary": True}, {"name": "www.shop.example.com"}])
    plain = ingress(env, Settings())
    assert plain is not None
    assert [r["host"] for r in plain["spec"]["rules"]] == ["shop.example.com", "www.shop.example.com"]
    assert "tls" not in plain["spec"] and "ingressClassName" not in plain["spec"]
    secured = ingress(env, Settings(ingress_class="nginx", tls_issuer="letsencrypt"))
    assert secured is not None
    assert secured["spec"]["ingressClassName"] == "nginx"
    assert secured["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    assert secured["spec"]["tls"] == [{"hosts": ["shop.example.com", "www.shop.example.com"],
                                       "secretName": "shop-prod-tls"}]


def test_no_ingress_without_domains() -> None:
    assert ingress(effective(), Settings()) is None
    assert [m["kind"] for m in render_environment(effective(), Settings())] == ["Deployment", "Service"]


def test_url_is_primary_domain_else_service_address() -> None:
    env = effective()
    assert environment_url(env, Settings()) == "http://shop-prod.prod.svc.cluster.local"
    with_domain = replace(env, domains=(Domain(name="shop.example.com", primary=True),))
    assert environment_url(with_domain, Settings()) == "http://shop.example.com"
    assert environment_url(with_domain, Settings(tls_issuer="le")) == "https://shop.example.com"


def test_empty_literal_value_is_not_rendered() -> None:
    """The API server drops an empty value; rendering one would read as drift at every resync."""
    container = deployment(effective(env=[{"name": "EMPTY", "value": ""}]))["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "EMPTY"}]
