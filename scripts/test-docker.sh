#!/usr/bin/env bash
# npm run test:docker: the cluster suite (test-mpi/cluster/suite.mjs) in the 3 containers of
# docker/compose.yml, each with its own volume and one volume shared by all. Needs root.
#
# It uses the Docker engine that answers, or starts one (dockerd --iptables=false) and stops it at
# the end. With no registry to pull from, the Dockerfile's FROM image (node:<major>-<suite>) is
# made here when missing: Debian from debootstrap (cached under /var/cache/dijitso) plus this
# machine's Node, npm, Node headers and CA bundle, kept in the engine's image store for later runs.
# The last line printed is the suite's; the exit status is the suite's. Containers, network and
# volumes (and an engine started here) are removed on exit, error or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=/var/cache/dijitso
suite_timeout_s=600
die() {
  echo "test-docker: $*" >&2
  exit 1
}
say() { echo "docker: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (it may start a Docker engine and debootstrap a base image); run: sudo npm run test:docker"
bash scripts/setup.sh --docker
for tool in docker debootstrap tar timeout flock; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (apt-get install docker.io debootstrap tar coreutils util-linux)"
done
if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose_cmd=(docker-compose)
else
  die "neither 'docker compose' nor 'docker-compose' is installed (apt-get install docker-compose)"
fi

image=$(awk '$1 == "image:" { print $2; exit }' docker/compose.yml)
from=$(awk 'toupper($1) == "FROM" { print $2; exit }' docker/Dockerfile)
[ -n "$image" ] || die "docker/compose.yml names no image: (the tag this script builds)"
[ -n "$from" ] || die "docker/Dockerfile has no FROM line"

# One run at a time: a second run would share, then lose, the engine the first one started.
mkdir -p /run/lock
exec 9>/run/lock/dijitso-test-docker.lock
flock -n 9 || {
  say "waiting for another npm run test:docker on this machine to finish"
  flock 9
}

work=$(mktemp -d /tmp/dijitso-docker.XXXXXX)
project="dijitso-test-$$"
dockerd_pid=
compose_pid=
project_started=
partial=

# Unmounts whatever is mounted on $1 or below it, deepest first.
unmount_under() {
  local mounts mount
  mounts=$(awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
  for mount in $mounts; do umount -l "$mount" 2>/dev/null || true; done
}

# Removes $1 and what an interrupted debootstrap left mounted in it.
remove_tree() {
  unmount_under "$1"
  rm -rf --one-file-system "$1"
}

# Removes the containers, networks and volumes of compose project $1, found by the label compose
# sets, whatever state a run left them in.
remove_project() {
  local filter="label=com.docker.compose.project=$1"
  docker ps -aq --filter "$filter" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network ls -q --filter "$filter" 2>/dev/null | xargs -r docker network rm >/dev/null 2>&1 || true
  docker volume ls -q --filter "$filter" 2>/dev/null | xargs -r docker volume rm -f >/dev/null 2>&1 || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  if [ -n "$compose_pid" ]; then
    kill -TERM "$compose_pid" 2>/dev/null || true
    wait "$compose_pid" 2>/dev/null || true
  fi
  if [ -n "$project_started" ]; then
    "${compose_cmd[@]}" -p "$project" -f docker/compose.yml down -v --remove-orphans --timeout 5 \
      >/dev/null 2>&1 || true
    remove_project "$project"
  fi
  [ -z "$partial" ] || remove_tree "$partial"
  if [ -n "$dockerd_pid" ]; then
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
    # dockerd can leave its network namespace (seen after an interrupted run) or its data root
    # mounted; with the engine gone those mounts are stale.
    unmount_under /run/docker
    unmount_under /var/lib/docker
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
# The suite runs in the background and we `wait` for it: bash runs these traps at once then,
# where a foreground command (timeout, in its own process group) would hold them back.
trap '[ -n "$compose_pid" ] && kill -TERM "$compose_pid" 2>/dev/null; exit 130' INT
trap '[ -n "$compose_pid" ] && kill -TERM "$compose_pid" 2>/dev/null; exit 143' TERM HUP

engine_answers() { timeout 20 docker info >/dev/null 2>&1; }

start_engine() {
  [ -z "${DOCKER_HOST:-}" ] || die "the Docker engine at DOCKER_HOST=$DOCKER_HOST does not answer"
  command -v dockerd >/dev/null 2>&1 || die "no Docker engine answers and dockerd is missing (apt-get install docker.io)"
  say "starting a Docker engine (dockerd --iptables=false) for this run"
  # Without iptables there is no NAT, so builds use the host's network; the containers only talk
  # among themselves on their compose network. No default bridge, and the host's sysctls stay as
  # they are. Its own session keeps a Ctrl-C away from it until the containers are removed.
  setsid dockerd --iptables=false --ip-forward=false --bridge=none >"$work/dockerd.log" 2>&1 9>&- &
  dockerd_pid=$!
  for _ in $(seq 120); do
    engine_answers && return 0
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 20 "$work/dockerd.log" >&2
  die "the Docker engine did not start (its log is above)"
}

# The URI of an apt source of this machine that serves Debian's $1 suite (main).
debian_mirror() {
  local uri
  for field in Release Codename; do
    uri=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' 'Component: main' \
      "$field: $1" 2>/dev/null | head -n 1)
    [ -z "$uri" ] || break
  done
  [ -n "$uri" ] || die "no apt source of this machine serves Debian $1 main (see /etc/apt/sources.list and sources.list.d); debootstrap needs one"
  echo "$uri"
}

# Makes $from (node:<major>-<suite>) the way the official image looks to docker/Dockerfile:
# Debian <suite> with Node <major>, npm and Node's headers (node-gyp builds offline against them).
make_base_image() {
  [[ $from =~ ^node:([0-9]+)-([a-z]+)$ ]] ||
    die "docker/Dockerfile's base image $from is missing and only node:<major>-<debian suite> can be made here; pull it (docker pull $from)"
  local major=${BASH_REMATCH[1]} suite=${BASH_REMATCH[2]}
  command -v node >/dev/null 2>&1 || die "node is missing: the base image takes this machine's Node $major"
  local node_major
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" = "$major" ] || die "the base image $from needs Node $major, this machine has Node $(node -v); pull $from or install Node $major"
  local prefix
  prefix=$(node -p 'require("node:path").resolve(process.execPath, "..", "..")')
  local ca=/etc/ssl/certs/ca-certificates.crt
  local files=("$prefix/bin/node" "$prefix/bin/npm" "$prefix/bin/npx" "$prefix/lib/node_modules/npm" "$prefix/include/node" "$ca")
  for file in "${files[@]}"; do
    [ -e "$file" ] || die "$file is missing: the base image copies Node, npm, Node's headers and the CA bundle from this machine"
  done

  local rootfs
  rootfs="$cache/debootstrap/$suite-minbase-$(dpkg --print-architecture)"
  if [ ! -d "$rootfs" ]; then
    local mirror
    mirror=$(debian_mirror "$suite")
    say "debootstrap of Debian $suite from $mirror into $rootfs (once; later runs reuse it)"
    partial="$rootfs.partial"
    remove_tree "$partial"
    mkdir -p "$(dirname "$rootfs")"
    debootstrap --variant=minbase "$suite" "$partial" "$mirror" >"$work/debootstrap.log" 2>&1 || {
      tail -n 30 "$work/debootstrap.log" >&2
      die "debootstrap of Debian $suite from $mirror failed (its log is above)"
    }
    rm -f "$partial"/var/cache/apt/archives/*.deb
    mv "$partial" "$rootfs"
    partial=
  fi

  say "making the base image $from from $rootfs and this machine's Node $(node -v)"
  # npm inside the build must trust what this machine trusts (a proxy's CA may be in the bundle).
  tar -C "$rootfs" --exclude='./dev/*' -c . -C / "${files[@]#/}" |
    docker import \
      --change "ENV NPM_CONFIG_CAFILE=$ca" \
      --change 'CMD ["node"]' \
      --change 'LABEL org.dijitso.base="debootstrap and the Node of the machine that ran scripts/test-docker.sh"' \
      - "$from" >/dev/null ||
    die "docker import of the base image $from failed (see the messages above)"
}

engine_answers || start_engine
# Projects of earlier runs that could not clean up (killed outright); the lock says none is running.
label=com.docker.compose.project
stale=$({
  docker container ls -a --filter "label=$label" --format "{{.Label \"$label\"}}"
  docker network ls --filter "label=$label" --format "{{.Label \"$label\"}}"
  docker volume ls --filter "label=$label" --format "{{.Label \"$label\"}}"
} 2>/dev/null | grep -E '^dijitso-test-[0-9]+$' | sort -u || true)
for project_left in $stale; do remove_project "$project_left"; done
docker image inspect "$from" >/dev/null 2>&1 || make_base_image

say "building $image from docker/Dockerfile"
old_image=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
docker build --network host -f docker/Dockerfile -t "$image" . >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  die "docker build of docker/Dockerfile failed (the end of its log is above)"
}
new_image=$(docker image inspect --format '{{.Id}}' "$image")
# The previous build is now untagged; drop it so repeated runs do not pile up images.
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then
  docker rmi "$old_image" >/dev/null 2>&1 || true
fi

say "running the cluster suite in the containers of docker/compose.yml"
project_started=1
status=0
timeout --kill-after=10 "$suite_timeout_s" "${compose_cmd[@]}" -p "$project" -f docker/compose.yml \
  up --no-build --no-color --abort-on-container-exit --exit-code-from host1 >"$work/up.log" 2>&1 &
compose_pid=$!
wait "$compose_pid" || status=$?
compose_pid=
# Compose prefixes each line with its container's name and a bar.
line=$(sed -n 's/^[^|]*host1[^|]*| \(cluster: .*\)$/\1/p' "$work/up.log" | tail -n 1)
if [ "$status" != 0 ] || [ -z "$line" ]; then
  tail -n 60 "$work/up.log" >&2
  [ "$status" != 124 ] || echo "test-docker: the suite did not finish within ${suite_timeout_s}s and was stopped" >&2
  echo "test-docker: the suite failed in containers (exit $status; the end of compose's log is above)" >&2
  [ "$status" != 0 ] || status=1
fi
[ -z "$line" ] || echo "$line"
exit "$status"
