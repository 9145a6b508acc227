#!/usr/bin/env bash
# Install the schedulers the cluster tests run against (Slurm + munge, Son of Grid Engine) and the OpenSSH
# server and rsync the remote tests log in to, as root.
# Does nothing when they are already installed; exits 0 without installing when not root or no apt,
# and the cluster tests then skip with the reason.
set -uo pipefail
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "cluster schedulers not installed: needs root and apt-get" >&2
    exit 0
fi
need=()
command -v slurmctld >/dev/null || need+=(slurm-wlm munge)
command -v qsub >/dev/null || [ -x /usr/lib/gridengine/sge_qmaster ] || need+=(gridengine-master gridengine-exec gridengine-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v rsync >/dev/null || need+=(rsync)
[ ${#need[@]} -eq 0 ] && exit 0
host=$(hostname -s)
for package in gridengine-common gridengine-master gridengine-client; do
    echo "$package shared/gridenginemaster string $host"
    echo "$package shared/gridenginecell string default"
    echo "$package shared/gridengineconfig boolean true"
done | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || echo "could not install ${need[*]}; the cluster and remote tests will skip" >&2
exit 0
