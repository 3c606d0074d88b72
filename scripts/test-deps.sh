#!/usr/bin/env bash
# Installs what the test suites need when it is missing: idempotent, and quick when all is present.
# Runs before every `npm test` (also in CI on a fresh machine, as root). One line per component.
# Later issues add their components (Slurm + MUNGE, Open MPI, moto, ec2-metadata-mock) as more
# `need_*` lines below, each a check followed by an install.
set -euo pipefail

log() { printf 'test-deps: %-28s %s\n' "$1" "$2"; }
die() { printf 'test-deps: %s\n' "$*" >&2; exit 1; }

apt_updated=0
apt_install() { # packages...
  command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ $apt_updated = 0 ]; then $sudo apt-get update -qq >/dev/null || die "apt-get update failed"; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}

# need_apt NAME CHECK-COMMAND PACKAGES...: installs PACKAGES when CHECK-COMMAND fails.
need_apt() {
  local name=$1 check=$2; shift 2
  if bash -c "$check" >/dev/null 2>&1; then log "$name" present; return; fi
  apt_install "$@"
  bash -c "$check" >/dev/null 2>&1 || die "$name still missing after installing $*"
  log "$name" installed
}

# need_pip NAME IMPORTS PACKAGES...: pip-installs PACKAGES when python cannot import IMPORTS.
need_pip() {
  local name=$1 imports=$2; shift 2
  command -v python3 >/dev/null || need_apt python3 'command -v python3' python3 python3-pip
  if python3 -c "import $imports" >/dev/null 2>&1; then log "$name" present; return; fi
  python3 -m pip install --quiet --disable-pip-version-check "$@" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$@" \
    || die "pip install $* failed"
  python3 -c "import $imports" >/dev/null 2>&1 || die "$name still missing after pip install $*"
  log "$name" installed
}

# The Python gRPC client of the interop test (stock grpcio with reflection and health).
need_pip "python grpcio" "grpc, grpc_tools, grpc_reflection, grpc_health" grpcio grpcio-tools grpcio-reflection grpcio-health-checking

# The native core: a C++ toolchain, cmake + ninja (cmake-js and ctest), GoogleTest.
need_apt "c++ compiler" 'command -v g++' g++
need_apt "cmake" 'command -v cmake' cmake
need_apt "ninja" 'command -v ninja' ninja-build
need_apt "make" 'command -v make' make   # node-gyp (the binding.gyp build test)
need_apt "googletest" 'test -f /usr/lib/x86_64-linux-gnu/libgtest.a || test -f /usr/lib/libgtest.a || ls /usr/lib/*/libgtest.a' libgtest-dev googletest

# Open MPI (mpirun, mpicc): the MPI test runs a 4-rank program under a generated rankfile.
need_apt "open mpi" 'command -v mpirun && command -v mpicc' openmpi-bin libopenmpi-dev

# util-linux's setpriv and unshare (jobs run as their owners with their groups; a local node's
# remote commands get their own hostname): part of Debian's base system, checked all the same.
need_apt "setpriv, unshare, runuser" 'command -v setpriv && command -v unshare && command -v runuser' util-linux

# ip (iproute2): the multi-node test puts agents in network namespaces of their own.
need_apt "iproute2" 'command -v ip' iproute2
# MUNGE (authentication of local users): munged, munge and unmunge; the tests start their own munged.
need_apt "munge" 'command -v munged && command -v munge && command -v unmunge' munge
# Slurm 22.05 (Debian's slurm-wlm: slurmctld, slurmd, sbatch, scontrol; slurmrestd; auth/jwt, which
# slurmctld needs to take slurmrestd's tokens): the ParallelCluster queue's tests (issue 9) run a
# cluster of their own (test/helpers/slurm.ts) on free loopback ports with their own munged.
need_apt "slurm" 'command -v slurmctld && command -v slurmd && command -v sbatch && command -v scontrol' slurm-wlm slurm-client
need_apt "slurmrestd" 'command -v slurmrestd' slurmrestd
need_apt "slurm jwt plugin" 'ls /usr/lib/*/slurm-wlm/auth_jwt.so' slurm-wlm-jwt-plugin
# Debian's own Slurm services do not start without /etc/slurm/slurm.conf (their units' condition,
# their init scripts' check), which nothing here writes; on a systemd host without that file they
# are disabled all the same, so that none starts later on 6817/6818/6820 and takes the tests' place.
if [ "$(id -u)" = 0 ] && [ ! -f /etc/slurm/slurm.conf ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  for unit in slurmctld slurmd slurmrestd; do
    if systemctl is-enabled -q "$unit" 2>/dev/null || systemctl is-active -q "$unit" 2>/dev/null; then
      systemctl disable --now -q "$unit" >/dev/null 2>&1 && log "$unit service" "disabled (the tests run their own)"
    fi
  done
fi
# openssl: fleetq admin makes the cluster CA and certificates for agents' mutual TLS with it.
need_apt "openssl" 'command -v openssl' openssl

# moto's server (Flask): test/fixtures/ec2/emulator.py runs it in-process and adds placement groups,
# instant-fleet capacity and all-or-nothing, a pending state and instance topology (the EC2 API the
# capacity provider is tested against). Pinned: the emulator patches moto 5.2.1's internals.
need_pip "moto" "moto.server, flask" "moto[server]==5.2.1"

# amazon-ec2-metadata-mock: the EC2 instance metadata service (IMDSv2) for the agent's facts and
# spot notices. Built from the Go module proxy (Go is part of this machine's toolset).
if command -v ec2-metadata-mock >/dev/null 2>&1; then log "ec2-metadata-mock" present
else
  go=$(command -v go || echo /usr/local/go/bin/go)
  [ -x "$go" ] || die "go not found: it is needed to build ec2-metadata-mock"
  GOBIN=/usr/local/bin "$go" install github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@v1.13.0 >/dev/null 2>&1 \
    || die "go install ec2-metadata-mock@v1.13.0 failed"
  log "ec2-metadata-mock" installed
fi

# An unprivileged user with a supplementary group: the test that a job runs as the user who
# submitted it (uid, gid, groups, home). Only root can make it; a non-root run fails that test.
if [ "$(id -u)" = 0 ]; then
  if id fleetq-test >/dev/null 2>&1 && id -nG fleetq-test | grep -qw fleetq-grp; then log "test user" present
  else
    getent group fleetq-grp >/dev/null || groupadd fleetq-grp
    id fleetq-test >/dev/null 2>&1 || useradd -m -s /bin/bash fleetq-test
    usermod -aG fleetq-grp fleetq-test
    log "test user" "created (fleetq-test, group fleetq-grp)"
  fi
  # A second one: another user's job is not yours to delete (the authorization tests).
  if id fleetq-other >/dev/null 2>&1; then log "second test user" present
  else useradd -m -s /bin/bash fleetq-other; log "second test user" "created (fleetq-other)"; fi
  # slurmrestd's user: it refuses to run as root or as SlurmUser (root in the tests' clusters).
  if id fleetq-rest >/dev/null 2>&1; then log "slurmrestd user" present
  else useradd -r -M -d /nonexistent -s /usr/sbin/nologin fleetq-rest; log "slurmrestd user" "created (fleetq-rest)"; fi
else
  log "test user" "skipped: not root"
fi

# AWS ParallelCluster 3 (its cluster schema and offline validators): test/fixtures/pcluster/validate.py
# checks what `fleetq pcluster config` writes. In a virtualenv of its own: it pins flask, werkzeug and
# others that would clash with moto[server] above.
PCLUSTER_VENV=/opt/fleetq/pcluster-venv
if "$PCLUSTER_VENV/bin/python" -c 'import pcluster.schemas.cluster_schema' >/dev/null 2>&1; then log "aws-parallelcluster" present
else
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_apt "python3 venv" "python3 -c 'import ensurepip, venv'" python3-venv
  python3 -m venv "$PCLUSTER_VENV" || die "python3 -m venv $PCLUSTER_VENV failed"
  "$PCLUSTER_VENV/bin/pip" install --quiet --disable-pip-version-check "aws-parallelcluster==3.16.1" || die "pip install aws-parallelcluster==3.16.1 failed"
  "$PCLUSTER_VENV/bin/python" -c 'import pcluster.schemas.cluster_schema' >/dev/null 2>&1 || die "aws-parallelcluster still missing in $PCLUSTER_VENV"
  log "aws-parallelcluster" "installed ($PCLUSTER_VENV)"
fi
