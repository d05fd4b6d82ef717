#!/usr/bin/env python3
"""Checks a DigitalOcean App Platform spec (app.yaml) offline, against the rules of the
platform's app spec reference (docs.digitalocean.com/products/app-platform/reference/app-spec/)
and what Waypost needs to run there. `doctl apps spec validate` would need an account and the
network; this catches the mistakes that make `doctl apps create` fail or the app crash.

Usage: scripts/check-app-spec.py app.yaml
"""
import re
import sys
from pathlib import Path

import yaml

NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
ENV_KEY = re.compile(r"^[_A-Za-z][_A-Za-z0-9]*$")
REGIONS = {"ams", "atl", "blr", "fra", "lon", "nyc", "sfo", "sgp", "syd", "tor"}
TOP_LEVEL = {"name", "region", "services", "workers", "jobs", "static_sites", "functions",
             "databases", "envs", "domains", "alerts", "ingress", "features", "egress",
             "maintenance", "disable_edge_cache", "disable_email_obfuscation",
             "enhanced_threat_control_enabled", "vpc"}
# Managed Redis was retired in 2025: new apps get Valkey (same protocol, rediss:// URL).
ENGINES = {"PG", "MYSQL", "VALKEY", "MONGODB", "KAFKA", "OPENSEARCH"}
DATABASE_VARS = {"DATABASE_URL", "HOSTNAME", "PORT", "USERNAME", "PASSWORD", "DATABASE",
                 "CA_CERT", "JDBC_DATABASE_URL"}
APP_VARS = {"APP_URL", "APP_DOMAIN", "APP_ID"}
SCOPES = {"RUN_TIME", "BUILD_TIME", "RUN_AND_BUILD_TIME"}
TYPES = {"GENERAL", "SECRET"}
SOURCES = {"github", "gitlab", "git", "image", "bitbucket"}
# What Waypost refuses to start without in production (src/config).
REQUIRED_ENV = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SITE_URL", "BEHIND_PROXY"}


def check(spec: dict, root: Path) -> list[str]:
    errors = []
    if not isinstance(spec, dict):
        return ["the spec is not a mapping"]
    for key in spec:
        if key not in TOP_LEVEL:
            errors.append(f"unknown top-level field {key!r}")
    if not NAME.match(str(spec.get("name", ""))):
        errors.append("name: 2-32 lowercase letters, digits and dashes, starting with a letter")
    if "region" in spec and spec["region"] not in REGIONS:
        errors.append(f"region {spec['region']!r} is not an App Platform region")

    databases = spec.get("databases") or []
    database_names = set()
    for db in databases:
        name = db.get("name", "")
        database_names.add(name)
        where = f"databases.{name or '?'}"
        if not NAME.match(name):
            errors.append(f"{where}: bad name")
        engine = db.get("engine")
        if engine == "REDIS":
            errors.append(f"{where}: engine REDIS is retired on DigitalOcean (new clusters are "
                          "Valkey since 2025): use engine: VALKEY")
        elif engine not in ENGINES:
            errors.append(f"{where}: engine {engine!r} is not one of {sorted(ENGINES)}")
        if db.get("production") and not db.get("cluster_name"):
            errors.append(f"{where}: a production database names its cluster_name")
        if "version" in db and not isinstance(db["version"], str):
            errors.append(f"{where}: version must be a string (quote it)")

    components = []
    for kind in ("services", "workers", "jobs"):
        for component in spec.get(kind) or []:
            components.append((kind, component))
    names = [c.get("name", "") for _, c in components]
    for name in {n for n in names if names.count(n) > 1}:
        errors.append(f"component name {name!r} is used twice")
    component_names = set(names)
    for kind, component in components:
        name = component.get("name", "")
        where = f"{kind}.{name or '?'}"
        if not NAME.match(name):
            errors.append(f"{where}: bad name")
        sources = [s for s in SOURCES if s in component]
        if len(sources) != 1:
            errors.append(f"{where}: exactly one source (github, gitlab, git or image)")
        dockerfile = component.get("dockerfile_path")
        if dockerfile and not (root / dockerfile).is_file():
            errors.append(f"{where}: dockerfile_path {dockerfile!r} does not exist")
        if kind == "services":
            port = component.get("http_port")
            if not isinstance(port, int) or not 1 <= port <= 65535:
                errors.append(f"{where}: http_port must be a port number")
            health = component.get("health_check", {}).get("http_path", "")
            if not str(health).startswith("/"):
                errors.append(f"{where}: health_check.http_path must be a path")
        if kind != "services" and "http_port" in component:
            errors.append(f"{where}: only services take http_port")
        errors += check_envs(component.get("envs") or [], where, database_names, component_names)

    app_envs = spec.get("envs") or []
    errors += check_envs(app_envs, "envs", database_names, component_names)
    defined = {e.get("key") for e in app_envs}
    for missing in sorted(REQUIRED_ENV - defined):
        errors.append(f"envs: Waypost needs {missing} in production")
    return errors


def check_envs(envs, where, database_names, component_names) -> list[str]:
    errors = []
    keys = [e.get("key", "") for e in envs]
    for key in {k for k in keys if keys.count(k) > 1}:
        errors.append(f"{where}: {key} is set twice")
    for env in envs:
        key = env.get("key", "")
        if not ENV_KEY.match(key):
            errors.append(f"{where}: bad variable name {key!r}")
        if env.get("scope", "RUN_AND_BUILD_TIME") not in SCOPES:
            errors.append(f"{where}.{key}: scope must be one of {sorted(SCOPES)}")
        if env.get("type", "GENERAL") not in TYPES:
            errors.append(f"{where}.{key}: type must be GENERAL or SECRET")
        value = env.get("value", "")
        if not isinstance(value, str):
            errors.append(f"{where}.{key}: value must be a string (quote it)")
            continue
        for reference in re.findall(r"\$\{([^}]*)\}", value):
            if reference in APP_VARS:
                continue
            owner, _, var = reference.partition(".")
            if owner in database_names:
                if var not in DATABASE_VARS:
                    errors.append(f"{where}.{key}: ${{{reference}}}: a database has no {var}")
            elif owner in component_names or owner == "_self":
                continue
            else:
                errors.append(f"{where}.{key}: ${{{reference}}} names nothing in this spec")
    return errors


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "app.yaml")
    spec = yaml.safe_load(path.read_text())
    errors = check(spec, path.resolve().parent)
    for error in errors:
        print(f"{path}: {error}", file=sys.stderr)
    if not errors:
        print(f"{path}: ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
