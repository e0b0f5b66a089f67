"""The production files in deploy/: the systemd units pass `systemd-analyze verify`, the nginx
site passes `nginx -t` with a self-signed certificate and, in front of a real `minqing serve`,
serves static files itself and passes the client's address and https to the app; the compose
file wires PostgreSQL, Redis, migrations, web and worker to one image built with Debian's Python."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
MINQING = Path(sys.executable).parent / "minqing"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    # The units name /opt/minqing/.venv/bin/minqing; verify checks that it exists, so the copies
    # verified here point at this venv's `minqing` instead (nothing else changed).
    units = []
    for name in ("minqing-web.service", "minqing-worker.service"):
        text = (DEPLOY / "systemd" / name).read_text()
        assert "EnvironmentFile=/etc/minqing/env" in text
        (tmp_path / name).write_text(text.replace("/opt/minqing/.venv/bin/minqing", str(MINQING)))
        units.append(str(tmp_path / name))
    proc = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr
    web = (DEPLOY / "systemd" / "minqing-web.service").read_text()
    worker = (DEPLOY / "systemd" / "minqing-worker.service").read_text()
    assert re.search(r"^ExecStart=\S+/minqing serve ", web, re.M)
    assert re.search(r"^ExecStart=\S+/minqing worker$", worker, re.M)


def _nginx_site(tmp_path, upstream_port, static_dir):
    """The site with its placeholders filled in for a test: a self-signed certificate, free
    ports, this test's app as the upstream and static directory. Returns (nginx.conf, https port)."""
    key, crt = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=minqing.example.gov.cn", "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True, timeout=60)
    http_port, https_port = _free_port(), _free_port()
    site = (DEPLOY / "nginx" / "minqing.conf").read_text()
    site = (site.replace("/etc/ssl/minqing/fullchain.pem", str(crt))
                .replace("/etc/ssl/minqing/privkey.pem", str(key))
                .replace("/var/lib/minqing/static/", f"{static_dir}/")
                .replace("server 127.0.0.1:8000 ", f"server 127.0.0.1:{upstream_port} ")
                .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
                .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"))
    site = re.sub(r"^\s*listen \[::\].*$", "", site, flags=re.M)
    (tmp_path / "site.conf").write_text(site)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / d).mkdir()
    conf = tmp_path / "nginx.conf"
    # as root, nginx's workers would run as nobody, who cannot enter pytest's 0700 directories
    # (in production nginx's user is in group minqing: deploy/systemd/minqing-web.service)
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
{user}
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
daemon off;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
""")
    return conf, https_port


needs_nginx = pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")),
                                 reason="nginx or openssl is not installed (apt-get install nginx-light)")


@needs_nginx
def test_nginx_site_passes_nginx_t(tmp_path):
    conf, _ = _nginx_site(tmp_path, 8000, tmp_path / "static")
    proc = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr
    site = (DEPLOY / "nginx" / "minqing.conf").read_text()
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme", "Host $host"):
        assert f"proxy_set_header {header};" in site


def _wait(url, timeout=90, **kw):
    end = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=5, **kw)
        except httpx.TransportError:
            if time.monotonic() > end:
                raise
            time.sleep(0.5)


@needs_nginx
@pytest.mark.slow
def test_nginx_in_front_of_minqing_serve(tmp_path):
    """The real chain: nginx (TLS) → `minqing serve` with MINQING_PUBLIC_URL https and nginx trusted."""
    data = tmp_path / "data"
    app_port = _free_port()
    env = {**os.environ, "MINQING_DATA_DIR": str(data), "MINQING_PUBLIC_URL": "https://minqing.example.gov.cn",
           "MINQING_TRUSTED_PROXIES": "127.0.0.1", "MINQING_SECRET_KEY": "k" * 10 + "Zx8-Qm2_Wv5Lp9Rt3Yb7Nc1Hd6Gf4Js0"}
    env.pop("MINQING_DATABASE_URL", None)
    subprocess.run([str(MINQING), "collectstatic", "--no-input", "--verbosity", "0"], env=env, check=True, timeout=300)
    app = subprocess.Popen([str(MINQING), "serve", "--port", str(app_port), "--workers", "1"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    conf, https_port = _nginx_site(tmp_path, app_port, data / "static")
    web = subprocess.Popen(["nginx", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"https://127.0.0.1:{https_port}"
        host = {"Host": "minqing.example.gov.cn"}
        _wait(f"http://127.0.0.1:{app_port}/login/", timeout=180)
        r = _wait(base + "/login/", verify=False, headers=host)
        assert r.status_code == 200
        # the app knew the request came over https: its cookies are Secure and HSTS is sent
        assert "secure" in r.headers["set-cookie"].lower()
        assert "max-age=" in r.headers.get("strict-transport-security", "")
        # static files come from the collected directory through nginx
        (data / "static" / "admin" / "css" / "nginx-marker.css").write_text("/* only in the collected dir */")
        s = httpx.get(base + "/static/admin/css/nginx-marker.css", verify=False, headers=host, timeout=10)
        assert s.status_code == 200 and s.text == "/* only in the collected dir */"
        assert s.headers["cache-control"].startswith("max-age=604800")
        # plain http straight to the app (not through nginx) is sent to https
        r = httpx.get(f"http://127.0.0.1:{app_port}/login/", headers=host, timeout=10)
        assert r.status_code == 301 and r.headers["location"].startswith("https://")
    finally:
        web.terminate()
        app.terminate()
        web.wait(timeout=30)
        app.wait(timeout=30)


def test_compose_file_wires_the_services():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker"}
    for name in ("migrate", "web", "worker"):
        s = services[name]
        assert s["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"} and s["image"] == "minqing:local"
        env = s["environment"]
        assert env["MINQING_DATABASE_URL"].startswith("postgres://minqing:") and "@postgres:5432/" in env["MINQING_DATABASE_URL"]
        assert env["MINQING_REDIS_URL"] == "redis://redis:6379/0"
        assert "data:/var/lib/minqing" in s["volumes"]
    assert services["web"]["command"][:2] == ["minqing", "serve"] and "--no-migrate" in services["web"]["command"]
    assert services["worker"]["command"] == ["minqing", "worker"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (DEPLOY / "Dockerfile").exists()


def test_dockerfile_uses_debian_python_and_builds_the_assets():
    text = (DEPLOY / "Dockerfile").read_text()
    bases = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert bases and all(b.startswith("${DEBIAN}") for b in bases)
    assert re.search(r"^ARG DEBIAN=debian:", text, re.M)
    assert "python3 python3-venv" in text and "frontend/install.sh" in text
    # the assets are copied before the (non-editable) install, so they are in the package
    assert text.index("frontend/install.sh") < text.index("pip install --quiet .")
