#!/usr/bin/env bash
# A real single-node Slurm cluster on localhost, for tokenmill's integration test:
#   scripts/slurm-local.sh start   # installs Debian's slurm packages if missing, starts munged, slurmctld, slurmd
#   scripts/slurm-local.sh stop    # stops only the processes this script started (PID files)
#   scripts/slurm-local.sh status
# Background processes, no systemd. State lives in $TOKENMILL_SLURM_DIR (default /tmp/tokenmill-slurm).
set -euo pipefail
DIR=${TOKENMILL_SLURM_DIR:-/tmp/tokenmill-slurm}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF

need_root() { [ "$(id -u)" = 0 ] || { echo "slurm-local: must run as root (it starts munged and slurmd)" >&2; exit 1; }; }

install() {
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
    echo "slurm-local: installing slurmctld slurmd slurm-client munge (apt)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  fi
}

write_conf() {
  mkdir -p "$DIR"/{state,spool,log,munge}
  local cpus mem
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
  cat > "$CONF" <<CONF
ClusterName=tokenmill
SlurmctldHost=localhost
SlurmctldPort=${TOKENMILL_SLURM_PORT:-6817}
SlurmdPort=$(( ${TOKENMILL_SLURM_PORT:-6817} + 1 ))
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmdSpoolDir=$DIR/spool
StateSaveLocation=$DIR/state
SlurmUser=root
SlurmdUser=root
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
DependencyParameters=kill_invalid_depend
MaxArraySize=${TOKENMILL_SLURM_MAX_ARRAY:-1001}
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
MinJobAge=10
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
  # munged wants its key owned by munge, mode 0600, and a world-executable socket directory.
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom bs=1 count=1024 of="$key" 2>/dev/null
  fi
  chown munge:munge "$key" 2>/dev/null || true
  chmod 0600 "$key"
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
  chmod 0755 /run/munge
  if [ -S /run/munge/munge.socket.2 ] && munge -n >/dev/null 2>&1; then return; fi
  # munged drops to the munge user: its PID file goes in a folder that user can write.
  if id munge >/dev/null 2>&1; then
    chown munge:munge "$DIR/munge"
    su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=$DIR/munge/munged.pid" 2>/dev/null || /usr/sbin/munged --force --pid-file="$DIR/munge/munged.pid"
  else
    /usr/sbin/munged --force --pid-file="$DIR/munge/munged.pid"
  fi
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && return; sleep 0.1; done
  echo "slurm-local: munged did not start" >&2; exit 1
}

start() {
  need_root
  install
  if status >/dev/null 2>&1; then echo "slurm-local: already running (SLURM_CONF=$CONF)"; return; fi
  write_conf
  start_munge
  /usr/sbin/slurmctld -f "$CONF"
  /usr/sbin/slurmd -f "$CONF" -N localhost
  for _ in $(seq 100); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "slurm-local: cluster up (SLURM_CONF=$CONF)"; return
    fi
    scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
    sleep 0.2
  done
  echo "slurm-local: cluster did not come up; logs in $DIR/log" >&2; exit 1
}

stop() {
  for f in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munge/munged.pid"; do
    if [ -f "$f" ]; then
      kill "$(cat "$f")" 2>/dev/null || true
      rm -f "$f"
    fi
  done
  echo "slurm-local: stopped"
}

status() {
  [ -f "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null && sinfo -h >/dev/null 2>&1 && { sinfo; return 0; }
  echo "slurm-local: not running"; return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
