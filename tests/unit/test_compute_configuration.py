"""Layer 1: the `compute:` section of a blueprint environment: hostile input must fail with the key,
the bad value and a fix, and write nothing; every shipped environment's compute section loads."""

from __future__ import annotations

from pathlib import Path

import pytest

import main
from configuration import ConfigError, list_blueprints, load
from modules.containers.sizes import FARGATE_MEMORY
from tests.support import assert_mentions, user_config_file

# case -> (the blueprint environment extended, the YAML merged over it, fragments the error must contain)
HOSTILE = {
    "plain-http-in-production": (
        "notebookly/prod",
        "compute:\n  load_balancer:\n    certificate: null\n    plain_http:\n"
        "      reason: we have no domain yet but want to go live anyway\n",
        ["compute.load_balancer serves plain HTTP in production", "add certificate"]),
    "neither-certificate-nor-plain-http": (
        "notebookly/dev", "compute:\n  load_balancer:\n    plain_http: null\n",
        ["compute.load_balancer: compute.load_balancer has no certificate", "plain_http: {reason"]),
    "certificate-and-plain-http": (
        "notebookly/prod", "compute:\n  load_balancer:\n    plain_http: {reason: both at once for a short while}\n",
        ["has both certificate and plain_http", "remove plain_http"]),
    "route-target-not-load-balanced": (
        "saas/prod", "compute:\n  load_balancer:\n    routes:\n      - {priority: 10, paths: [/vectors/*], "
        "target: weaviate}\n",
        ["load balancer target 'weaviate' is not a load-balanced fleet or service", "'admin'", "give it a port"]),
    "route-target-is-a-worker": (
        "saas/prod", "compute:\n  load_balancer:\n    default_target: ai-worker\n",
        ["load balancer target 'ai-worker' is not a load-balanced", "name one of those"]),
    "route-without-condition": (
        "saas/prod", "compute:\n  load_balancer:\n    routes:\n      - {priority: 10, target: admin}\n",
        ["compute.load_balancer.routes.0", "priority 10 to 'admin' has no paths and no hosts", "paths: [/api/*]"]),
    "route-priorities-repeat": (
        "saas/prod", "compute:\n  load_balancer:\n    routes:\n"
        "      - {priority: 10, paths: [/admin/*], target: admin}\n"
        "      - {priority: 10, paths: [/api/*], target: backend}\n",
        ["route priorities [10, 10] repeat", "its own priority"]),
    "route-host-not-on-certificate": (
        "saas/prod", "compute:\n  load_balancer:\n    routes:\n      - {priority: 40, hosts: [chat.saas.example.com], "
        "target: chatbot-api}\n",
        ["route hosts ['chat.saas.example.com'] are not on the certificate", "'api.saas.example.com'",
         "certificate.alternative_names"]),
    "step-thresholds-inverted": (
        "notebookly/prod", "compute:\n  fleets:\n    web:\n      scaling: {scale_in_below: 80}\n",
        ["compute.fleets.web.scaling", "scale_in_below (80.0) is not below scale_out_above (70.0)", "leave a gap"]),
    "step-thresholds-equal": (
        "saas/prod", "compute:\n  services:\n    backend:\n      scaling: {scale_in_below: 50}\n",
        ["compute.services.backend.scaling", "scale_in_below (50.0) is not below scale_out_above (50.0)"]),
    "alarm-duration-not-whole-minutes": (
        "notebookly/prod", "compute:\n  fleets:\n    web:\n      scaling: {scale_out_after_seconds: 90}\n",
        ["scale_out_after_seconds 90 is not a whole number of minutes", "multiple of 60"]),
    "queue-depth-on-unknown-queue": (
        "levels/prod", "compute:\n  fleets:\n    worker:\n      scaling: {queue: thumbnails}\n",
        ["compute.fleets.worker.scaling.queue 'thumbnails' is not under data.queues ['image-processing', 'jobs']",
         "add the queue"]),
    "queue-depth-without-step": (
        "levels/prod", "compute:\n  fleets:\n    worker:\n      scaling: {policy: target_tracking}\n",
        ["compute.fleets.worker.scaling", "scaling on queue_depth needs policy: step"]),
    "fargate-size-mismatch": (
        "saas/prod", "compute:\n  services:\n    frontend: {cpu: 256, memory: 4096}\n",
        ["compute.services.frontend", "memory 4096 MiB is not valid with cpu 256", "512..2048"]),
    "fargate-cpu-unknown": (
        "saas/prod", "compute:\n  services:\n    frontend: {cpu: 3000}\n",
        ["compute.services.frontend.cpu = 3000"]),
    "service-runs-as-root": (
        "saas/prod", "compute:\n  services:\n    backend: {user: '0'}\n",
        ["compute.services.backend", "user 0 runs the container as root", "e.g. 1000"]),
    "service-runs-as-root-group": (
        "saas/prod", "compute:\n  services:\n    backend: {user: '0:1000'}\n", ["user 0 runs the container as root"]),
    "secret-in-plain-environment": (
        "saas/prod", "compute:\n  services:\n    frontend:\n      environment: {DB_PASSWORD: hunter2-do-not-log}\n",
        ["compute.services.frontend", "['DB_PASSWORD'] look like secrets", "move them to secrets"]),
    "api-key-in-plain-environment": (
        "saas/prod",
        "compute:\n  services:\n    chatbot-api:\n      environment: {OPENAI_API_KEY: sk-hunter2-do-not-log}\n",
        ["['OPENAI_API_KEY'] look like secrets"]),
    "secret-reference-to-missing-secret": (
        "saas/prod", "compute:\n  services:\n    backend:\n      secrets: {STRIPE_WEBHOOK_KEY: 'secret:stripe'}\n",
        ["compute.services.backend.secrets.STRIPE_WEBHOOK_KEY refers to 'secret:stripe'",
         "['jwt-signing-key', 'llm-api-key']", "add it under data"]),
    "secret-reference-to-missing-database": (
        "saas/prod", "compute:\n  services:\n    admin:\n      secrets: {DATABASE_CREDENTIALS: 'database:tenants'}\n",
        ["compute.services.admin.secrets.DATABASE_CREDENTIALS refers to 'database:tenants'", "database entry"]),
    "secret-reference-malformed": (
        "saas/prod",
        "compute:\n  services:\n    admin:\n      secrets: {DATABASE_CREDENTIALS: 'arn:aws:secretsmanager:x'}\n",
        ["secret DATABASE_CREDENTIALS='arn:aws:secretsmanager:x' is not secret:<name> or database:<name>"]),
    "file-system-not-in-data": (
        "saas/prod", "compute:\n  services:\n    weaviate:\n      file_system: {file_system: vectors, access_point: "
        "backups, container_path: /backups}\n",
        ["compute.services.weaviate.file_system names vectors/backups", "data.file_systems"]),
    "fleet-image-not-defined": (
        "notebookly/prod", "compute:\n  fleets:\n    web: {image: ubuntu}\n",
        ["compute.fleets.web.image 'ubuntu' is not under compute.images ['al2023']", "add it there"]),
    "bastion-image-not-defined": (
        "cafe-nimbus/prod", "compute:\n  bastion: {image: debian}\n",
        ["compute.bastion.image 'debian' is not under compute.images"]),
    "user-data-file-missing": (
        "notebookly/prod", "compute:\n  fleets:\n    web: {user_data: files/missing.sh}\n",
        ["compute.fleets.web.user_data 'files/missing.sh' does not exist",
         str(Path("blueprints") / "notebookly" / "files" / "missing.sh"), "correct the path"]),
    "image-component-missing": (
        "cafe-nimbus/prod", "compute:\n  images:\n    lamp:\n      pipeline: {component: files/nginx.yaml}\n",
        ["compute.images.lamp.pipeline.component 'files/nginx.yaml' does not exist"]),
    "off-hours-in-production": (
        "notebookly/prod", "compute:\n  fleets:\n    web: {off_hours: {}}\n",
        ["compute.fleets.web.off_hours scales production to zero", "remove it"]),
    "single-load-balanced-instance-in-production": (
        "notebookly/prod", "compute:\n  fleets:\n    web: {min_size: 1}\n",
        ["compute.fleets.web.min_size is 1 in production", "min_size: 2 or more"]),
    "single-load-balanced-task-in-production": (
        "saas/prod", "compute:\n  services:\n    admin: {min_size: 1}\n",
        ["compute.services.admin.min_size is 1 in production"]),
    "bastion-open-to-the-internet": (
        "cafe-nimbus/prod", "compute:\n  bastion:\n    allowed_cidrs: [0.0.0.0/0]\n",
        ["compute.bastion.allowed_cidrs", "entry '0.0.0.0/0' opens SSH to 4294967296 addresses", "/16 or narrower"]),
    "bastion-cidr-with-host-bits": (
        "levels/prod", "compute:\n  bastion:\n    allowed_cidrs: [198.51.100.7/24]\n",
        ["entry '198.51.100.7/24' is not a CIDR", "203.0.113.0/24"]),
    "min-size-above-max-size": (
        "notebookly/prod", "compute:\n  fleets:\n    web: {min_size: 12}\n",
        ["compute.fleets.web", "min_size 12 is above max_size 10", "raise max_size"]),
    "desired-outside-range": (
        "saas/prod", "compute:\n  services:\n    backend: {desired: 20}\n",
        ["desired 20 is outside min_size..max_size (2..10)"]),
    "waf-country-lower-case": (
        "saas/prod", "compute:\n  waf:\n    blocked_countries: [ru]\n",
        ["compute.waf.blocked_countries.0 = 'ru'", "[A-Z]{2}"]),
    "waf-unknown-managed-group": (
        "saas/prod", "compute:\n  waf:\n    managed_rule_groups: [AWSManagedRulesCommonRuleSet, AWSManagedRulesSQLi]\n",
        ["unknown managed rule group(s) ['AWSManagedRulesSQLi']", "AWSManagedRulesSQLiRuleSet"]),
    "waf-off-in-production": (
        "notebookly/prod", "compute:\n  waf: null\n", ["compute.waf is off in production", "remove 'waf: null'"]),
    "waf-rate-window": (
        "saas/prod", "compute:\n  waf:\n    rate_limit: {requests: 100, window_seconds: 90}\n",
        ["compute.waf.rate_limit.window_seconds = 90"]),
    "callers-name-unknown-service": (
        "saas/prod", "compute:\n  services:\n    weaviate: {callers: [chatbot]}\n",
        ["compute.services.weaviate.callers ['chatbot']", "must name services"]),
    "workload-named-twice": (
        "notebookly/prod", "compute:\n  services:\n    web: {port: 8080, min_size: 2}\n",
        ["['web'] name both a fleet and a service", "rename one"]),
    "container-log-retention": (
        "saas/prod", "compute:\n  services:\n    admin: {log_retention_days: 100}\n",
        ["compute.services.admin.log_retention_days 100 is not a CloudWatch retention period"]),
    "image-schedule-not-cron": (
        "cafe-nimbus/prod", "compute:\n  images:\n    lamp:\n      pipeline: {schedule: weekly}\n",
        ["'weekly' is not an EventBridge cron expression", "cron(0 3 ? * SUN *)"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_compute_configuration_fails_with_key_value_and_fix_and_writes_nothing(case, tmp_path, capsys):
    extends, body, expected = HOSTILE[case]
    out = tmp_path / "out"
    code = main.main(["--config", str(user_config_file(tmp_path, extends, body)), "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert_mentions(stderr, [*expected, "fix:"])
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["my-env.yaml"]  # no staging folder left behind


@pytest.mark.parametrize("case", ["secret-in-plain-environment", "api-key-in-plain-environment"])
def test_a_refused_secret_value_is_never_echoed(case, tmp_path):
    extends, body, _ = HOSTILE[case]
    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, extends, body))
    assert "hunter2" not in str(error.value)


def test_a_hostile_base_blueprint_edit_is_refused_the_same_way(tmp_path):
    """The same rule holds when the raw blueprint files are copied and edited, not extended."""
    import shutil

    from configuration.loader import BLUEPRINTS_DIR

    root = tmp_path / "blueprints"
    shutil.copytree(BLUEPRINTS_DIR / "saas", root / "saas")
    prod = root / "saas" / "prod.yaml"
    prod.write_text(prod.read_text().replace("frontend: {min_size: 2}", "frontend: {min_size: 2, user: '0'}"))
    with pytest.raises(ConfigError, match=r"compute\.services\.frontend: user 0 runs the container as root.*fix:"):
        load("saas", "prod", root=root)
    assert load("saas", "dev", root=root).compute.services["frontend"].user == "1000"


def test_every_problem_in_the_compute_section_is_reported_at_once(tmp_path):
    body = ("compute:\n  services:\n    frontend: {cpu: 256, memory: 4096}\n    backend: {user: '0'}\n"
            "  bastion: {allowed_cidrs: [0.0.0.0/0], key_name: ops, image: al2023}\n")
    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, "notebookly/prod", body.replace("services", "services_")))
    assert "compute.services_" in str(error.value)  # an unknown key, named
    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, "saas/prod", body))
    text = str(error.value)
    assert len(error.value.problems) == 3, text
    assert "compute.services.frontend" in text and "compute.services.backend" in text
    assert "compute.bastion.allowed_cidrs" in text


def test_every_shipped_environment_loads_with_its_compute_section():
    environments = [(b.name, e) for b in list_blueprints() for e in b.environments]
    assert {("saas", "prod"), ("notebookly", "dev"), ("cafe-dr", "prod")} <= set(environments)
    for blueprint, environment in environments:
        config = load(blueprint, environment)
        compute = config.compute
        assert config.environment == environment
        for service in compute.services.values():
            assert service.memory in FARGATE_MEMORY[service.cpu] and service.user.split(":")[0] != "0"
        if compute.load_balancer is None:
            assert not compute.load_balanced_workloads, (blueprint, environment)
            continue
        if config.is_production:
            assert compute.load_balancer.certificate is not None and compute.waf is not None, (blueprint, environment)
            assert all(w.min_size >= 2 for kind in (compute.fleets, compute.services)
                       for name, w in kind.items() if name in compute.load_balanced_workloads)
        else:
            assert compute.load_balancer.plain_http is not None, (blueprint, environment)
    cafe_dr = load("cafe-dr", "prod").compute  # seed 001: app servers on the golden image, behind an ALB
    assert cafe_dr.fleets["web"].image == "web" and cafe_dr.images["web"].ami_id.startswith("ami-")
    assert cafe_dr.load_balancer.certificate.names == ["cafe-dr.example.com", "www.cafe-dr.example.com"]
    saas = load("saas", "prod").compute
    assert [(r.priority, r.target) for r in saas.load_balancer.routes] == [
        (10, "admin"), (20, "backend"), (30, "backend"), (40, "chatbot-api")]
    assert saas.services["ai-worker"].scaling.queue == "ai-jobs" and saas.services["ai-worker"].spot
