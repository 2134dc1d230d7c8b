#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the queue tests and for trying `lfads run --slurm`
# without a cluster (recipe: shared/reference/ecosystem.md, "Single-node Slurm on this machine kind").
#
#   scripts/slurm-local.sh start    start munge, slurmctld and slurmd (idempotent; needs root and the
#                                   Debian packages slurm-wlm + munge); prints "started" or "already running"
#   scripts/slurm-local.sh stop     stop only the daemons this script started (idempotent)
#   scripts/slurm-local.sh status   exit 0 when the controller answers and the node is usable
#
# What `start` started is recorded under $STATE (default /run/lfads-slurm-local), so `stop` never
# touches a Slurm or munge that was running before. The partition is "debug" (default), one node
# with every core of this machine and 90% of its memory.
set -euo pipefail

STATE=${LFADS_SLURM_STATE:-/run/lfads-slurm-local}
CONF=/etc/slurm/slurm.conf
MUNGE_PID=/run/munge/munged.pid

die() { echo "slurm-local: $*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (it writes $CONF and starts system daemons)"; }

need_packages() {
  for b in slurmctld slurmd munged sinfo sbatch; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] ||
      die "'$b' not found: install the Debian packages with 'apt-get install -y slurm-wlm munge'"
  done
}

# Responds and has an idle/mixed/allocated node (not down/drained).
cluster_ok() {
  local st
  st=$(timeout 5 sinfo -h -o '%T' 2>/dev/null) || return 1
  [ -n "$st" ] || return 1
  ! grep -qiE 'down|drain|fail|unknown|not_responding' <<<"$st"
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

write_conf() {
  local host cpus mem_kb mem_mb
  host=$(hostname -s)
  cpus=$(nproc)
  mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  mem_mb=$(( mem_kb / 1024 * 9 / 10 ))
  mkdir -p /etc/slurm
  local tmp
  tmp=$(mktemp /etc/slurm/.slurm.conf.XXXXXX)
  cat >"$tmp" <<EOF
# Written by lfads-ts scripts/slurm-local.sh: a one-node cluster for tests.
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=30
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  chmod 644 "$tmp"
  mv -f "$tmp" "$CONF"
}

start() {
  need_root
  need_packages
  if pid_alive "$(cat /run/slurmctld.pid 2>/dev/null || true)" && cluster_ok; then
    echo "slurm-local: already running ($(sinfo -h -o '%P %D %T' | tr '\n' ' '))"
    return 0
  fi
  mkdir -p "$STATE" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
  chown munge:munge /run/munge
  [ -f /etc/munge/munge.key ] || die "/etc/munge/munge.key is missing: reinstall munge (apt-get install --reinstall munge) or create it with mungekey"

  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    su -s /bin/sh munge -c /usr/sbin/munged || die "munged failed to start (see /var/log/munge/munged.log)"
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge >/dev/null || die "munge does not answer after starting munged"
    touch "$STATE/munge"
  fi

  # Our own configuration, unless one is there that this script did not write.
  if [ -f "$CONF" ] && ! grep -q 'lfads-ts scripts/slurm-local.sh' "$CONF"; then
    die "$CONF exists and was not written by this script; refusing to overwrite it (move it away to use a local test cluster)"
  fi
  write_conf

  if ! pid_alive "$(cat /run/slurmctld.pid 2>/dev/null || true)"; then
    /usr/sbin/slurmctld || die "slurmctld failed to start (see /var/log/slurm/slurmctld.log)"
    touch "$STATE/slurmctld"
  fi
  if ! pid_alive "$(cat /run/slurmd.pid 2>/dev/null || true)"; then
    /usr/sbin/slurmd || die "slurmd failed to start (see /var/log/slurm/slurmd.log)"
    touch "$STATE/slurmd"
  fi

  for _ in $(seq 150); do cluster_ok && break; sleep 0.2; done
  if ! cluster_ok; then
    # A node left DOWN by an earlier unclean stop comes back with an explicit resume.
    scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
    for _ in $(seq 50); do cluster_ok && break; sleep 0.2; done
  fi
  cluster_ok || die "Slurm started but the node is not usable: $(sinfo -h -o '%N %T %E' 2>&1 | tr '\n' ' ') (logs in /var/log/slurm)"
  echo "slurm-local: started ($(sinfo -h -o '%P %D %T' | tr '\n' ' '))"
}

stop_pidfile() {
  local file=$1 pid
  pid=$(cat "$file" 2>/dev/null || true)
  pid_alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  need_root
  if [ -f "$STATE/slurmd" ]; then stop_pidfile /run/slurmd.pid; rm -f "$STATE/slurmd"; fi
  if [ -f "$STATE/slurmctld" ]; then stop_pidfile /run/slurmctld.pid; rm -f "$STATE/slurmctld"; fi
  if [ -f "$STATE/munge" ]; then stop_pidfile "$MUNGE_PID"; rm -f "$STATE/munge"; fi
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if cluster_ok; then sinfo; else echo "slurm-local: not running" >&2; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
