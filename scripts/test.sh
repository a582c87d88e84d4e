#!/usr/bin/env bash
# Every test with its real peers, on a fresh machine: installs what the tests start (the PyPI
# servers in .venv, the Node packages of tests/scim_node, openssh-server when root and
# missing, neovim and chromium likewise), then runs `cargo test`. Arguments go to cargo test. A peer that cannot be installed makes its tests fail; to run without peers on
# purpose, set WTMAP_SKIP_PEERS=1 and they are reported as ignored (never as passed).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${WTMAP_SKIP_PEERS:-}" != 1 ] && [ "${WTMAP_SKIP_PEERS:-}" != true ]; then
  # tests/sftp.rs uploads to a real OpenSSH sshd started on a loopback port.
  if [ ! -x /usr/sbin/sshd ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "== installing openssh-server (for tests/sftp.rs)"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
    else
      echo "!! /usr/sbin/sshd is missing and this is not root: install openssh-server, or set WTMAP_SKIP_PEERS=1" >&2
    fi
  fi

  # tests/lsp_nvim.rs drives `wtmap lsp` from a real Neovim (headless).
  if ! command -v nvim >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      echo "== installing neovim (for tests/lsp_nvim.rs)"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
    else
      echo "!! nvim is missing and this is not root: install neovim, or set WTMAP_SKIP_PEERS=1" >&2
    fi
  fi

  # tests/report_chromium.rs screenshots the HTML report in a real headless Chromium.
  if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      echo "== installing chromium (for tests/report_chromium.rs)"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "!! chromium is missing and this is not root: install chromium, or set WTMAP_SKIP_PEERS=1" >&2
    fi
  fi

  # The SCIM server (scim2-server) and the SMTP server (aiosmtpd) from PyPI, pinned, in .venv.
  SCIM2_SERVER_VERSION=0.8.3
  AIOSMTPD_VERSION=1.4.6
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  for pin in "scim2-server==${SCIM2_SERVER_VERSION}" "aiosmtpd==${AIOSMTPD_VERSION}"; do
    if ! .venv/bin/pip show "${pin%%==*}" 2>/dev/null | grep -x "Version: ${pin##*==}" >/dev/null; then
      echo "== installing ${pin} into .venv"
      .venv/bin/pip install --quiet --disable-pip-version-check "${pin}"
    fi
  done
  .venv/bin/scim2-server --help >/dev/null
  .venv/bin/python -c "import aiosmtpd"

  # The second SCIM server (SCIMMY on Node, tests/scim_node), from its committed lock file.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "!! node and npm are needed for the second SCIM server (tests/scim_node), or set WTMAP_SKIP_PEERS=1" >&2
    exit 1
  fi
  if ! (cd tests/scim_node && npm ls --silent >/dev/null 2>&1); then
    echo "== installing tests/scim_node (npm ci)"
    (cd tests/scim_node && npm ci --silent --no-audit --no-fund)
  fi
  node -e 'import("./tests/scim_node/node_modules/scimmy/dist/scimmy.js")'
fi

echo "== tests"
exec cargo test --locked "$@"
